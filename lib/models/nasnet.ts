/**
 * NASNet-A Large (Zoph et al. 2018, "Learning Transferable Architectures for
 * Scalable Image Recognition"), 6 @ 4032, as timm's nasnet.py (module names
 * conv0, cell_stem_0/1, cell_0..17, reduction_cell_0/1, act, last_linear).
 *
 *   conv0        3x3/2 x96 (valid) -> BatchNorm (no activation)
 *   cell_stem_0  reduction cell, 42 channels per branch      -> 168  (stride 4)
 *   cell_stem_1  reduction cell, 84                           -> 336  (stride 8)
 *   cell_0..5    normal cells (cell_0 a FirstCell), 168       -> 1008
 *   reduction_cell_0, 336                                     -> 1344 (stride 16)
 *   cell_6..11   normal cells, 336                            -> 2016
 *   reduction_cell_1, 672                                     -> 2688 (stride 32)
 *   cell_12..17  normal cells, 672                            -> 4032
 *   act (ReLU) -> global average pool -> last_linear
 *
 * Widths: channels = numFeatures / 24 (168); the stem cells use channels / 4 and
 * channels / 2. Every branch op is ReLU -> separable conv (depthwise, pointwise,
 * no bias) -> BatchNorm, twice ("BranchSeparables"), or a 3x3 pool; the 1x1
 * "ActConvBn" projections start with their own ReLU. BatchNorm eps 1e-3.
 * Padding is TensorFlow's "same" (timm pad_type='same'): strided convs and max
 * pools pad more at the bottom/right, which is tfjs's "same"; strided 3x3
 * average pools zero-pad explicitly and count the zeros (timm's AvgPool2dSame),
 * stride-1 ones leave padding out of the count. FirstCell / stem_1 "paths"
 * subsample the previous input twice, once shifted by a pixel (crop top-left,
 * zero-pad bottom-right), 1x1 conv each, concatenate, BatchNorm.
 *
 * 88,753,150 trainable parameters at 1000 classes (timm), 331x331 input.
 *
 * Option dropPathRate (default 0, timm has none; the paper trains with 0.3 =
 * keep probability 0.7): ScheduledDropPath on the output of every branch op
 * (separable convs and pools, not identities) of every cell, as TF-slim's
 * NASNet: cell i of the 22 (stem cells 0, 1, then cells and reduction cells in
 * forward order) drops with rate r * (i + 1) / 22, ramped linearly from 0 over
 * training by dropPathSchedule / setDropPathProgress (lib/layers/scheduled_drop_path.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormalization } from "../layers/batch_norm.js";
import { ScheduledDropPath } from "../layers/scheduled_drop_path.js";
import { activation, add, apply, classifierModel, dense, globalAvgPool, type Node, numberOption, torchConv2d } from "./cnn_blocks.js";
import { concat } from "./inception_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** A row of the NASNet table (timm's NASNetALarge kwargs). */
export interface NASNetConfig {
  /** Channels of conv0 (timm's stem_size, 96). */
  stemSize: number;
  /** Channels of the last cell, 24 x the first stage's branch width (timm's num_features, 4032). */
  numFeatures: number;
  /** Width ratio between the two stem cells and the first stage (timm's channel_multiplier, 2). */
  channelMultiplier: number;
}

/** The named variants with timm's trainable parameter counts at 1000 classes. */
export const NASNET_CONFIGS: Record<string, NASNetConfig & { referenceParams: number }> = {
  nasnetalarge: { stemSize: 96, numFeatures: 4032, channelMultiplier: 2, referenceParams: 88_753_150 },
};

const BN_EPS = 1e-3;
/** Cells that carry drop-path in TF-slim's NASNet-A Large: 2 stem + 18 normal + 2 reduction. */
const TOTAL_CELLS = 22;

/** Builds the graph of one network; `dropRate` is the rate of the cell being built. */
class NASNetBuilder {
  dropRate = 0;

  constructor(private readonly dropPathRate: number) {}

