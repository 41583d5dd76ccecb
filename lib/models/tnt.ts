/**
 * Transformer in Transformer (TNT, Han et al. 2021), as timm's tnt.py (the
 * non-legacy form): each 16x16 patch is itself a sequence of "pixel" tokens,
 * refined by an inner transformer whose output is projected into the patch
 * (outer) tokens at every block.
 *
 *   image -> unfold 16x16 patches -> conv 7x7/4 (pad 3) -> 4x4 pixels x innerDim + pixel_pos
 *   patch tokens: LN -> Linear -> LN of the flattened pixels -> [cls] + patch_pos
 *   block: pixels  += attn_in(LN), += mlp_in(LN)            (inner, innerDim, 4 heads)
 *          patches[1:] += LN(Linear(LN(flattened pixels)))  (no bias)
 *          patches += attn_out(LN), += mlp(LN)              (outer, embedDim)
 *   -> LN -> class token -> head
 *
 *   name               patch  embedDim  innerDim  depth  heads (in/out)  params (1000 classes)
 *   tnt_s_patch16_224  16     384       24        12     4 / 6           23,768,584
 *
 * LayerNorm eps 1e-5 (PyTorch's nn.LayerNorm default), attention without qkv bias
 * (q and k share one Linear in timm, v has its own; here one fused [d, 3d] kernel).
 */
import * as tf from "@tensorflow/tfjs";
import { MultiHeadSelfAttention } from "../layers/attention.js";
import { DropPath } from "../layers/drop_path.js";
import { ChannelLayerNorm } from "../layers/layer_norm.js";
import { AddToPatchTokens, PatchFold, PatchUnfold } from "../layers/tnt_layers.js";
import {
  applyLayer,
  booleanOption,
  classifierHead,
  type HeadActivation,
  linear,
  mlp,
  overrideConfig,
  patchGrid,
  positiveInteger,
  positiveNumber,
} from "../layers/vit_blocks.js";
import { ClassToken, PositionEmbedding, TokenPooling } from "../layers/vit_tokens.js";
import { torchConv2d, truncNormal02 } from "./cnn_blocks.js";
import { dropPathRates } from "./convnext.js";
import { setFeatureLayers } from "./metadata.js";
import type { ModelOptions } from "./registry.js";
import { type PatchFamily, type PatchVariant, registerPatchVariant } from "./vit.js";

/** Architecture of a TNT variant (timm's TNT constructor arguments). */
export interface TntConfig {
  /** Side of the square (outer) patches. */
  patchSize: number;
  /** Outer (patch) token width. */
  embedDim: number;
  /** Inner (pixel) token width. */
  innerDim: number;
  /** Number of TNT blocks. */
  depth: number;
  /** Heads of the inner attention. */
  numHeadsInner: number;
  /** Heads of the outer attention. */
  numHeadsOuter: number;
  /** Outer MLP hidden width / embedDim (the inner MLP is always 4 x innerDim, as timm). */
  mlpRatio: number;
  /** Whether the q/k/v projections have biases (false in TNT). */
  qkvBias: boolean;
  /** Stride of the pixel-embedding conv 7x7: each patch becomes ceil(patchSize / firstStride)² pixel tokens. */
  firstStride: number;
}

/** Options a TNT variant accepts beyond numClasses/inputShape: any {@link TntConfig} field and headActivation (buildTnt also takes a dropPathRate). */
export const TNT_OPTIONS = ["patchSize", "embedDim", "innerDim", "depth", "numHeadsInner", "numHeadsOuter", "mlpRatio", "qkvBias", "firstStride", "headActivation"];

const TNT_PAPER = 'Han et al. 2021, "Transformer in Transformer" (timm tnt.py)';
const TNT_LAYER_NORM_EPSILON = 1e-5;
const INNER_MLP_RATIO = 4;

/**
 * Named variants. referenceParams: `sum(p.numel() for p in timm.create_model("tnt_s_patch16_224").parameters())`
 * with timm 1.0.29.dev0 and PyTorch 1.13 (model card: 23.8M).
 */
const TNT_VARIANTS: PatchVariant<TntConfig>[] = [
  {
    name: "tnt_s_patch16_224",
    config: { patchSize: 16, embedDim: 384, innerDim: 24, depth: 12, numHeadsInner: 4, numHeadsOuter: 6, mlpRatio: 4, qkvBias: false, firstStride: 4 },
    imageSize: 224,
    numClasses: 1000,
    referenceParams: 23_768_584,
  },
];

/** Merges option overrides into a TNT config, checking each value (widths must split into their heads). */
export function resolveTntConfig(config: TntConfig, options: ModelOptions, model: string): TntConfig {
  const merged = overrideConfig(config, options, model, {
    patchSize: positiveInteger,
    embedDim: positiveInteger,
    innerDim: positiveInteger,
    depth: positiveInteger,
    numHeadsInner: positiveInteger,
    numHeadsOuter: positiveInteger,
    mlpRatio: positiveNumber,
    qkvBias: booleanOption,
    firstStride: positiveInteger,
  });
  if (merged.innerDim % merged.numHeadsInner !== 0) throw new Error(`${model}: innerDim ${merged.innerDim} must be divisible by numHeadsInner ${merged.numHeadsInner}.`);
  if (merged.embedDim % merged.numHeadsOuter !== 0) throw new Error(`${model}: embedDim ${merged.embedDim} must be divisible by numHeadsOuter ${merged.numHeadsOuter}.`);
  return merged;
}

