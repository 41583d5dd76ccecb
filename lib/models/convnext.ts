/**
 * ConvNeXt (Liu et al. 2022, "A ConvNet for the 2020s"), as timm's convnext.py.
 *
 *   stem:   conv 4x4/4 (patchify) -> LayerNorm
 *   stage:  [LayerNorm -> conv 2x2/2] (stages 1..3) -> depth x block
 *   block:  dwconv 7x7 -> LayerNorm (channels last) -> Linear 4d -> GELU -> Linear d
 *           -> LayerScale (init 1e-6) -> [DropPath] -> + input
 *   head:   global average pool -> LayerNorm -> Linear
 *
 *   name            depths         dims                  params (1000 classes)
 *   convnext_atto   [2, 2, 6, 2]   [40, 80, 160, 320]     3,695,520
 *   convnext_femto  [2, 2, 6, 2]   [48, 96, 192, 384]     5,217,784
 *   convnext_pico   [2, 2, 6, 2]   [64, 128, 256, 512]    9,045,672
 *   convnext_nano   [2, 2, 8, 2]   [80, 160, 320, 640]   15,593,560
 *   convnext_tiny   [3, 3, 9, 3]   [96, 192, 384, 768]   28,589,128
 *
 * atto..nano are timm's small variants (conv_mlp=True there: 1x1 convs instead of
 * Linear, the same parameters). LayerNorm eps 1e-6; weights trunc_normal(0.02).
 */
import * as tf from "@tensorflow/tfjs";
import { DropPath } from "../layers/drop_path.js";
import { ChannelLayerNorm } from "../layers/layer_norm.js";
import { LayerScale } from "../layers/layer_scale.js";
import {
  add,
  apply,
  classifierModel,
  dense,
  globalAvgPool,
  type Node,
  numberOption,
  torchConv2d,
  truncNormal02,
} from "./cnn_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** A row of the ConvNeXt table. */
export interface ConvNeXtConfig {
  /** Blocks per stage. */
  depths: number[];
  /** Channels per stage. */
  dims: number[];
}

/** The named variants with timm's trainable parameter counts at 1000 classes, 224x224x3. */
export const CONVNEXT_CONFIGS: Record<string, ConvNeXtConfig & { referenceParams: number }> = {
  convnext_atto: { depths: [2, 2, 6, 2], dims: [40, 80, 160, 320], referenceParams: 3_695_520 },
  convnext_femto: { depths: [2, 2, 6, 2], dims: [48, 96, 192, 384], referenceParams: 5_217_784 },
  convnext_pico: { depths: [2, 2, 6, 2], dims: [64, 128, 256, 512], referenceParams: 9_045_672 },
  convnext_nano: { depths: [2, 2, 8, 2], dims: [80, 160, 320, 640], referenceParams: 15_593_560 },
  convnext_tiny: { depths: [3, 3, 9, 3], dims: [96, 192, 384, 768], referenceParams: 28_589_128 },
};

const LAYER_NORM_EPSILON = 1e-6;
const MLP_RATIO = 4;

function layerNorm(x: Node, name: string): Node {
  return apply(new ChannelLayerNorm({ epsilon: LAYER_NORM_EPSILON, name }), x);
}

/** Stochastic-depth rate of every block: linearly 0 -> rate over all blocks (timm's linspace). */
export function dropPathRates(depths: number[], rate: number): number[][] {
  const total = depths.reduce((a, b) => a + b, 0);
  let index = 0;
  return depths.map((depth) =>
    Array.from({ length: depth }, () => {
      const blockRate = total > 1 ? (rate * index) / (total - 1) : 0;
      index += 1;
      return blockRate;
    }),
  );
}

/**
 * Residual tail shared with InceptionNeXt and UniRepLKNet: LayerScale (none when layerScaleInit is null),
 * optional DropPath, + shortcut; output named `name`.
 */
export function residualTail(branch: Node, shortcut: Node, layerScaleInit: number | null, dropPath: number, name: string): Node {
  let y = layerScaleInit === null ? branch : apply(new LayerScale({ initValue: layerScaleInit, name: `${name}.gamma` }), branch);
  if (dropPath > 0) y = apply(new DropPath({ rate: dropPath, name: `${name}.drop_path` }), y);
  return add(y, shortcut, name);
}

