/**
 * UniRepLKNet (Ding et al. 2024, "UniRepLKNet: A Universal Perception Large-Kernel
 * ConvNet for Audio, Video, Point Cloud, Time-Series and Image Recognition"), as the
 * authors' AILab-CVC/UniRepLKNet unireplknet.py.
 *
 *   stem:   conv 3x3/2 (dims[0]/2) -> LayerNorm -> GELU -> conv 3x3/2 -> LayerNorm
 *   stage:  [conv 3x3/2 -> LayerNorm] (stages 1..3) -> depth x block
 *   block:  dwconv -> BatchNorm -> SE (1x1 down to dim/4, ReLU, 1x1 up, sigmoid)
 *           -> Linear 4d -> GELU -> GRN -> Linear d (no bias) -> BatchNorm
 *           -> LayerScale (init 1e-6) -> [DropPath] -> + input
 *   dwconv: kernel 3 or 5: a depthwise conv; kernel >= 7: the Dilated Reparam Block,
 *           a depthwise k x k conv + BN plus parallel dilated depthwise convs + BN
 *           (k=13: 5x5 r1, 7x7 r2, 3x3 r3, 3x3 r4, 3x3 r5), summed; kernel 0: none.
 *   head:   global average pool -> LayerNorm -> Linear
 *
 *   name            depths          dims                  params (1000 classes, the authors' code)
 *   unireplknet_a   [2, 2, 6, 2]    [40, 80, 160, 320]     4,649,060  (deploy form 4,437,300)
 *   unireplknet_f   [2, 2, 6, 2]    [48, 96, 192, 384]     6,489,328  (6,235,216)
 *   unireplknet_p   [2, 2, 6, 2]    [64, 128, 256, 512]   11,080,520  (10,741,704)
 *   unireplknet_n   [2, 2, 8, 2]    [80, 160, 320, 640]   18,818,880  (18,318,560)
 *   unireplknet_t   [3, 3, 18, 3]   [80, 160, 320, 640]   31,693,420  (31,037,980)
 *
 * Kernel sizes per block are the reference's defaults for each depth table (3 in
 * stage 0, 13 after; unireplknet_t alternates 13 and 3 in stage 2). Options depths,
 * dims and kernelSizes give other configurations, as the reference's constructor
 * does (kernelSizes is required for depths without a default). `deploy: true` builds
 * the inference form (models.reparameterize converts a trained model to it): each
 * dwconv a single biased large kernel, no BatchNorm, GRN without beta, no LayerScale.
 */
import * as tf from "@tensorflow/tfjs";
import { DilatedDepthwiseConv2D } from "../layers/dilated_depthwise.js";
import { GlobalResponseNorm } from "../layers/grn.js";
import { ChannelLayerNorm } from "../layers/layer_norm.js";
import { activation, apply, batchNorm, classifierModel, dense, globalAvgPool, type Node, numberOption, torchConv2d, truncNormal02 } from "./cnn_blocks.js";
import { dropPathRates, residualTail } from "./convnext.js";
import { readModelMetadata, writeModelMetadata } from "./metadata.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** A UniRepLKNet configuration: the table row plus the build options. */
export interface UniRepLKNetConfig {
  /** Blocks per stage. */
  depths: number[];
  /** Channels per stage. */
  dims: number[];
  /** Kernel size of each block's dwconv, per stage (0, 3, 5, 7, 9, 11, 13, 15 or 17). */
  kernelSizes: number[][];
  /** Stochastic-depth rate of the last block (linear from 0). */
  dropPathRate: number;
  /** LayerScale initial value; 0 means no LayerScale (the reference's None). */
  layerScaleInit: number;
  /** Build the inference (re-parameterised) form. */
  deploy: boolean;
}

