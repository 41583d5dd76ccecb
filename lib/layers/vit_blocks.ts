/**
 * Building blocks of the transformer image families (ViT, DeiT, ConViT, Mixer),
 * written with the tfjs-layers functional API so a family file reads like the
 * paper's architecture table. Layer names follow timm ("patch_embed.proj",
 * "blocks.3.attn", "blocks.3" for the output of block 3, "norm", "head"), so
 * models.features(model, x, { layers: ["blocks.3"] }) names what timm names.
 */
import * as tf from "@tensorflow/tfjs";
import { ChannelLayerNorm } from "./layer_norm.js";
import { timmTruncNormal } from "./vit_tokens.js";

/** LayerNorm epsilon of timm's ViT/DeiT/ConViT/Mixer configs (partial(nn.LayerNorm, eps=1e-6)). */
export const VIT_LAYER_NORM_EPSILON = 1e-6;

/** Activation of the classifier head: "softmax" (probabilities, for tfjs's categoricalCrossentropy) or "linear" (logits, as timm). */
export type HeadActivation = "softmax" | "linear";

/**
 * LayerNorm over channels with timm's epsilon. Uses the broadcasting ChannelLayerNorm
 * (lib/layers/layer_norm.ts) rather than tfjs-layers' LayerNormalization, which tiles its
 * statistics and gamma/beta to the full [batch, tokens, d] shape: on wasm those Tile
 * kernels alone took most of a ViT forward pass (measured: 3.5 s of 6.4 s, batch 16).
 */
export function layerNorm(name: string): tf.layers.Layer {
  return new ChannelLayerNorm({ epsilon: VIT_LAYER_NORM_EPSILON, name });
}

/** A dense layer on the last axis with timm's init (truncated normal std 0.02, zero bias). */
export function linear(units: number, name: string, activation?: "gelu"): tf.layers.Layer {
  return tf.layers.dense({
    units,
    activation,
    kernelInitializer: timmTruncNormal(),
    biasInitializer: "zeros",
    name,
  });
}

/** Applies a layer in the functional API and returns its single symbolic output. */
export function applyLayer(layer: tf.layers.Layer, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(input) as tf.SymbolicTensor;
}

/**
 * Checks that an image input shape [height, width, channels] splits into whole patches
 * and returns the patch grid [rows, cols].
 */
export function patchGrid(inputShape: number[], patchSize: number, model: string): [number, number] {
  if (inputShape.length !== 3) {
    throw new Error(`${model} takes images shaped [height, width, channels], got inputShape [${inputShape.join(", ")}].`);
  }
  const [height, width] = inputShape;
  if (height % patchSize !== 0 || width % patchSize !== 0) {
    throw new Error(`${model} cuts ${patchSize}x${patchSize} patches, so height and width must be multiples of ${patchSize}; got inputShape [${inputShape.join(", ")}].`);
  }
  return [height / patchSize, width / patchSize];
}

/**
 * Patch embedding (ViT's "linear projection of flattened patches"): a conv with
 * kernel = stride = patchSize, then flattened to tokens [batch, rows * cols, embedDim].
 * Layers are named `${prefix}.proj` and `${prefix}.flatten` (timm: "patch_embed", Mixer: "stem").
 */
export function patchEmbed(
  images: tf.SymbolicTensor,
  patchSize: number,
  embedDim: number,
  grid: [number, number],
  prefix = "patch_embed",
): tf.SymbolicTensor {
  const projected = applyLayer(
    tf.layers.conv2d({
      filters: embedDim,
      kernelSize: patchSize,
      strides: patchSize,
      padding: "valid",
      name: `${prefix}.proj`,
    }),
    images,
  );
  return applyLayer(tf.layers.reshape({ targetShape: [grid[0] * grid[1], embedDim], name: `${prefix}.flatten` }), projected);
}

/** Transformer MLP: Linear(d, hidden) -> GELU -> Linear(hidden, d), named `${prefix}.fc1`/`.fc2`. */
export function mlp(x: tf.SymbolicTensor, hidden: number, out: number, prefix: string): tf.SymbolicTensor {
  const h = applyLayer(linear(hidden, `${prefix}.fc1`, "gelu"), x);
  return applyLayer(linear(out, `${prefix}.fc2`), h);
}

