/**
 * HorNet (Rao et al. 2022), as the authors' hornet.py (raoyongming/HorNet): a
 * ConvNeXt layout whose token mixer is the recursive gated convolution gnConv,
 * high-order spatial interactions built from a depthwise 7x7 conv and gating.
 *
 *   stem / downsampling / head: as ConvNeXt (conv 4x4/4 + LN; LN + conv 2x2/2; GAP -> LN -> Linear)
 *   block:  x += gamma1 * gnConv(LN(x));  x += gamma2 * Linear(GELU(Linear 4d(LN(x))))
 *   gnConv (order n, dim d, dims c_k = d / 2^(n-1-k), k = 0..n-1):
 *           [p_0 | q] = proj_in 1x1 (d -> 2d), split c_0 | sum(c_k)
 *           [w_0 .. w_{n-1}] = dwconv 7x7 (q) * s, split c_0 .. c_{n-1}
 *           p = p_0 * w_0;  p = pws[k](p) * w_{k+1} (1x1 c_k -> c_{k+1});  out = proj_out 1x1 (p)
 *
 *   name              depths         base dim  orders (stages)  s    params (1000 classes)
 *   hornet_tiny_7x7   [2, 3, 18, 2]  64        2, 3, 4, 5       1/3  22,409,512
 *   hornet_small_7x7  [2, 3, 18, 2]  96        2, 3, 4, 5       1/3  49,528,264
 *
 * LayerNorm eps 1e-6, LayerScale init 1e-6, trunc_normal(0.02) weights, as hornet.py.
 */
import * as tf from "@tensorflow/tfjs";
import { ChannelLayerNorm } from "../layers/layer_norm.js";
import { ChannelSlice } from "../layers/channel_slice.js";
import { ConstantScale } from "../layers/constant_scale.js";
import { apply, classifierModel, dense, globalAvgPool, type Node, torchConv2d, truncNormal02 } from "./cnn_blocks.js";
import { metaNeXtTrunk, residualTail } from "./convnext.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** A row of the HorNet table. */
export interface HorNetConfig {
  /** Blocks per stage (4 stages). */
  depths: number[];
  /** Channels of stage 0; stage i has baseDim * 2^i. Even, so every gnConv split is whole. */
  baseDim: number;
  /** gnConv order per stage. */
  orders: number[];
  /** gnConv's scale s of the depthwise conv output. */
  scale: number;
  /** Side of gnConv's depthwise kernel (7 in the 7x7 variants). */
  kernelSize: number;
}

const HORNET_7X7 = { orders: [2, 3, 4, 5], scale: 1 / 3, kernelSize: 7 };

/**
 * The named variants (hornet.py's model functions) with `sum(p.numel())` of the authors'
 * models, counted with PyTorch 1.13 at 1000 classes (paper Table: 22M and 50M).
 */
export const HORNET_CONFIGS: Record<string, HorNetConfig & { referenceParams: number }> = {
  hornet_tiny_7x7: { depths: [2, 3, 18, 2], baseDim: 64, ...HORNET_7X7, referenceParams: 22_409_512 },
  hornet_small_7x7: { depths: [2, 3, 18, 2], baseDim: 96, ...HORNET_7X7, referenceParams: 49_528_264 },
};

const LAYER_NORM_EPSILON = 1e-6;
const MLP_RATIO = 4;

function layerNorm(x: Node, name: string): Node {
  return apply(new ChannelLayerNorm({ epsilon: LAYER_NORM_EPSILON, name }), x);
}

function conv1x1(x: Node, filters: number, name: string): Node {
  return torchConv2d(x, { filters, kernelSize: 1, kernelInitializer: truncNormal02(), name });
}

/** gnConv's channel widths for `dim` and `order`: dim / 2^(order-1), ..., dim / 2, dim. */
export function gnConvDims(dim: number, order: number): number[] {
  return Array.from({ length: order }, (_, i) => dim / 2 ** (order - 1 - i));
}

