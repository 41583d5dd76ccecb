/**
 * Vision Transformer (ViT) and DeiT, as timm's vision_transformer.py / deit.py.
 *
 *   image -> patch_embed (conv k=s=patch) -> [cls (+ dist) token] + pos_embed
 *         -> depth x pre-norm block (LN -> MHSA -> +, LN -> MLP(4d, GELU) -> +)
 *         -> norm -> class token (or mean) -> head
 *
 * LayerNorm eps 1e-6, qkv with bias, MLP ratio 4: the timm configs. Attention maps
 * of any built model: attentionMaps(model, images) from lib/layers/attention_maps.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { MultiHeadSelfAttention } from "../layers/attention.js";
import {
  applyLayer,
  blockFeatureLayers,
  booleanOption,
  checkHeadsDivide,
  classifierHead,
  type HeadActivation,
  headActivationOption,
  headOutput,
  layerNorm,
  linear,
  patchEmbed,
  overrideConfig,
  patchGrid,
  positiveInteger,
  positiveNumber,
  transformerBlock,
} from "../layers/vit_blocks.js";
import { ClassToken, PositionEmbedding, TokenPooling } from "../layers/vit_tokens.js";
import { setFeatureLayers } from "./metadata.js";
import { type ModelOptions, registerModel } from "./registry.js";

/** Architecture of a ViT variant (the columns of the paper's Table 1, plus the patch size). */
export interface VitConfig {
  /** Side of the square patches (16 for "/16"). */
  patchSize: number;
  /** Token width d ("hidden size D"). */
  embedDim: number;
  /** Number of transformer blocks ("layers"). */
  depth: number;
  /** Attention heads per block. */
  numHeads: number;
  /** MLP hidden width / d (4 in every ViT config). */
  mlpRatio: number;
  /** Whether the qkv projection has a bias (true in timm's ViT). */
  qkvBias: boolean;
  /** Pool the class token ("token", ViT) or average the patch tokens ("mean"). */
  globalPool: "token" | "mean";
  /** DeiT's distillation token: a second learned token with its own head; the two heads' logits are averaged. */
  distilled: boolean;
}

/** Options a ViT/DeiT variant accepts beyond numClasses/inputShape: any {@link VitConfig} field, plus headActivation. */
export const VIT_OPTIONS = ["patchSize", "embedDim", "depth", "numHeads", "mlpRatio", "qkvBias", "globalPool", "headActivation"];

const VIT_PAPER = 'Dosovitskiy et al. 2021, "An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale" (timm vision_transformer.py)';
const DEIT_PAPER = 'Touvron et al. 2021, "Training data-efficient image transformers & distillation through attention" (timm deit.py)';

const base = { mlpRatio: 4, qkvBias: true, globalPool: "token", distilled: false } as const;
const tiny = { ...base, embedDim: 192, depth: 12, numHeads: 3 };
const small = { ...base, embedDim: 384, depth: 12, numHeads: 6 };
const baseSize = { ...base, embedDim: 768, depth: 12, numHeads: 12 };

/**
 * Named variants. referenceParams: trainable parameters of timm's model with the default
 * input and classes. The 224 ones equal timm (5.7M / 22.1M / 86.6M on the timm model cards;
 * exact counts from timm's VisionTransformer layer by layer: patch conv p²·3·d + d, cls d,
 * pos (n+1)·d, 12 blocks of 12d² + 13d, final norm 2d, head d·classes + classes). The
 * CIFAR-sized patch4_32 ones are not in timm: their count is the same formula for
 * VisionTransformer(img_size=32, patch_size=4, num_classes=10).
 */
