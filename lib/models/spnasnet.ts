/**
 * Single-Path NAS (Stamoulis et al. 2019, "Single-Path NAS: Designing
 * Hardware-Efficient ConvNets in less than 4 Hours"), the Pixel-1 network as
 * timm's efficientnet.py builds it (_gen_spnasnet; module names conv_stem, bn1,
 * blocks.<stage>.<i>..., conv_head, bn2, classifier):
 *
 *   conv_stem 3x3/2 x32 -> bn1 -> ReLU
 *   blocks (timm's arch_def, decoded by efficientnet_builder.ts):
 *     stage 0  ds_r1_k3_s1_c16_noskip
 *     stage 1  ir_r3_k3_s2_e3_c24
 *     stage 2  ir_r1_k5_s2_e6_c40, ir_r3_k3_s1_e3_c40
 *     stage 3  ir_r1_k5_s2_e6_c80, ir_r3_k3_s1_e3_c80
 *     stage 4  ir_r1_k5_s1_e6_c96, ir_r3_k5_s1_e3_c96
 *     stage 5  ir_r4_k5_s2_e6_c192
 *     stage 6  ir_r1_k3_s1_e6_c320_noskip
 *   conv_head 1x1 x1280 -> bn2 -> ReLU -> global average pool -> classifier
 *
 *   name           channel multiplier   params (1000 classes, timm)
 *   spnasnet_100   1.0                  4,421,616
 *
 * Option dropPathRate (default 0) gives block j of n drop-path rate r * j / n.
 */
import * as tf from "@tensorflow/tfjs";
import { activation, batchNorm, classifierModel, dense, globalAvgPool, numberOption, torchConv2d } from "./cnn_blocks.js";
import { buildBlocks, roundChannels } from "./efficientnet_builder.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** timm's _gen_spnasnet arch_def (one list of block strings per stage). */
export const SPNASNET_ARCH_DEF: string[][] = [
  ["ds_r1_k3_s1_c16_noskip"],
  ["ir_r3_k3_s2_e3_c24"],
  ["ir_r1_k5_s2_e6_c40", "ir_r3_k3_s1_e3_c40"],
  ["ir_r1_k5_s2_e6_c80", "ir_r3_k3_s1_e3_c80"],
  ["ir_r1_k5_s1_e6_c96", "ir_r3_k5_s1_e3_c96"],
  ["ir_r4_k5_s2_e6_c192"],
  ["ir_r1_k3_s1_e6_c320_noskip"],
];

/** A row of the SPNASNet table. */
export interface SPNASNetConfig {
  /** Multiplies every block's channels (timm's channel_multiplier), rounded to multiples of 8; the stem too. */
  channelMultiplier: number;
  /** Width of the 1x1 head conv (timm's num_features, not multiplied). */
  numFeatures: number;
}

/** The named variants with timm's trainable parameter counts at 1000 classes. */
export const SPNASNET_CONFIGS: Record<string, SPNASNetConfig & { referenceParams: number }> = {
  spnasnet_100: { channelMultiplier: 1, numFeatures: 1280, referenceParams: 4_421_616 },
};

/**
 * Builds SPNASNet from a config row. models.features names (timm's
 * feature_info): blocks.0, blocks.1, blocks.2, blocks.4, blocks.6 (strides 2 ... 32).
 */
export function buildSPNASNet(config: SPNASNetConfig, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const dropPathRate = numberOption(options.dropPathRate, 0, "dropPathRate", modelName, 0, 1);
  const images = tf.input({ shape: options.inputShape, name: "images" });
  const stem = roundChannels(32, config.channelMultiplier);
  let x = torchConv2d(images, { filters: stem, kernelSize: 3, strides: 2, padding: 1, useBias: false, name: "conv_stem" });
  x = activation(batchNorm(x, "bn1"), "relu", "bn1.act");
  const blocks = buildBlocks(x, stem, SPNASNET_ARCH_DEF, config.channelMultiplier, dropPathRate);
  x = torchConv2d(blocks.x, { filters: config.numFeatures, kernelSize: 1, useBias: false, name: "conv_head" });
  x = activation(batchNorm(x, "bn2"), "relu", "bn2.act");
  x = globalAvgPool(x, "global_pool");
  return classifierModel(images, dense(x, options.numClasses, "classifier"), options, modelName, blocks.features);
}

for (const [name, config] of Object.entries(SPNASNET_CONFIGS)) {
  registerModel({
    name,
    family: "spnasnet",
    paper: 'Stamoulis et al. 2019, "Single-Path NAS: Designing Hardware-Efficient ConvNets in less than 4 Hours" (timm efficientnet.py _gen_spnasnet)',
    task: "image",
    defaults: { inputShape: [224, 224, 3], numClasses: 1000, dropPathRate: 0, headActivation: "softmax" },
    options: ["dropPathRate", "headActivation"],
    referenceParams: config.referenceParams,
    minInputSize: 32,
    checkOptions: (options) => void numberOption(options.dropPathRate, 0, "dropPathRate", name, 0, 1),
    build: (options) => buildSPNASNet(config, options, name),
  });
}