/** The reference's default kernel sizes for each depth table. */
const DEFAULT_KERNEL_SIZES: Record<string, number[][]> = {
  "2,2,6,2": [[3, 3], [13, 13], Array(6).fill(13), [13, 13]],
  "2,2,8,2": [[3, 3], [13, 13], Array(8).fill(13), [13, 13]],
  "3,3,18,3": [[3, 3, 3], [13, 13, 13], Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 13 : 3)), [13, 13, 13]],
  "3,3,27,3": [[3, 3, 3], [13, 13, 13], Array.from({ length: 27 }, (_, i) => (i % 3 === 0 ? 13 : 3)), [13, 13, 13]],
};

/** The Dilated Reparam Block's parallel branches for each large kernel: [kernel, dilation] pairs. */
export const DILATED_BRANCHES: Record<number, [number, number][]> = {
  17: [[5, 1], [9, 2], [3, 4], [3, 5], [3, 7]],
  15: [[5, 1], [7, 2], [3, 3], [3, 5], [3, 7]],
  13: [[5, 1], [7, 2], [3, 3], [3, 4], [3, 5]],
  11: [[5, 1], [5, 2], [3, 3], [3, 4], [3, 5]],
  9: [[5, 1], [5, 2], [3, 3], [3, 4]],
  7: [[5, 1], [3, 2], [3, 3]],
};

/** The named variants with the authors' trainable parameter counts at 1000 classes, 224x224x3. */
export const UNIREPLKNET_CONFIGS: Record<string, { depths: number[]; dims: number[]; referenceParams: number }> = {
  unireplknet_a: { depths: [2, 2, 6, 2], dims: [40, 80, 160, 320], referenceParams: 4_649_060 },
  unireplknet_f: { depths: [2, 2, 6, 2], dims: [48, 96, 192, 384], referenceParams: 6_489_328 },
  unireplknet_p: { depths: [2, 2, 6, 2], dims: [64, 128, 256, 512], referenceParams: 11_080_520 },
  unireplknet_n: { depths: [2, 2, 8, 2], dims: [80, 160, 320, 640], referenceParams: 18_818_880 },
  unireplknet_t: { depths: [3, 3, 18, 3], dims: [80, 160, 320, 640], referenceParams: 31_693_420 },
};

const LAYER_NORM_EPSILON = 1e-6;
const FFN_FACTOR = 4;

function layerNorm(x: Node, name: string): Node {
  return apply(new ChannelLayerNorm({ epsilon: LAYER_NORM_EPSILON, name }), x);
}

/** Depthwise k x k conv with PyTorch's padding k // 2 (dilation r: r * (k - 1) / 2), size kept. */
function depthwise(x: Node, kernel: number, dilation: number, useBias: boolean, name: string): Node {
  if (dilation > 1) return apply(new DilatedDepthwiseConv2D({ kernelSize: kernel, dilation, useBias, kernelInitializer: truncNormal02(), name }), x);
  return torchConv2d(x, { filters: 0, kernelSize: kernel, padding: kernel >> 1, depthwise: true, useBias, kernelInitializer: truncNormal02(), name });
}

/** dwconv (+ its BatchNorm "norm" in the training form); the Dilated Reparam Block for kernels >= 7. */
function tokenMixer(x: Node, kernel: number, deploy: boolean, name: string): Node {
  if (kernel === 0) return x;
  if (kernel < 7) {
    const y = depthwise(x, kernel, 1, deploy, `${name}.dwconv`);
    return deploy ? y : batchNorm(y, `${name}.norm`);
  }
  if (deploy) return depthwise(x, kernel, 1, true, `${name}.dwconv.lk_origin`);
  const branches = [batchNorm(depthwise(x, kernel, 1, false, `${name}.dwconv.lk_origin`), `${name}.dwconv.origin_bn`)];
  for (const [k, r] of DILATED_BRANCHES[kernel]) {
    const conv = depthwise(x, k, r, false, `${name}.dwconv.dil_conv_k${k}_${r}`);
    branches.push(batchNorm(conv, `${name}.dwconv.dil_bn_k${k}_${r}`));
  }
  return batchNorm(apply(tf.layers.add({ name: `${name}.dwconv` }), branches), `${name}.norm`);
}