function layerNorm(name: string): tf.layers.Layer {
  return new ChannelLayerNorm({ epsilon: TNT_LAYER_NORM_EPSILON, name });
}

/** x + [DropPath](branch), the output named `name`. */
function residual(x: tf.SymbolicTensor, branch: tf.SymbolicTensor, dropPath: number, name: string): tf.SymbolicTensor {
  const y = dropPath > 0 ? applyLayer(new DropPath({ rate: dropPath, name: `${name}.drop_path` }), branch) : branch;
  return applyLayer(tf.layers.add({ name }), [x, y]);
}

/** LN -> Linear -> LN of the flattened pixels of each patch (bias only in the stem's projection, as timm). */
function projectPixels(pixels: tf.SymbolicTensor, numPatches: number, embedDim: number, prefix: string, useBias: boolean): tf.SymbolicTensor {
  let x = applyLayer(new PatchFold({ numPatches, name: `${prefix}fold` }), pixels);
  x = applyLayer(layerNorm(`${prefix}norm1_proj`), x);
  x = applyLayer(tf.layers.dense({ units: embedDim, useBias, kernelInitializer: truncNormal02(), name: `${prefix}proj` }), x);
  return applyLayer(layerNorm(`${prefix}norm2_proj`), x);
}

/**
 * Builds a TNT as a tfjs LayersModel. Feature points (models.features): "blocks.i", the
 * patch tokens after block i; the pixel tokens are "blocks.i.pixels".
 * @param config Architecture (see {@link TntConfig}).
 * @param inputShape Image shape [height, width, channels]; height and width must divide by patchSize.
 * @param numClasses Width of the classifier head.
 * @param headActivation "softmax" (probabilities) or "linear" (logits).
 * @param name Model name.
 * @param dropPathRate Stochastic depth of the last block (linearly from 0), default 0.
 */
export function buildTnt(
  config: TntConfig,
  inputShape: number[],
  numClasses: number,
  headActivation: HeadActivation,
  name: string,
  dropPathRate = 0,
): tf.LayersModel {
  const grid = patchGrid(inputShape, config.patchSize, name);
  const numPatches = grid[0] * grid[1];
  const pixelSide = Math.ceil(config.patchSize / config.firstStride);
  const images = tf.input({ shape: inputShape, name: "images" });
  let pixels = applyLayer(new PatchUnfold({ patchSize: config.patchSize, name: "pixel_embed.unfold" }), images);
  pixels = torchConv2d(pixels, { filters: config.innerDim, kernelSize: 7, strides: config.firstStride, padding: 3, name: "pixel_embed.proj" });
  pixels = applyLayer(tf.layers.reshape({ targetShape: [pixelSide * pixelSide, config.innerDim], name: "pixel_embed.flatten" }), pixels);
  pixels = applyLayer(new PositionEmbedding({ name: "pixel_pos" }), pixels);

  let patches = projectPixels(pixels, numPatches, config.embedDim, "", true);
  patches = applyLayer(new ClassToken({ name: "cls_token" }), patches);
  patches = applyLayer(new PositionEmbedding({ name: "patch_pos" }), patches);

  const rates = dropPathRates([config.depth], dropPathRate)[0];
  for (let index = 0; index < config.depth; index++) {
    const prefix = `blocks.${index}`;
    const rate = rates[index];
    const innerAttention = new MultiHeadSelfAttention({ numHeads: config.numHeadsInner, qkvBias: config.qkvBias, name: `${prefix}.attn_in` });
    pixels = residual(pixels, applyLayer(innerAttention, applyLayer(layerNorm(`${prefix}.norm_in`), pixels)), rate, `${prefix}.add_attn_in`);
    const innerMlp = mlp(applyLayer(layerNorm(`${prefix}.norm_mlp_in`), pixels), config.innerDim * INNER_MLP_RATIO, config.innerDim, `${prefix}.mlp_in`);
    pixels = residual(pixels, innerMlp, rate, `${prefix}.pixels`);

    const update = projectPixels(pixels, numPatches, config.embedDim, `${prefix}.`, false);
    patches = applyLayer(new AddToPatchTokens({ name: `${prefix}.add_proj` }), [patches, update]);
    const outerAttention = new MultiHeadSelfAttention({ numHeads: config.numHeadsOuter, qkvBias: config.qkvBias, name: `${prefix}.attn_out` });
    patches = residual(patches, applyLayer(outerAttention, applyLayer(layerNorm(`${prefix}.norm_out`), patches)), rate, `${prefix}.add_attn_out`);
    const outerMlp = mlp(applyLayer(layerNorm(`${prefix}.norm_mlp`), patches), Math.round(config.embedDim * config.mlpRatio), config.embedDim, `${prefix}.mlp`);
    patches = residual(patches, outerMlp, rate, prefix);
  }
  patches = applyLayer(layerNorm("norm"), patches);
  const pooled = applyLayer(new TokenPooling({ mode: "token", name: "pool" }), patches);
  const model = tf.model({ inputs: images, outputs: classifierHead(pooled, numClasses, headActivation), name });
  return setFeatureLayers(model, Object.fromEntries(Array.from({ length: config.depth }, (_, i) => [`blocks.${i}`, `blocks.${i}`])));
}

const TNT_FAMILY: PatchFamily<TntConfig> = {
  family: "tnt",
  paper: TNT_PAPER,
  options: TNT_OPTIONS,
  resolve: resolveTntConfig,
  build: buildTnt,
};

for (const variant of TNT_VARIANTS) registerPatchVariant(TNT_FAMILY, variant);