const VIT_VARIANTS: PatchVariant<VitConfig>[] = [
  { name: "vit_tiny_patch16_224", paper: VIT_PAPER, config: { ...tiny, patchSize: 16 }, imageSize: 224, numClasses: 1000, referenceParams: 5_717_416 },
  { name: "vit_small_patch16_224", paper: VIT_PAPER, config: { ...small, patchSize: 16 }, imageSize: 224, numClasses: 1000, referenceParams: 22_050_664 },
  { name: "vit_base_patch16_224", paper: VIT_PAPER, config: { ...baseSize, patchSize: 16 }, imageSize: 224, numClasses: 1000, referenceParams: 86_567_656 },
  { name: "vit_tiny_patch4_32", paper: VIT_PAPER, config: { ...tiny, patchSize: 4 }, imageSize: 32, numClasses: 10, referenceParams: 5_362_762 },
  { name: "vit_small_patch4_32", paper: VIT_PAPER, config: { ...small, patchSize: 4 }, imageSize: 32, numClasses: 10, referenceParams: 21_342_346 },
  { name: "deit_tiny_patch16_224", paper: DEIT_PAPER, config: { ...tiny, patchSize: 16 }, imageSize: 224, numClasses: 1000, referenceParams: 5_717_416 },
  // timm deit_tiny_distilled_patch16_224 (model card: 5.9M): ViT-Ti + dist token d + one more pos row d + head_dist.
  { name: "deit_tiny_distilled_patch16_224", paper: DEIT_PAPER, config: { ...tiny, patchSize: 16, distilled: true }, imageSize: 224, numClasses: 1000, referenceParams: 5_910_800 },
];

/** Merges option overrides into a variant's config, checking each value. */
export function resolveVitConfig(config: VitConfig, options: ModelOptions, model: string): VitConfig {
  const merged = overrideConfig(config, options, model, {
    patchSize: positiveInteger,
    embedDim: positiveInteger,
    depth: positiveInteger,
    numHeads: positiveInteger,
    mlpRatio: positiveNumber,
    qkvBias: booleanOption,
    globalPool: (value) => {
      if (value !== "token" && value !== "mean") throw new Error(`${model}: option globalPool must be "token" or "mean", got ${JSON.stringify(value)}.`);
      return value;
    },
  });
  checkHeadsDivide(merged, model);
  return merged;
}

/** A patch-based image family (ViT/DeiT, ConViT, Mixer): how options become its config, and a config a model. */
export interface PatchFamily<C extends { patchSize: number }> {
  /** Family name (models.info(name).family). */
  family: string;
  /** Paper of variants that name none. */
  paper: string;
  /** Options beyond numClasses/inputShape: config fields (their defaults come from each variant's config), then "headActivation". */
  options: string[];
  /** Merges option overrides into a variant's config, checking each value. */
  resolve(config: C, options: ModelOptions, model: string): C;
  /** Extra check of the patch grid at models.create time (ConViT: square). */
  checkGrid?(config: C, grid: [number, number], inputShape: number[], model: string): void;
  /** Builds the model from a resolved config. */
  build(config: C, inputShape: number[], numClasses: number, headActivation: HeadActivation, name: string): tf.LayersModel;
}

/** A named variant of a {@link PatchFamily}: its config and timm's parameter count at its default input. */
export interface PatchVariant<C> {
  /** Registry name. */
  name: string;
  /** Paper, when not the family's. */
  paper?: string;
  /** Architecture. */
  config: C;
  /** Default square input side. */
  imageSize: number;
  /** Default number of classes. */
  numClasses: number;
  /** Trainable parameters of the reference model with the default input and classes. */
  referenceParams: number;
}

/**
 * Registers a variant of a patch-based family: defaults from its config, options checked at
 * models.create time (config, patch grid, headActivation), then built from the resolved config.
 */
export function registerPatchVariant<C extends { patchSize: number }>(family: PatchFamily<C>, variant: PatchVariant<C>): void {
  const configFields = family.options.filter((option) => option !== "headActivation");
  const configDefaults = Object.fromEntries(configFields.map((option) => [option, (variant.config as Record<string, unknown>)[option]]));
  registerModel({
    name: variant.name,
    family: family.family,
    paper: variant.paper ?? family.paper,
    task: "image",
    defaults: { inputShape: [variant.imageSize, variant.imageSize, 3], numClasses: variant.numClasses, ...configDefaults, headActivation: "softmax" },
    options: family.options,
    referenceParams: variant.referenceParams,
    checkOptions: (options) => {
      const config = family.resolve(variant.config, options, variant.name);
      const grid = patchGrid(options.inputShape, config.patchSize, variant.name);
      family.checkGrid?.(config, grid, options.inputShape, variant.name);
      headActivationOption(options.headActivation, variant.name);
    },
    build: (options) =>
      family.build(
        family.resolve(variant.config, options, variant.name),
        options.inputShape,
        options.numClasses,
        headActivationOption(options.headActivation, variant.name),
        variant.name,
      ),
  });
}

