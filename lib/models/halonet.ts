/**
 * HaloNet-26t (Vaswani et al. 2021, "Scaling Local Self-Attention for Parameter
 * Efficient Visual Backbones"), as timm builds `halonet26t` (byoanet.py config,
 * byobnet.py builder, layers/halo_attn.py): a ResNet-26-t whose last two stages
 * use halo self-attention blocks.
 *
 *   stem (tiered): conv 3x3/2 (3 -> 3c/8) -> conv 3x3 (c/2) -> conv 3x3 (c), each BN + ReLU; maxpool 3x3/2
 *   stage 1: 2 x bottleneck, 256 ch      stage 2: 2 x bottleneck, 512 ch, stride 2
 *   stage 3: bottleneck (stride 2), halo block, 1024 ch   (odd blocks are halo blocks)
 *   stage 4: 2 x halo block, 2048 ch, stride 2 (the first halo attention strides its queries)
 *   bottleneck: 1x1 (c/4, timm's make_divisible) -> 3x3 (stride) -> 1x1 (c), BN (+ReLU) each; + shortcut (1x1/stride + BN); ReLU
 *   halo block: 1x1 (c/4) -> HaloAttention (8 heads, block 8, halo 2) -> BN + ReLU -> 1x1 (c) + BN; + shortcut; ReLU
 *   head: global average pool -> Linear
 *
 * 12,480,288 trainable parameters at 1000 classes (`sum(p.numel())` of timm's halonet26t).
 * Its default input is timm's 256x256: halo blocks need every self-attention map to
 * cut into 8x8 blocks, so height and width must be multiples of 256.
 */
import * as tf from "@tensorflow/tfjs";
import { HaloAttention, makeDivisible } from "../layers/halo_attention.js";
import { activation, add, apply, batchNorm, classifierModel, dense, globalAvgPool, type Node, torchConv2d } from "./cnn_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** Architecture of a HaloNet (the fields of timm's ByoModelCfg that halonet26t sets). */
export interface HaloNetConfig {
  /** Blocks per stage. */
  depths: number[];
  /** Output channels per stage (bottleneck width = channels / 4). */
  channels: number[];
  /** Stride of each stage's first block. */
  strides: number[];
  /** Block types per stage: "bottle", "halo", or "interleave" (bottleneck, then halo at odd indices, as timm's interleave_blocks). */
  types: ("bottle" | "halo" | "interleave")[];
  /** Stem output channels (the tiered stem has 3c/8, c/2, c). */
  stemChannels: number;
  /** Halo attention heads. */
  numHeads: number;
  /** Halo query block side. */
  blockSize: number;
  /** Halo width. */
  haloSize: number;
}

/** halonet26t, from timm byoanet.py's model_cfgs (ByoBlockCfg rows, stem_chs=64, self_attn_kwargs). */
export const HALONET_CONFIGS: Record<string, HaloNetConfig & { referenceParams: number }> = {
  halonet26t: {
    depths: [2, 2, 2, 2],
    channels: [256, 512, 1024, 2048],
    strides: [1, 2, 2, 2],
    types: ["bottle", "bottle", "interleave", "halo"],
    stemChannels: 64,
    numHeads: 8,
    blockSize: 8,
    haloSize: 2,
    referenceParams: 12_480_288,
  },
};

/** Options a HaloNet takes beyond numClasses/inputShape (reduced configurations for tests and small data). */
export const HALONET_OPTIONS = ["depths", "channels", "stemChannels", "numHeads", "blockSize", "haloSize", "headActivation"];

const BOTTLE_RATIO = 0.25;

function isHalo(type: HaloNetConfig["types"][number], index: number): boolean {
  return type === "halo" || (type === "interleave" && index % 2 === 1);
}

function convBn(x: Node, filters: number, kernelSize: number, stride: number, name: string, relu: boolean): Node {
  let y = torchConv2d(x, { filters, kernelSize, strides: stride, padding: (kernelSize - 1) / 2, useBias: false, name: `${name}.conv` });
  y = batchNorm(y, `${name}.bn`);
  return relu ? activation(y, "relu", `${name}.act`) : y;
}

function block(x: Node, inChannels: number, outChannels: number, stride: number, halo: boolean, config: HaloNetConfig, name: string): Node {
  const mid = makeDivisible(outChannels * BOTTLE_RATIO);
  let y = convBn(x, mid, 1, 1, `${name}.conv1_1x1`, true);
  if (halo) {
    y = apply(new HaloAttention({ numHeads: config.numHeads, blockSize: config.blockSize, haloSize: config.haloSize, stride, name: `${name}.self_attn` }), y);
    y = activation(batchNorm(y, `${name}.post_attn`), "relu", `${name}.post_attn.act`);
  } else {
    y = convBn(y, mid, 3, stride, `${name}.conv2_kxk`, true);
  }
  y = convBn(y, outChannels, 1, 1, `${name}.conv3_1x1`, false);
  const shortcut = inChannels === outChannels && stride === 1 ? x : convBn(x, outChannels, 1, stride, `${name}.shortcut`, false);
  return activation(add(y, shortcut, `${name}.add`), "relu", name);
}

/** The map side after PyTorch's k=3, s=2, p=1 conv or pool. */
const half = (side: number) => Math.floor((side - 1) / 2) + 1;

/**
 * The first halo block whose input map does not cut into blockSize blocks for a square input
 * of `side`, or undefined when every one does.
 */
