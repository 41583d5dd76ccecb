/**
 * ConViT (d'Ascoli et al. 2021), as timm's convit.py: a ViT whose first
 * `localUpToLayer` blocks use gated positional self-attention (GPSA, a soft
 * convolutional prior) on the patches alone; the class token joins just before
 * the remaining blocks, which use ordinary multi-head self-attention.
 *
 *   image -> patch_embed -> + pos_embed (patches only)
 *         -> localUpToLayer x block(GPSA) -> prepend cls token
 *         -> (depth - localUpToLayer) x block(MHSA) -> norm -> cls token -> head
 *
 * Width is 48 channels per head (embed_dim=48 * num_heads in timm); qkv without bias.
 * Attention maps (GPSA and MHSA alike): attentionMaps(model, images) in lib/layers/attention_maps.ts.
 */
import * as tf from "@tensorflow/tfjs";
import { MultiHeadSelfAttention } from "../layers/attention.js";
import { GatedPositionalSelfAttention } from "../layers/attention_gpsa.js";
import {
  applyLayer,
  booleanOption,
  checkHeadsDivide,
  type HeadActivation,
  patchEmbed,
  overrideConfig,
  patchGrid,
  positiveInteger,
  positiveNumber,
  transformerBlock,
} from "../layers/vit_blocks.js";
import { ClassToken, PositionEmbedding } from "../layers/vit_tokens.js";
import type { ModelOptions } from "./registry.js";
import { type PatchFamily, type PatchVariant, registerPatchVariant, tokenClassifier } from "./vit.js";

/** Architecture of a ConViT variant. */
export interface ConvitConfig {
  /** Side of the square patches. */
  patchSize: number;
  /** Token width d (48 x numHeads in the paper's configs). */
  embedDim: number;
  /** Number of blocks. */
  depth: number;
  /** Attention heads per block. */
  numHeads: number;
  /** The first localUpToLayer blocks use GPSA; the class token joins after them. */
  localUpToLayer: number;
  /** Scale of GPSA's local initialisation (ConViT's α). */
  localityStrength: number;
  /** MLP hidden width / d. */
  mlpRatio: number;
  /** Whether the qk/v/qkv projections have biases (false in ConViT). */
  qkvBias: boolean;
}

/** Options a ConViT variant accepts beyond numClasses/inputShape. */
export const CONVIT_OPTIONS = ["patchSize", "embedDim", "depth", "numHeads", "localUpToLayer", "localityStrength", "mlpRatio", "qkvBias", "headActivation"];

const CONVIT_PAPER = 'd\'Ascoli et al. 2021, "ConViT: Improving Vision Transformers with Soft Convolutional Inductive Biases" (timm convit.py)';

/**
 * Named variants. convit_tiny: timm's convit_tiny (embed_dim=48 x num_heads=4, depth 12,
 * local_up_to_layer=10, locality_strength=1, qkv_bias=False); 5,710,512 trainable parameters,
 * counted layer by layer from timm's convit.py (model card: 5.7M): patch conv 147,648,
 * pos_embed 196·192, cls 192, 10 GPSA blocks of 444,308 (qk 2d², v d², proj d²+d,
 * pos_proj 3·4+4, gating 4, two norms, MLP), 2 MHSA blocks of 444,288, norm 384, head 193,000.
 */
const CONVIT_VARIANTS: PatchVariant<ConvitConfig>[] = [
  {
    name: "convit_tiny",
    config: { patchSize: 16, embedDim: 48 * 4, depth: 12, numHeads: 4, localUpToLayer: 10, localityStrength: 1, mlpRatio: 4, qkvBias: false },
    imageSize: 224,
    numClasses: 1000,
    referenceParams: 5_710_512,
  },
];

/** Merges option overrides into a ConViT config, checking each value. */
export function resolveConvitConfig(config: ConvitConfig, options: ModelOptions, model: string): ConvitConfig {
  const merged = overrideConfig(config, options, model, {
    patchSize: positiveInteger,
    embedDim: positiveInteger,
    depth: positiveInteger,
    numHeads: positiveInteger,
    localUpToLayer: (value) => {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw new Error(`${model}: option localUpToLayer must be a non-negative integer, got ${JSON.stringify(value)}.`);
      }
      return value;
    },
    localityStrength: positiveNumber,
    mlpRatio: positiveNumber,
    qkvBias: booleanOption,
  });
  if (merged.localUpToLayer > merged.depth) {
    throw new Error(`${model}: localUpToLayer (${merged.localUpToLayer}) cannot exceed depth (${merged.depth}).`);
  }
  checkHeadsDivide(merged, model);
  return merged;
}

/**
 * Builds a ConViT as a tfjs LayersModel.
 * @param config Architecture (see {@link ConvitConfig}).
 * @param inputShape Square image shape [side, side, channels]; side must divide by patchSize.
 * @param numClasses Width of the classifier head.
 * @param headActivation "softmax" (probabilities) or "linear" (logits).
 * @param name Model name.
 */
export function buildConvit(
  config: ConvitConfig,
  inputShape: number[],
  numClasses: number,
  headActivation: HeadActivation,
  name: string,
): tf.LayersModel {
  const grid = patchGrid(inputShape, config.patchSize, name);
  if (config.localUpToLayer > 0 && grid[0] !== grid[1]) {
    throw new Error(`${name}: GPSA needs a square patch grid; got inputShape [${inputShape.join(", ")}]. Use square images.`);
  }
  const images = tf.input({ shape: inputShape, name: "images" });
  let tokens = patchEmbed(images, config.patchSize, config.embedDim, grid);
  tokens = applyLayer(new PositionEmbedding({ name: "pos_embed" }), tokens);
  for (let index = 0; index < config.depth; index++) {
    if (index === config.localUpToLayer) tokens = applyLayer(new ClassToken({ name: "cls_token" }), tokens);
    const attentionName = `blocks.${index}.attn`;
    const attention =
      index < config.localUpToLayer
        ? new GatedPositionalSelfAttention({ numHeads: config.numHeads, qkvBias: config.qkvBias, localityStrength: config.localityStrength, name: attentionName })
        : new MultiHeadSelfAttention({ numHeads: config.numHeads, qkvBias: config.qkvBias, name: attentionName });
    tokens = transformerBlock(tokens, { index, embedDim: config.embedDim, mlpRatio: config.mlpRatio, attention });
  }
  if (config.localUpToLayer === config.depth) tokens = applyLayer(new ClassToken({ name: "cls_token" }), tokens);
  return tokenClassifier(images, tokens, "token", config.depth, numClasses, headActivation, name);
}

const CONVIT_FAMILY: PatchFamily<ConvitConfig> = {
  family: "convit",
  paper: CONVIT_PAPER,
  options: CONVIT_OPTIONS,
  resolve: resolveConvitConfig,
  checkGrid: (config, grid, inputShape, model) => {
    if (config.localUpToLayer > 0 && grid[0] !== grid[1]) {
      throw new Error(`${model}: GPSA needs square images; got inputShape [${inputShape.join(", ")}].`);
    }
  },
  build: buildConvit,
};

for (const variant of CONVIT_VARIANTS) registerPatchVariant(CONVIT_FAMILY, variant);