  /** Starts cell `index` (0-based, forward order): later cells drop more, as TF-slim's layer_ratio. */
  cell(index: number): void {
    this.dropRate = (this.dropPathRate * (index + 1)) / TOTAL_CELLS;
  }

  /** A branch op's output, through ScheduledDropPath when drop-path is on. */
  op(x: Node, name: string): Node {
    if (this.dropRate === 0) return x;
    return apply(new ScheduledDropPath({ rate: this.dropRate, name: `${name}.drop_path` }), x);
  }

  relu(x: Node, name: string): Node {
    return activation(x, "relu", name);
  }

  bn(x: Node, name: string): Node {
    return apply(batchNormalization({ axis: -1, momentum: 0.9, epsilon: BN_EPS, name }), x);
  }

  /** timm's ActConvBn: ReLU -> 1x1 conv -> BatchNorm. */
  actConvBn(x: Node, filters: number, name: string): Node {
    const y = torchConv2d(this.relu(x, `${name}.act`), { filters, kernelSize: 1, useBias: false, name: `${name}.conv` });
    return this.bn(y, `${name}.bn`);
  }

  /** Depthwise kxk (TF "same", stride) then pointwise 1x1, both without bias. */
  separable(x: Node, filters: number, kernel: number, strides: number, name: string): Node {
    const dw = apply(
      tf.layers.depthwiseConv2d({ kernelSize: kernel, strides, padding: "same", depthMultiplier: 1, useBias: false, name: `${name}.depthwise_conv2d` }),
      x,
    );
    return torchConv2d(dw, { filters, kernelSize: 1, useBias: false, name: `${name}.pointwise_conv2d` });
  }

  /** timm's BranchSeparables; `middle` is in (or out for the stem cell's input branches). */
  branch(x: Node, middle: number, out: number, kernel: number, strides: number, name: string): Node {
    let y = this.separable(this.relu(x, `${name}.act_1`), middle, kernel, strides, `${name}.separable_1`);
    y = this.relu(this.bn(y, `${name}.bn_sep_1`), `${name}.act_2`);
    y = this.bn(this.separable(y, out, kernel, 1, `${name}.separable_2`), `${name}.bn_sep_2`);
    return this.op(y, name);
  }

  maxPool(x: Node, strides: number, name: string): Node {
    return this.op(apply(tf.layers.maxPooling2d({ poolSize: 3, strides, padding: "same", name }), x), name);
  }