function haloMisfit(config: HaloNetConfig, side: number): { block: string; map: number } | undefined {
  let map = half(half(side));
  for (let stage = 0; stage < config.depths.length; stage++) {
    for (let i = 0; i < config.depths[stage]; i++) {
      const stride = i === 0 ? config.strides[stage] : 1;
      if (isHalo(config.types[stage], i) && map % config.blockSize !== 0) return { block: `stages.${stage}.${i}`, map };
      map = stride === 2 ? half(map) : map;
    }
  }
  return undefined;
}

function positiveIntegers(value: unknown, count: number, option: string, model: string, example: number[]): number[] {
  if (!Array.isArray(value) || value.length !== count || value.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`${model}: option ${option} must be ${count} positive integers such as [${example.join(", ")}], got ${JSON.stringify(value)}.`);
  }
  return value as number[];
}

function positive(value: unknown, option: string, model: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) throw new Error(`${model}: option ${option} must be an integer >= ${min}, got ${JSON.stringify(value)}.`);
  return value;
}

/** Reads the options over a variant's config and checks the input against the halo blocks (one-line errors). */
export function resolveHaloNetConfig(config: HaloNetConfig, options: ResolvedModelOptions, model: string): HaloNetConfig {
  const resolved: HaloNetConfig = {
    ...config,
    depths: positiveIntegers(options.depths ?? config.depths, 4, "depths", model, config.depths),
    channels: positiveIntegers(options.channels ?? config.channels, 4, "channels", model, config.channels),
    stemChannels: positive(options.stemChannels ?? config.stemChannels, "stemChannels", model, 8),
    numHeads: positive(options.numHeads ?? config.numHeads, "numHeads", model, 1),
    blockSize: positive(options.blockSize ?? config.blockSize, "blockSize", model, 1),
    haloSize: positive(options.haloSize ?? config.haloSize, "haloSize", model, 0),
  };
  if (resolved.blockSize % 2 !== 0) throw new Error(`${model}: option blockSize must be even (the first halo block of a stride-2 stage halves its query blocks), got ${resolved.blockSize}.`);
  resolved.channels.forEach((c, stage) => {
    const mid = makeDivisible(c * BOTTLE_RATIO);
    if (resolved.types[stage] !== "bottle" && mid % resolved.numHeads !== 0) {
      throw new Error(`${model}: stage ${stage + 1} has ${mid} attention channels (channels / 4), which do not split into numHeads ${resolved.numHeads}.`);
    }
  });
  const [height, width] = options.inputShape;
  const misfit = haloMisfit(resolved, height) ?? haloMisfit(resolved, width);
  if (misfit) {
    let multiple = 32;
    while (haloMisfit(resolved, multiple)) multiple += 32;
    throw new Error(
      `${model}: input ${height}x${width} gives a ${misfit.map}x${misfit.map} map at ${misfit.block}, which halo attention cannot cut into ` +
        `${resolved.blockSize}x${resolved.blockSize} blocks; use height and width multiples of ${multiple} (default [256, 256, 3]).`,
    );
  }
  return resolved;
}

/** Builds a HaloNet; layers are named as timm's modules ("stages.2.1.self_attn"), features stages.0..3. */
export function buildHaloNet(config: HaloNetConfig, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const images = tf.input({ shape: options.inputShape, name: "images" });
  const c = config.stemChannels;
  let x = convBn(images, Math.floor((3 * c) / 8), 3, 2, "stem.conv1", true);
  x = convBn(x, Math.floor(c / 2), 3, 1, "stem.conv2", true);
  x = convBn(x, c, 3, 1, "stem.conv3", true);
  // PyTorch pads the max pool with -inf; after ReLU every value is >= 0, so zero padding gives the same result.
  x = apply(tf.layers.zeroPadding2d({ padding: 1, name: "stem.pool.pad" }), x);
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "stem.pool" }), x);
  let channels = c;
  const features: Record<string, string> = {};
  config.depths.forEach((depth, stage) => {
    for (let i = 0; i < depth; i++) {
      const stride = i === 0 ? config.strides[stage] : 1;
      x = block(x, channels, config.channels[stage], stride, isHalo(config.types[stage], i), config, `stages.${stage}.${i}`);
      channels = config.channels[stage];
    }
    features[`stages.${stage}`] = `stages.${stage}.${depth - 1}`;
  });
  x = globalAvgPool(x, "head.global_pool");
  return classifierModel(images, dense(x, options.numClasses, "head.fc"), options, modelName, features);
}

for (const [name, config] of Object.entries(HALONET_CONFIGS)) {
  registerModel({
    name,
    family: "halonet",
    paper: 'Vaswani et al. 2021, "Scaling Local Self-Attention for Parameter Efficient Visual Backbones" (timm byoanet.py, layers/halo_attn.py)',
    task: "image",
    defaults: {
      inputShape: [256, 256, 3],
      numClasses: 1000,
      depths: config.depths,
      channels: config.channels,
      stemChannels: config.stemChannels,
      numHeads: config.numHeads,
      blockSize: config.blockSize,
      haloSize: config.haloSize,
      headActivation: "softmax",
    },
    options: HALONET_OPTIONS,
    referenceParams: config.referenceParams,
    minInputSize: 32,
    checkOptions: (options) => {
      resolveHaloNetConfig(config, options, name);
    },
    build: (options) => buildHaloNet(resolveHaloNetConfig(config, options, name), options, name),
  });
}