/** Squeeze-and-excitation on NHWC maps: pool -> 1x1 conv down (ReLU) -> 1x1 conv up (sigmoid) -> scale. */
function squeezeExcite(x: Node, dim: number, name: string): Node {
  let s = globalAvgPool(x, `${name}.pool`);
  s = apply(tf.layers.reshape({ targetShape: [1, 1, dim], name: `${name}.reshape` }), s);
  s = activation(torchConv2d(s, { filters: dim >> 2, kernelSize: 1, kernelInitializer: truncNormal02(), name: `${name}.down` }), "relu", `${name}.relu`);
  s = apply(tf.layers.activation({ activation: "sigmoid", name: `${name}.sigmoid` }), torchConv2d(s, { filters: dim, kernelSize: 1, kernelInitializer: truncNormal02(), name: `${name}.up` }));
  return apply(tf.layers.multiply({ name }), [x, s]);
}

function block(x: Node, dim: number, kernel: number, dropPath: number, config: UniRepLKNetConfig, name: string): Node {
  const { deploy } = config;
  let y = tokenMixer(x, kernel, deploy, name);
  y = squeezeExcite(y, dim, `${name}.se`);
  y = apply(tf.layers.dense({ units: FFN_FACTOR * dim, kernelInitializer: truncNormal02(), name: `${name}.pwconv1.1` }), y);
  y = activation(y, "gelu", `${name}.act.0`);
  y = apply(new GlobalResponseNorm({ useBias: !deploy, name: `${name}.act.1` }), y);
  y = apply(tf.layers.dense({ units: dim, useBias: deploy, kernelInitializer: truncNormal02(), name: `${name}.pwconv2.0` }), y);
  if (deploy) return residualTail(y, x, null, dropPath, name); // BN and LayerScale are folded into pwconv2.0
  y = batchNorm(y, `${name}.pwconv2.2`);
  return residualTail(y, x, config.layerScaleInit > 0 ? config.layerScaleInit : null, dropPath, name);
}

function intList(value: unknown, length: number, min: number): number[] | null {
  if (!Array.isArray(value) || value.length !== length) return null;
  return value.every((v) => Number.isInteger(v) && v >= min) ? (value as number[]) : null;
}

/** Resolves and checks the UniRepLKNet options of a variant (one-line errors naming the option). */
export function unireplknetConfig(
  row: { depths: number[]; dims: number[] },
  options: Record<string, unknown>,
  model: string,
): UniRepLKNetConfig {
  const depths = options.depths === undefined ? row.depths : intList(options.depths, 4, 1);
  if (!depths) throw new Error(`${model}: option depths must be 4 positive integers (blocks per stage) such as [${row.depths.join(", ")}], got ${JSON.stringify(options.depths)}.`);
  const dims = options.dims === undefined ? row.dims : intList(options.dims, 4, 4);
  if (!dims) {
    throw new Error(`${model}: option dims must be 4 integers of at least 4 (channels per stage) such as [${row.dims.join(", ")}], got ${JSON.stringify(options.dims)}.`);
  }
  let kernelSizes = options.kernelSizes as number[][] | undefined;
  if (kernelSizes === undefined || kernelSizes === null) {
    kernelSizes = DEFAULT_KERNEL_SIZES[depths.join(",")];
    if (!kernelSizes) throw new Error(`${model}: depths [${depths.join(", ")}] have no default kernel sizes; give kernelSizes, one list per stage such as [[3, 3], [13, 13], [13, 13, 13, 13, 13, 13], [13, 13]].`);
  }
  const allowed = [0, 3, 5, ...Object.keys(DILATED_BRANCHES).map(Number)];
  const kernelsOk = Array.isArray(kernelSizes) && kernelSizes.length === 4 &&
    kernelSizes.every((stage, i) => Array.isArray(stage) && stage.length === depths[i] && stage.every((k) => allowed.includes(k)));
  if (!kernelsOk) {
    throw new Error(`${model}: option kernelSizes must give one kernel size per block (lists of lengths ${depths.join(", ")}), each one of ${allowed.sort((a, b) => a - b).join(", ")}; got ${JSON.stringify(kernelSizes)}.`);
  }
  if (options.deploy !== undefined && typeof options.deploy !== "boolean") throw new Error(`${model}: option deploy must be true or false, got ${JSON.stringify(options.deploy)}.`);
  return {
    depths,
    dims,
    kernelSizes: kernelSizes.map((stage) => [...stage]),
    dropPathRate: numberOption(options.dropPathRate, 0, "dropPathRate", model, 0, 1),
    layerScaleInit: numberOption(options.layerScaleInit, 1e-6, "layerScaleInit", model, 0, Infinity),
    deploy: options.deploy === true,
  };
}