  /** 3x3 average pool: stride 1 leaves padding out of the count; stride 2 zero-pads TF-style and counts it (timm AvgPool2dSame). */
  avgPool(x: Node, strides: number, name: string): Node {
    if (strides === 1) return this.op(apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: "same", name }), x), name);
    const [, h, w] = x.shape as number[];
    const pad = (size: number): [number, number] => {
      const total = Math.max((Math.ceil(size / strides) - 1) * strides + 3 - size, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    };
    const padded = apply(tf.layers.zeroPadding2d({ padding: [pad(h), pad(w)], name: `${name}.pad` }), x);
    return this.op(apply(tf.layers.averagePooling2d({ poolSize: 3, strides, padding: "valid", name }), padded), name);
  }

  /** The two subsampled 1x1 paths of FirstCell / CellStem1 on ReLU(x), concatenated and batch-normed. */
  paths(x: Node, filters: number, name: string): Node {
    const relu = this.relu(x, `${name}.act`);
    const subsample = (input: Node, path: string) =>
      apply(tf.layers.averagePooling2d({ poolSize: 1, strides: 2, padding: "valid", name: `${name}.${path}.avgpool` }), input);
    const conv = (input: Node, path: string) => torchConv2d(input, { filters, kernelSize: 1, useBias: false, name: `${name}.${path}.conv` });
    const p1 = conv(subsample(relu, "path_1"), "path_1");
    // ZeroPad2d((-1, 1, -1, 1)): drop the first row/column, zero-pad one at the end.
    const cropped = apply(tf.layers.cropping2D({ cropping: [[1, 0], [1, 0]], name: `${name}.path_2.crop` }), relu);
    const shifted = apply(tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: `${name}.path_2.pad` }), cropped);
    const p2 = conv(subsample(shifted, "path_2"), "path_2");
    return this.bn(concat([p1, p2], `${name}.path_cat`), `${name}.final_path_bn`);
  }

  /**
   * The reduction combination (CellStem0/1, ReductionCell0/1): `a` feeds the
   * left ops and the pools, `b` the right separables (`bMiddle` is their first
   * separable's width); output concat(comb 1..4), 4 x `channels`.
   */
  reduce(a: Node, b: Node, channels: number, bMiddle: number, name: string): Node {
    const c0 = add(this.branch(a, channels, channels, 5, 2, `${name}.comb_iter_0_left`), this.branch(b, bMiddle, channels, 7, 2, `${name}.comb_iter_0_right`), `${name}.comb_iter_0`);
    const c1 = add(this.maxPool(a, 2, `${name}.comb_iter_1_left`), this.branch(b, bMiddle, channels, 7, 2, `${name}.comb_iter_1_right`), `${name}.comb_iter_1`);
    const c2 = add(this.avgPool(a, 2, `${name}.comb_iter_2_left`), this.branch(b, bMiddle, channels, 5, 2, `${name}.comb_iter_2_right`), `${name}.comb_iter_2`);
    const c3 = add(this.avgPool(c0, 1, `${name}.comb_iter_3_right`), c1, `${name}.comb_iter_3`);
    const c4 = add(this.branch(c0, channels, channels, 3, 1, `${name}.comb_iter_4_left`), this.maxPool(a, 2, `${name}.comb_iter_4_right`), `${name}.comb_iter_4`);
    return concat([c1, c2, c3, c4], name);
  }

  /** The normal combination (FirstCell, NormalCell): output concat(left, comb 0..4). */
  normal(left: Node, right: Node, leftChannels: number, rightChannels: number, name: string): Node {
    const c0 = add(this.branch(right, rightChannels, rightChannels, 5, 1, `${name}.comb_iter_0_left`), this.branch(left, leftChannels, leftChannels, 3, 1, `${name}.comb_iter_0_right`), `${name}.comb_iter_0`);
    const c1 = add(this.branch(left, leftChannels, leftChannels, 5, 1, `${name}.comb_iter_1_left`), this.branch(left, leftChannels, leftChannels, 3, 1, `${name}.comb_iter_1_right`), `${name}.comb_iter_1`);
    const c2 = add(this.avgPool(right, 1, `${name}.comb_iter_2_left`), left, `${name}.comb_iter_2`);
    const c3 = add(this.avgPool(left, 1, `${name}.comb_iter_3_left`), this.avgPool(left, 1, `${name}.comb_iter_3_right`), `${name}.comb_iter_3`);
    const c4 = add(this.branch(right, rightChannels, rightChannels, 3, 1, `${name}.comb_iter_4_left`), right, `${name}.comb_iter_4`);
    return concat([left, c0, c1, c2, c3, c4], name);
  }

  /** timm's FirstCell(x, x_prev): the previous input through the two paths (2 x outLeft), x through ActConvBn. */
  firstCell(x: Node, prev: Node, outLeft: number, outRight: number, name: string): Node {
    const left = this.paths(prev, outLeft, name);
    const right = this.actConvBn(x, outRight, `${name}.conv_1x1`);
    return this.normal(left, right, 2 * outLeft, outRight, name);
  }

  /** timm's NormalCell(x, x_prev). */
  normalCell(x: Node, prev: Node, outLeft: number, outRight: number, name: string): Node {
    const left = this.actConvBn(prev, outLeft, `${name}.conv_prev_1x1`);
    const right = this.actConvBn(x, outRight, `${name}.conv_1x1`);
    return this.normal(left, right, outLeft, outRight, name);
  }

  /** timm's ReductionCell0/1(x, x_prev). */
  reductionCell(x: Node, prev: Node, channels: number, name: string): Node {
    const left = this.actConvBn(prev, channels, `${name}.conv_prev_1x1`);
    const right = this.actConvBn(x, channels, `${name}.conv_1x1`);
    return this.reduce(right, left, channels, channels, name);
  }
}

