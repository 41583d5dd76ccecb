/**
 * InceptionNeXt (Yu et al. 2024, "InceptionNeXt: When Inception Meets
 * ConvNeXt"), as timm's inception_next.py (MetaNeXt).
 *
 *   stem:   conv 4x4/4 -> BatchNorm
 *   stage:  [BatchNorm -> conv 2x2/2] (stages 1..3) -> depth x block
 *   block:  InceptionDWConv2d -> BatchNorm -> 1x1 conv (ratio x d) -> GELU -> 1x1 conv d
 *           -> LayerScale (1e-6) -> [DropPath] -> + input
 *   InceptionDWConv2d: split channels into (identity, 3x3 dw, 1xk dw, kx1 dw),
 *           each conv branch gc = int(d * branchRatio) channels, concatenated back
 *   head:   global average pool -> Linear 3d -> GELU -> LayerNorm -> Linear
 *
 *   name                 depths         dims                 band k  branch  params (1000 classes)
 *   inception_next_atto  [2, 2, 6, 2]   [40, 80, 160, 320]   9       0.25     4,156,520
 *   inception_next_tiny  [3, 3, 9, 3]   [96, 192, 384, 768]  11      0.125   28,055,680
 *
 * MLP ratios per stage (4, 4, 4, 3); BatchNorm eps 1e-5; weights trunc_normal(0.02).
 */
import * as tf from "@tensorflow/tfjs";
import { ChannelLayerNorm } from "../layers/layer_norm.js";
import { ChannelSlice } from "../layers/channel_slice.js";
import {
  activation,
  apply,
  batchNorm,
  classifierModel,
  dense,
  globalAvgPool,
  type Node,
  torchConv2d,
  truncNormal02,
} from "./cnn_blocks.js";
import { metaNeXtTrunk, residualTail } from "./convnext.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** A row of the InceptionNeXt table. */
export interface InceptionNeXtConfig {
  /** Blocks per stage. */
  depths: number[];
  /** Channels per stage. */
  dims: number[];
  /** Length of the 1xk and kx1 band kernels. */
  bandKernelSize: number;
  /** Fraction of channels given to each of the three conv branches. */
  branchRatio: number;
  /** MLP hidden width / d per stage. */
  mlpRatios: number[];
}

/** The named variants with timm's trainable parameter counts at 1000 classes. */
export const INCEPTION_NEXT_CONFIGS: Record<string, InceptionNeXtConfig & { referenceParams: number }> = {
  inception_next_atto: { depths: [2, 2, 6, 2], dims: [40, 80, 160, 320], bandKernelSize: 9, branchRatio: 0.25, mlpRatios: [4, 4, 4, 3], referenceParams: 4_156_520 },
  inception_next_tiny: { depths: [3, 3, 9, 3], dims: [96, 192, 384, 768], bandKernelSize: 11, branchRatio: 0.125, mlpRatios: [4, 4, 4, 3], referenceParams: 28_055_680 },
};

const HEAD_MLP_RATIO = 3;

/** timm's InceptionDWConv2d: identity + 3x3 + 1xk + kx1 depthwise branches over a channel split. */
function inceptionDepthwise(x: Node, dim: number, bandKernelSize: number, branchRatio: number, name: string): Node {
  const gc = Math.floor(dim * branchRatio);
  if (gc === 0) return x;
  const identityChannels = dim - 3 * gc;
  const slice = (start: number, size: number, branch: string) => apply(new ChannelSlice({ start, size, name: `${name}.split_${branch}` }), x);
  const band = bandKernelSize;
  const half = Math.floor(band / 2);
  const conv = (input: Node, kernelSize: [number, number], padding: [number, number], branch: string) =>
    torchConv2d(input, { filters: gc, kernelSize, padding, depthwise: true, kernelInitializer: truncNormal02(), name: `${name}.${branch}` });
  const branches = [
    conv(slice(identityChannels, gc, "hw"), [3, 3], [1, 1], "dwconv_hw"),
    conv(slice(identityChannels + gc, gc, "w"), [1, band], [0, half], "dwconv_w"),
    conv(slice(identityChannels + 2 * gc, gc, "h"), [band, 1], [half, 0], "dwconv_h"),
  ];
  if (identityChannels > 0) branches.unshift(slice(0, identityChannels, "id"));
  return apply(tf.layers.concatenate({ axis: -1, name }), branches);
}

function metaNeXtBlock(x: Node, dim: number, config: InceptionNeXtConfig, mlpRatio: number, dropPath: number, layerScaleInit: number, name: string): Node {
  let y = inceptionDepthwise(x, dim, config.bandKernelSize, config.branchRatio, `${name}.token_mixer`);
  y = batchNorm(y, `${name}.norm`);
  y = torchConv2d(y, { filters: Math.floor(mlpRatio * dim), kernelSize: 1, kernelInitializer: truncNormal02(), name: `${name}.mlp.fc1` });
  y = activation(y, "gelu", `${name}.mlp.act`);
  y = torchConv2d(y, { filters: dim, kernelSize: 1, kernelInitializer: truncNormal02(), name: `${name}.mlp.fc2` });
  return residualTail(y, x, layerScaleInit, dropPath, name);
}

/** Builds an InceptionNeXt; options dropPathRate (default 0), layerScaleInit (1e-6), headActivation. */
export function buildInceptionNeXt(config: InceptionNeXtConfig, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const trunk = metaNeXtTrunk(config, options, modelName, batchNorm, (x, block) =>
    metaNeXtBlock(x, block.dim, config, config.mlpRatios[block.stage], block.dropPath, block.layerScaleInit, block.name),
  );
  // MlpClassifierHead: pool -> fc1 (3d) -> GELU -> LayerNorm -> fc2.
  const finalDim = config.dims[config.dims.length - 1];
  let x = globalAvgPool(trunk.x, "head.global_pool");
  x = apply(tf.layers.dense({ units: HEAD_MLP_RATIO * finalDim, activation: "gelu", kernelInitializer: truncNormal02(), name: "head.fc1" }), x);
  x = apply(new ChannelLayerNorm({ epsilon: 1e-6, name: "head.norm" }), x);
  const logits = dense(x, options.numClasses, "head.fc2", { kernelInitializer: truncNormal02() });
  return classifierModel(trunk.images, logits, options, modelName, trunk.features);
}

for (const [name, config] of Object.entries(INCEPTION_NEXT_CONFIGS)) {
  registerModel({
    name,
    family: "inception_next",
    paper: 'Yu et al. 2024, "InceptionNeXt: When Inception Meets ConvNeXt" (timm inception_next.py)',
    task: "image",
    defaults: { inputShape: [224, 224, 3], numClasses: 1000, dropPathRate: 0, layerScaleInit: 1e-6, headActivation: "softmax" },
    options: ["dropPathRate", "layerScaleInit", "headActivation"],
    referenceParams: config.referenceParams,
    minInputSize: 32,
    build: (options) => buildInceptionNeXt(config, options, name),
  });
}