/** Builds a UniRepLKNet (training form, or the deploy form with config.deploy); layer names follow the reference's modules. */
export function buildUniRepLKNet(config: UniRepLKNetConfig, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const images = tf.input({ shape: options.inputShape, name: "images" });
  const { dims, depths } = config;
  let x = torchConv2d(images, { filters: dims[0] >> 1, kernelSize: 3, strides: 2, padding: 1, kernelInitializer: truncNormal02(), name: "downsample_layers.0.0" });
  x = activation(layerNorm(x, "downsample_layers.0.1"), "gelu", "downsample_layers.0.2");
  x = torchConv2d(x, { filters: dims[0], kernelSize: 3, strides: 2, padding: 1, kernelInitializer: truncNormal02(), name: "downsample_layers.0.3" });
  x = layerNorm(x, "downsample_layers.0.4");
  const rates = dropPathRates(depths, config.dropPathRate);
  const features: Record<string, string> = {};
  depths.forEach((depth, stage) => {
    if (stage > 0) {
      x = torchConv2d(x, { filters: dims[stage], kernelSize: 3, strides: 2, padding: 1, kernelInitializer: truncNormal02(), name: `downsample_layers.${stage}.0` });
      x = layerNorm(x, `downsample_layers.${stage}.1`);
    }
    for (let i = 0; i < depth; i++) x = block(x, dims[stage], config.kernelSizes[stage][i], rates[stage][i], config, `stages.${stage}.${i}`);
    features[`stages.${stage}`] = `stages.${stage}.${depth - 1}`;
  });
  x = layerNorm(globalAvgPool(x, "global_pool"), "norm");
  const logits = dense(x, options.numClasses, "head", { kernelInitializer: truncNormal02() });
  const model = classifierModel(images, logits, options, modelName, features);
  writeModelMetadata(model, { family: "unireplknet", config: { ...config, inputShape: options.inputShape, numClasses: options.numClasses, headActivation: options.headActivation } });
  return model;
}

/** The build configuration recorded in a UniRepLKNet model (undefined for other models). */
export function recordedUniRepLKNet(model: tf.LayersModel): (UniRepLKNetConfig & ResolvedModelOptions) | undefined {
  const metadata = readModelMetadata(model);
  return metadata.family === "unireplknet" && metadata.config ? (metadata.config as unknown as UniRepLKNetConfig & ResolvedModelOptions) : undefined;
}

for (const [name, row] of Object.entries(UNIREPLKNET_CONFIGS)) {
  registerModel({
    name,
    family: "unireplknet",
    paper: 'Ding et al. 2024, "UniRepLKNet: A Universal Perception Large-Kernel ConvNet for Audio, Video, Point Cloud, Time-Series and Image Recognition" (AILab-CVC/UniRepLKNet unireplknet.py)',
    task: "image",
    defaults: { inputShape: [224, 224, 3], numClasses: 1000, depths: row.depths, dims: row.dims, kernelSizes: null, dropPathRate: 0, layerScaleInit: 1e-6, deploy: false, headActivation: "softmax" },
    options: ["depths", "dims", "kernelSizes", "dropPathRate", "layerScaleInit", "deploy", "headActivation"],
    referenceParams: row.referenceParams,
    minInputSize: 32,
    checkOptions: (options) => void unireplknetConfig(row, options, name),
    build: (options) => buildUniRepLKNet(unireplknetConfig(row, options, name), options, name),
  });
}