/** The recursive gated convolution gnConv on NHWC features; layers named like hornet.py's modules under `name`. */
export function gnConv(x: Node, dim: number, order: number, scale: number, kernelSize: number, name: string): Node {
  const dims = gnConvDims(dim, order);
  const total = dims.reduce((a, b) => a + b, 0);
  const fused = conv1x1(x, 2 * dim, `${name}.proj_in`);
  let p = apply(new ChannelSlice({ start: 0, size: dims[0], name: `${name}.split_pwa` }), fused);
  let abc = apply(new ChannelSlice({ start: dims[0], size: total, name: `${name}.split_abc` }), fused);
  abc = torchConv2d(abc, { filters: total, kernelSize, padding: (kernelSize - 1) / 2, depthwise: true, kernelInitializer: truncNormal02(), name: `${name}.dwconv` });
  abc = apply(new ConstantScale({ scale, name: `${name}.scale` }), abc);
  let start = 0;
  const gates = dims.map((size, k) => {
    const gate = apply(new ChannelSlice({ start, size, name: `${name}.split_dw.${k}` }), abc);
    start += size;
    return gate;
  });
  p = apply(tf.layers.multiply({ name: `${name}.gate.0` }), [p, gates[0]]);
  for (let k = 0; k < order - 1; k++) {
    const projected = conv1x1(p, dims[k + 1], `${name}.pws.${k}`);
    p = apply(tf.layers.multiply({ name: `${name}.gate.${k + 1}` }), [projected, gates[k + 1]]);
  }
  return conv1x1(p, dim, `${name}.proj_out`);
}

function horNetBlock(x: Node, config: HorNetConfig, stage: number, dim: number, dropPath: number, layerScaleInit: number, name: string): Node {
  let y = layerNorm(x, `${name}.norm1`);
  y = gnConv(y, dim, config.orders[stage], config.scale, config.kernelSize, `${name}.gnconv`);
  x = residualTail(y, x, layerScaleInit, dropPath, `${name}.gnconv_out`);
  y = layerNorm(x, `${name}.norm2`);
  y = apply(tf.layers.dense({ units: MLP_RATIO * dim, activation: "gelu", kernelInitializer: truncNormal02(), name: `${name}.pwconv1` }), y);
  y = apply(tf.layers.dense({ units: dim, kernelInitializer: truncNormal02(), name: `${name}.pwconv2` }), y);
  return residualTail(y, x, layerScaleInit, dropPath, name);
}

/** Reads options depths (4 positive integers) and baseDim (even positive integer) over a variant's config. */
export function resolveHorNetConfig(config: HorNetConfig, options: Record<string, unknown>, model: string): HorNetConfig {
  const depths = options.depths ?? config.depths;
  if (!Array.isArray(depths) || depths.length !== 4 || depths.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${model}: option depths must be 4 positive integers (blocks per stage) such as [2, 3, 18, 2], got ${JSON.stringify(depths)}.`);
  }
  const baseDim = options.baseDim ?? config.baseDim;
  if (typeof baseDim !== "number" || !Number.isInteger(baseDim) || baseDim < 2 || baseDim % 2 !== 0) {
    throw new Error(`${model}: option baseDim must be an even positive integer (gnConv halves the channels per order) such as 64, got ${JSON.stringify(baseDim)}.`);
  }
  return { ...config, depths: depths as number[], baseDim };
}

/** Builds a HorNet; options depths, baseDim, dropPathRate (default 0), layerScaleInit (1e-6), headActivation. */
export function buildHorNet(config: HorNetConfig, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const dims = [0, 1, 2, 3].map((i) => config.baseDim * 2 ** i);
  const trunk = metaNeXtTrunk({ depths: config.depths, dims }, options, modelName, layerNorm, (x, block) =>
    horNetBlock(x, config, block.stage, block.dim, block.dropPath, block.layerScaleInit, block.name),
  );
  let x = globalAvgPool(trunk.x, "head.global_pool");
  x = layerNorm(x, "head.norm");
  const logits = dense(x, options.numClasses, "head.fc", { kernelInitializer: truncNormal02() });
  return classifierModel(trunk.images, logits, options, modelName, trunk.features);
}

for (const [name, config] of Object.entries(HORNET_CONFIGS)) {
  registerModel({
    name,
    family: "hornet",
    paper: 'Rao et al. 2022, "HorNet: Efficient High-Order Spatial Interactions with Recursive Gated Convolutions" (raoyongming/HorNet hornet.py)',
    task: "image",
    defaults: { inputShape: [224, 224, 3], numClasses: 1000, depths: config.depths, baseDim: config.baseDim, dropPathRate: 0, layerScaleInit: 1e-6, headActivation: "softmax" },
    options: ["depths", "baseDim", "dropPathRate", "layerScaleInit", "headActivation"],
    referenceParams: config.referenceParams,
    minInputSize: 32,
    checkOptions: (options) => {
      resolveHorNetConfig(config, options, name);
    },
    build: (options) => buildHorNet(resolveHorNetConfig(config, options, name), options, name),
  });
}
