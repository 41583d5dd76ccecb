/**
 * MLP-Mixer (Tolstikhin et al. 2021), as timm's mlp_mixer.py: no attention,
 * only MLPs that alternate between mixing tokens and mixing channels.
 *
 *   image -> stem (conv k=s=patch) -> tokens [n, C]
 *         -> depth x (x + tokenMLP(LN(x)ᵀ)ᵀ, x + channelMLP(LN(x)))
 *         -> LN -> mean over tokens -> head
 *
 * Token MLP: Linear(n, D_S) -> GELU -> Linear(D_S, n), applied to each channel;
 * channel MLP: Linear(C, D_C) -> GELU -> Linear(D_C, C), applied to each token.
 * Built from tfjs-layers only (permute + dense), so it needs no custom layers.
 */
import * as tf from "@tensorflow/tfjs";
import {
  applyLayer,
  type HeadActivation,
  layerNorm,
  patchEmbed,
  overrideConfig,
  patchGrid,
  positiveInteger,
} from "../layers/vit_blocks.js";
import type { ModelOptions } from "./registry.js";
import { type PatchFamily, type PatchVariant, registerPatchVariant, tokenClassifier } from "./vit.js";

/** Architecture of a Mixer variant (the paper's Table 1). */
export interface MixerConfig {
  /** Patch resolution P. */
  patchSize: number;
  /** Hidden size C (channels per token). */
  hiddenDim: number;
  /** Number of Mixer layers. */
  depth: number;
  /** Token-mixing MLP width D_S. */
  tokensMlpDim: number;
  /** Channel-mixing MLP width D_C. */
  channelsMlpDim: number;
}

/** Options a Mixer variant accepts beyond numClasses/inputShape. */
export const MIXER_OPTIONS = ["patchSize", "hiddenDim", "depth", "tokensMlpDim", "channelsMlpDim", "headActivation"];

const MIXER_PAPER = 'Tolstikhin et al. 2021, "MLP-Mixer: An all-MLP Architecture for Vision" (timm mlp_mixer.py)';

/**
 * Named variants. mixer_s16_224: timm's mixer_s16_224 (model card 18.5M); 18,528,264 trainable
 * parameters counted layer by layer: stem 16²·3·512 + 512, 8 blocks of (two norms 2·1024,
 * token MLP 196·256+256 + 256·196+196, channel MLP 512·2048+2048 + 2048·512+512), norm 1024,
 * head 512·1000 + 1000.
 */
const MIXER_VARIANTS: PatchVariant<MixerConfig>[] = [
  {
    name: "mixer_s16_224",
    config: { patchSize: 16, hiddenDim: 512, depth: 8, tokensMlpDim: 256, channelsMlpDim: 2048 },
    imageSize: 224,
    numClasses: 1000,
    referenceParams: 18_528_264,
  },
  {
    // timm mixer_b16_224 (model card: 59.9M), the Mixer with published timm weights.
    name: "mixer_b16_224",
    config: { patchSize: 16, hiddenDim: 768, depth: 12, tokensMlpDim: 384, channelsMlpDim: 3072 },
    imageSize: 224,
    numClasses: 1000,
    referenceParams: 59_880_472,
  },
];

/** Merges option overrides into a Mixer config, checking each value. */
export function resolveMixerConfig(config: MixerConfig, options: ModelOptions, model: string): MixerConfig {
  return overrideConfig(config, options, model, {
    patchSize: positiveInteger,
    hiddenDim: positiveInteger,
    depth: positiveInteger,
    tokensMlpDim: positiveInteger,
    channelsMlpDim: positiveInteger,
  });
}

/** Linear layer with tfjs's default (Glorot uniform = timm's xavier_uniform for Mixer) init. */
function mixerLinear(units: number, name: string, activation?: "gelu"): tf.layers.Layer {
  return tf.layers.dense({ units, activation, name });
}

/** One Mixer layer: token mixing across patches, then channel mixing within each patch. */
function mixerBlock(x: tf.SymbolicTensor, index: number, config: MixerConfig, numTokens: number): tf.SymbolicTensor {
  const prefix = `blocks.${index}`;
  // Token mixing: transpose to [channels, tokens] so the dense layers act along the token axis.
  let mixed = applyLayer(layerNorm(`${prefix}.norm1`), x);
  mixed = applyLayer(tf.layers.permute({ dims: [2, 1], name: `${prefix}.mlp_tokens.transpose_in` }), mixed);
  mixed = applyLayer(mixerLinear(config.tokensMlpDim, `${prefix}.mlp_tokens.fc1`, "gelu"), mixed);
  mixed = applyLayer(mixerLinear(numTokens, `${prefix}.mlp_tokens.fc2`), mixed);
  mixed = applyLayer(tf.layers.permute({ dims: [2, 1], name: `${prefix}.mlp_tokens.transpose_out` }), mixed);
  const afterTokens = applyLayer(tf.layers.add({ name: `${prefix}.add_tokens` }), [x, mixed]);
  let channels = applyLayer(layerNorm(`${prefix}.norm2`), afterTokens);
  channels = applyLayer(mixerLinear(config.channelsMlpDim, `${prefix}.mlp_channels.fc1`, "gelu"), channels);
  channels = applyLayer(mixerLinear(config.hiddenDim, `${prefix}.mlp_channels.fc2`), channels);
  return applyLayer(tf.layers.add({ name: prefix }), [afterTokens, channels]);
}

/**
 * Builds an MLP-Mixer as a tfjs LayersModel.
 * @param config Architecture (see {@link MixerConfig}).
 * @param inputShape Image shape [height, width, channels]; height and width must divide by patchSize.
 * @param numClasses Width of the classifier head.
 * @param headActivation "softmax" (probabilities) or "linear" (logits).
 * @param name Model name.
 */
export function buildMixer(
  config: MixerConfig,
  inputShape: number[],
  numClasses: number,
  headActivation: HeadActivation,
  name: string,
): tf.LayersModel {
  const grid = patchGrid(inputShape, config.patchSize, name);
  const images = tf.input({ shape: inputShape, name: "images" });
  let tokens = patchEmbed(images, config.patchSize, config.hiddenDim, grid, "stem");
  for (let index = 0; index < config.depth; index++) tokens = mixerBlock(tokens, index, config, grid[0] * grid[1]);
  return tokenClassifier(images, tokens, "mean", config.depth, numClasses, headActivation, name);
}

const MIXER_FAMILY: PatchFamily<MixerConfig> = {
  family: "mixer",
  paper: MIXER_PAPER,
  options: MIXER_OPTIONS,
  resolve: resolveMixerConfig,
  build: buildMixer,
};

for (const variant of MIXER_VARIANTS) registerPatchVariant(MIXER_FAMILY, variant);