/** Settings of one pre-norm transformer block. */
export interface TransformerBlockConfig {
  /** Block index; layers are named `blocks.${index}.*` and the block output `blocks.${index}`. */
  index: number;
  /** Token width d. */
  embedDim: number;
  /** MLP hidden width = mlpRatio * d (4 in ViT). */
  mlpRatio: number;
  /** The attention layer to use (MultiHeadSelfAttention or GatedPositionalSelfAttention), named `blocks.${index}.attn`. */
  attention: tf.layers.Layer;
}

/** Pre-norm transformer block: x + attn(norm1(x)), then x + mlp(norm2(x)). */
export function transformerBlock(x: tf.SymbolicTensor, config: TransformerBlockConfig): tf.SymbolicTensor {
  const prefix = `blocks.${config.index}`;
  const attended = applyLayer(config.attention, applyLayer(layerNorm(`${prefix}.norm1`), x));
  const afterAttention = applyLayer(tf.layers.add({ name: `${prefix}.add_attn` }), [x, attended]);
  const hidden = Math.round(config.embedDim * config.mlpRatio);
  const mixed = mlp(applyLayer(layerNorm(`${prefix}.norm2`), afterAttention), hidden, config.embedDim, `${prefix}.mlp`);
  return applyLayer(tf.layers.add({ name: prefix }), [afterAttention, mixed]);
}

/** Classifier head: Linear(d, numClasses) with timm's init, then the chosen activation. */
export function classifierHead(features: tf.SymbolicTensor, numClasses: number, activation: HeadActivation): tf.SymbolicTensor {
  return headOutput(applyLayer(linear(numClasses, "head"), features), activation);
}

/**
 * The output of every classifier in the library (image, node and graph models alike):
 * `logits` as they are for "linear", else a softmax layer named `softmaxName`.
 */
export function headOutput(logits: tf.SymbolicTensor, activation: HeadActivation, softmaxName = "head.softmax"): tf.SymbolicTensor {
  if (activation === "linear") return logits;
  return applyLayer(tf.layers.activation({ activation: "softmax", name: softmaxName }), logits);
}

/** Default feature points of a transformer or Mixer (models.features): every block's output, as timm's "blocks.i". */
export function blockFeatureLayers(depth: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: depth }, (_, i) => [`blocks.${i}`, `blocks.${i}`]));
}

/** Reads a positive integer option, or throws an error naming the model and option. */
export function positiveInteger(value: unknown, option: string, model: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new Error(`${model}: option ${option} must be a positive integer, got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Reads a positive number option (> 0), or throws an error naming the model and option. */
export function positiveNumber(value: unknown, option: string, model: string): number {
  if (typeof value !== "number" || !(value > 0)) throw new Error(`${model}: option ${option} must be a positive number, got ${JSON.stringify(value)}.`);
  return value;
}

/** Reads a true/false option, or throws an error naming the model and option. */
export function booleanOption(value: unknown, option: string, model: string): boolean {
  if (typeof value !== "boolean") throw new Error(`${model}: option ${option} must be true or false, got ${JSON.stringify(value)}.`);
  return value;
}

/** Checks one option's value and returns it typed, or throws an error naming the model and option. */
export type OptionReader<T> = (value: unknown, option: string, model: string) => T;

/**
 * A copy of a variant's `config` with the overrides found in `options`, each checked by its
 * reader, in the order the readers are listed (so the first bad option is the one reported).
 */
export function overrideConfig<C extends object>(
  config: C,
  options: Record<string, unknown>,
  model: string,
  readers: { [K in keyof C]?: OptionReader<C[K]> },
): C {
  const merged = { ...config };
  for (const key of Object.keys(readers) as (keyof C & string)[]) {
    if (options[key] !== undefined) merged[key] = readers[key]!(options[key], key, model);
  }
  return merged;
}

/** Throws unless the token width splits evenly into attention heads. */
export function checkHeadsDivide(config: { embedDim: number; numHeads: number }, model: string): void {
  if (config.embedDim % config.numHeads !== 0) {
    throw new Error(`${model}: embedDim ${config.embedDim} must be divisible by numHeads ${config.numHeads}.`);
  }
}

/** Reads the headActivation option ("softmax" by default); every classifier family (CNN, ViT, GNN) takes it. */
export function headActivationOption(value: unknown, model: string): HeadActivation {
  if (value === undefined) return "softmax";
  if (value === "softmax" || value === "linear") return value;
  throw new Error(`${model}: option headActivation must be "softmax" or "linear", got ${JSON.stringify(value)}.`);
}