/**
 * Builds NASNet-A Large from a config row. models.features names (timm's
 * feature_info): conv0 (stride 2), cell_stem_1.conv_1x1.act (4),
 * reduction_cell_0.conv_1x1.act (8), reduction_cell_1.conv_1x1.act (16), act (32).
 */
export function buildNASNet(config: NASNetConfig, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const dropPathRate = numberOption(options.dropPathRate, 0, "dropPathRate", modelName, 0, 1);
  const channels = config.numFeatures / 24;
  const stem0 = Math.floor(channels / config.channelMultiplier ** 2);
  const stem1 = Math.floor(channels / config.channelMultiplier);
  if (!Number.isInteger(channels) || stem0 < 1 || stem1 % 2 !== 0 || channels % 2 !== 0) {
    throw new Error(`${modelName}: numFeatures must be 24 x an even number of channels, got ${config.numFeatures}.`);
  }
  const b = new NASNetBuilder(dropPathRate);
  const images = tf.input({ shape: options.inputShape, name: "images" });
  let x = torchConv2d(images, { filters: config.stemSize, kernelSize: 3, strides: 2, useBias: false, name: "conv0.conv" });
  const conv0 = b.bn(x, "conv0.bn");

  b.cell(0);
  const xStem0 = b.reduce(b.actConvBn(conv0, stem0, "cell_stem_0.conv_1x1"), conv0, stem0, stem0, "cell_stem_0");
  b.cell(1);
  const stem1Left = b.actConvBn(xStem0, stem1, "cell_stem_1.conv_1x1");
  const xStem1 = b.reduce(stem1Left, b.paths(conv0, stem1 / 2, "cell_stem_1"), stem1, stem1, "cell_stem_1");

  let index = 2;
  let [prev, cur] = [xStem0, xStem1];
  const step = (next: Node) => {
    [prev, cur] = [cur, next];
    index++;
  };
  const stage = (first: number, width: number) => {
    b.cell(index);
    step(b.firstCell(cur, prev, width / 2, width, `cell_${first}`));
    for (let i = first + 1; i < first + 6; i++) {
      b.cell(index);
      step(b.normalCell(cur, prev, width, width, `cell_${i}`));
    }
  };
  stage(0, channels);
  // A reduction cell reads (cell_5, cell_4); the next FirstCell reads (reduction, cell_4) again.
  const reduction = (width: number, name: string) => {
    b.cell(index++);
    cur = b.reductionCell(cur, prev, width, name);
  };
  reduction(2 * channels, "reduction_cell_0");
  stage(6, 2 * channels);
  reduction(4 * channels, "reduction_cell_1");
  stage(12, 4 * channels);

  x = b.relu(cur, "act");
  const features = {
    conv0: "conv0.bn",
    "cell_stem_1.conv_1x1.act": "cell_stem_1.conv_1x1.act",
    "reduction_cell_0.conv_1x1.act": "reduction_cell_0.conv_1x1.act",
    "reduction_cell_1.conv_1x1.act": "reduction_cell_1.conv_1x1.act",
    act: "act",
  };
  x = globalAvgPool(x, "global_pool");
  return classifierModel(images, dense(x, options.numClasses, "last_linear"), options, modelName, features);
}

for (const [name, config] of Object.entries(NASNET_CONFIGS)) {
  registerModel({
    name,
    family: "nasnet",
    paper: 'Zoph et al. 2018, "Learning Transferable Architectures for Scalable Image Recognition" (timm nasnet.py)',
    task: "image",
    defaults: { inputShape: [331, 331, 3], numClasses: 1000, dropPathRate: 0, headActivation: "softmax" },
    options: ["dropPathRate", "headActivation"],
    referenceParams: config.referenceParams,
    minInputSize: 32,
    checkOptions: (options) => void numberOption(options.dropPathRate, 0, "dropPathRate", name, 0, 1),
    build: (options) => buildNASNet(config, options, name),
  });
}