function convNeXtBlock(x: Node, dim: number, dropPath: number, layerScaleInit: number, name: string): Node {
  let y = torchConv2d(x, { filters: dim, kernelSize: 7, padding: 3, depthwise: true, kernelInitializer: truncNormal02(), name: `${name}.conv_dw` });
  y = layerNorm(y, `${name}.norm`);
  y = apply(tf.layers.dense({ units: MLP_RATIO * dim, activation: "gelu", kernelInitializer: truncNormal02(), name: `${name}.mlp.fc1` }), y);
  y = apply(tf.layers.dense({ units: dim, kernelInitializer: truncNormal02(), name: `${name}.mlp.fc2` }), y);
  return residualTail(y, x, layerScaleInit, dropPath, name);
}

/** What {@link metaNeXtTrunk} hands each block. */
export interface MetaNeXtBlockArgs {
  /** Channels of the block's stage. */
  dim: number;
  /** Stage index (0..3). */
  stage: number;
  /** Stochastic-depth rate of this block. */
  dropPath: number;
  /** LayerScale initial value (option layerScaleInit). */
  layerScaleInit: number;
  /** Block name, `stages.${stage}.blocks.${i}`. */
  name: string;
}

/**
 * Stem and stages shared by ConvNeXt and InceptionNeXt (timm's MetaNeXt layout): conv 4x4/4 "stem.0" ->
 * norm "stem.1", then per stage [norm "downsample.0" -> conv 2x2/2 "downsample.1"] (stages 1..3) and its
 * blocks. Reads options dropPathRate (default 0) and layerScaleInit (1e-6). Returns the image input, the
 * last stage's output and the models.features points (`stages.i` -> its last block).
 */
export function metaNeXtTrunk(
  config: ConvNeXtConfig,
  options: ResolvedModelOptions,
  modelName: string,
  norm: (x: Node, name: string) => Node,
  block: (x: Node, args: MetaNeXtBlockArgs) => Node,
): { images: Node; x: Node; features: Record<string, string> } {
  const dropPathRate = numberOption(options.dropPathRate, 0, "dropPathRate", modelName, 0, 1);
  const layerScaleInit = numberOption(options.layerScaleInit, 1e-6, "layerScaleInit", modelName, 0, Infinity);
  const images = tf.input({ shape: options.inputShape, name: "images" });
  let x = torchConv2d(images, { filters: config.dims[0], kernelSize: 4, strides: 4, kernelInitializer: truncNormal02(), name: "stem.0" });
  x = norm(x, "stem.1");
  const rates = dropPathRates(config.depths, dropPathRate);
  const features: Record<string, string> = {};
  config.depths.forEach((depth, stage) => {
    const dim = config.dims[stage];
    if (stage > 0) {
      x = norm(x, `stages.${stage}.downsample.0`);
      x = torchConv2d(x, { filters: dim, kernelSize: 2, strides: 2, kernelInitializer: truncNormal02(), name: `stages.${stage}.downsample.1` });
    }
    for (let i = 0; i < depth; i++) x = block(x, { dim, stage, dropPath: rates[stage][i], layerScaleInit, name: `stages.${stage}.blocks.${i}` });
    features[`stages.${stage}`] = `stages.${stage}.blocks.${depth - 1}`;
  });
  return { images, x, features };
}

/** Builds a ConvNeXt; options dropPathRate (default 0), layerScaleInit (1e-6), headActivation. */
export function buildConvNeXt(config: ConvNeXtConfig, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const trunk = metaNeXtTrunk(config, options, modelName, layerNorm, (x, block) =>
    convNeXtBlock(x, block.dim, block.dropPath, block.layerScaleInit, block.name),
  );
  let x = globalAvgPool(trunk.x, "head.global_pool");
  x = layerNorm(x, "head.norm");
  const logits = dense(x, options.numClasses, "head.fc", { kernelInitializer: truncNormal02() });
  return classifierModel(trunk.images, logits, options, modelName, trunk.features);
}

for (const [name, config] of Object.entries(CONVNEXT_CONFIGS)) {
  registerModel({
    name,
    family: "convnext",
    paper: 'Liu et al. 2022, "A ConvNet for the 2020s" (timm convnext.py)',
    task: "image",
    defaults: { inputShape: [224, 224, 3], numClasses: 1000, dropPathRate: 0, layerScaleInit: 1e-6, headActivation: "softmax" },
    options: ["dropPathRate", "layerScaleInit", "headActivation"],
    referenceParams: config.referenceParams,
    minInputSize: 32,
    build: (options) => buildConvNeXt(config, options, name),
  });
}