/**
 * Builds a Vision Transformer (or DeiT) as a tfjs LayersModel.
 * @param config Architecture (see {@link VitConfig}).
 * @param inputShape Image shape [height, width, channels]; height and width must divide by patchSize.
 * @param numClasses Width of the classifier head.
 * @param headActivation "softmax" (probabilities) or "linear" (logits).
 * @param name Model name.
 */
export function buildVisionTransformer(
  config: VitConfig,
  inputShape: number[],
  numClasses: number,
  headActivation: HeadActivation,
  name: string,
): tf.LayersModel {
  const grid = patchGrid(inputShape, config.patchSize, name);
  const images = tf.input({ shape: inputShape, name: "images" });
  let tokens = patchEmbed(images, config.patchSize, config.embedDim, grid);
  tokens = applyLayer(new ClassToken({ numTokens: config.distilled ? 2 : 1, name: "cls_token" }), tokens);
  tokens = applyLayer(new PositionEmbedding({ name: "pos_embed" }), tokens);
  for (let index = 0; index < config.depth; index++) {
    const attention = new MultiHeadSelfAttention({ numHeads: config.numHeads, qkvBias: config.qkvBias, name: `blocks.${index}.attn` });
    tokens = transformerBlock(tokens, { index, embedDim: config.embedDim, mlpRatio: config.mlpRatio, attention });
  }
  tokens = applyLayer(layerNorm("norm"), tokens);
  const pooled = applyLayer(new TokenPooling({ mode: config.globalPool, tokenIndex: config.globalPool === "mean" ? (config.distilled ? 2 : 1) : 0, name: "pool" }), tokens);
  const features = blockFeatureLayers(config.depth);
  if (!config.distilled) {
    return setFeatureLayers(tf.model({ inputs: images, outputs: classifierHead(pooled, numClasses, headActivation), name }), features);
  }
  // DeiT distilled, inference form: average the class-token head and the distillation-token head.
  const distToken = applyLayer(new TokenPooling({ mode: "token", tokenIndex: 1, name: "pool_dist" }), tokens);
  const logits = applyLayer(linear(numClasses, "head"), pooled);
  const distLogits = applyLayer(linear(numClasses, "head_dist"), distToken);
  const output = headOutput(applyLayer(tf.layers.average({ name: "head_average" }), [logits, distLogits]), headActivation);
  return setFeatureLayers(tf.model({ inputs: images, outputs: output, name }), features);
}

/**
 * The common ending of the token models (ConViT, MLP-Mixer): final LayerNorm "norm", pooling
 * "pool" (a token or the mean), classifier "head", with the blocks as feature points.
 */
export function tokenClassifier(
  images: tf.SymbolicTensor,
  tokens: tf.SymbolicTensor,
  pooling: "token" | "mean",
  depth: number,
  numClasses: number,
  headActivation: HeadActivation,
  name: string,
): tf.LayersModel {
  const normed = applyLayer(layerNorm("norm"), tokens);
  const pooled = applyLayer(new TokenPooling({ mode: pooling, name: "pool" }), normed);
  const model = tf.model({ inputs: images, outputs: classifierHead(pooled, numClasses, headActivation), name });
  return setFeatureLayers(model, blockFeatureLayers(depth));
}

const VIT_FAMILY: PatchFamily<VitConfig> = {
  family: "vit",
  paper: VIT_PAPER,
  options: VIT_OPTIONS,
  resolve: resolveVitConfig,
  build: buildVisionTransformer,
};

for (const variant of VIT_VARIANTS) registerPatchVariant(VIT_FAMILY, variant);
