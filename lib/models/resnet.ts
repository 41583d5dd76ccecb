/**
 * ResNet (He et al. 2016, "Deep Residual Learning for Image Recognition").
 *
 * ImageNet ResNets (the paper's Table 1; torchvision / timm layout and names):
 *   conv1 7x7/2 x64 -> bn1 -> act1 -> maxpool 3x3/2
 *   layer1..layer4: [basic or bottleneck blocks] x depth, widths 64, 128, 256, 512
 *   (x4 out for bottleneck), stride 2 on the first 3x3 conv of layer2..4
 *   (torchvision "v1.5"), 1x1 conv + BN projection shortcut when the shape changes
 *   -> global average pool -> fc
 *
 *   name       block       depths          params (1000 classes, torchvision/timm)
 *   resnet18   basic       [2, 2, 2, 2]    11,689,512
 *   resnet34   basic       [3, 4, 6, 3]    21,797,672
 *   resnet50   bottleneck  [3, 4, 6, 3]    25,557,032
 *
 * CIFAR ResNets (the paper's section 4.2): conv 3x3 x16, then three stages of
 * n basic blocks at widths 16, 32, 64 (6n+2 layers), global average pool, fc.
 * Shortcuts use option A (parameter-free: subsample + zero-pad channels), the
 * paper's CIFAR choice, so the counts are the paper's 0.27M / 0.46M / 0.85M:
 *
 *   resnet20   n = 3    269,722 (10 classes)
 *   resnet32   n = 5    464,154
 *   resnet56   n = 9    853,018
 *
 * Convolutions have no bias (BN follows each), as in torchvision.
 */
import * as tf from "@tensorflow/tfjs";
import { ZeroPadShortcut } from "../layers/shortcut.js";
import {
  activation,
  add,
  apply,
  batchNorm,
  classifierModel,
  dense,
  globalAvgPool,
  type Node,
  torchConv2d,
} from "./cnn_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** A row of the architecture table. */
export interface ResNetConfig {
  /** "basic" (two 3x3 convs) or "bottleneck" (1x1, 3x3, 1x1 with 4x expansion). */
  block: "basic" | "bottleneck";
  /** Blocks per stage. */
  depths: number[];
  /** Width (channels of the 3x3 convs) per stage. */
  widths: number[];
  /** "imagenet" (7x7/2 stem + maxpool) or "cifar" (3x3 stem, option-A shortcuts). */
  stem: "imagenet" | "cifar";
  /** Channels of the ImageNet stem conv. Default 64 (torchvision's, whatever the stage widths). */
  stemWidth?: number;
}

/** The named variants. */
export const RESNET_CONFIGS: Record<string, ResNetConfig & { referenceParams: number }> = {
  resnet18: { block: "basic", depths: [2, 2, 2, 2], widths: [64, 128, 256, 512], stem: "imagenet", referenceParams: 11_689_512 },
  resnet34: { block: "basic", depths: [3, 4, 6, 3], widths: [64, 128, 256, 512], stem: "imagenet", referenceParams: 21_797_672 },
  resnet50: { block: "bottleneck", depths: [3, 4, 6, 3], widths: [64, 128, 256, 512], stem: "imagenet", referenceParams: 25_557_032 },
  resnet20: { block: "basic", depths: [3, 3, 3], widths: [16, 32, 64], stem: "cifar", referenceParams: 269_722 },
  resnet32: { block: "basic", depths: [5, 5, 5], widths: [16, 32, 64], stem: "cifar", referenceParams: 464_154 },
  resnet56: { block: "basic", depths: [9, 9, 9], widths: [16, 32, 64], stem: "cifar", referenceParams: 853_018 },
};

const BOTTLENECK_EXPANSION = 4;

/**
 * Normalisation hooks that turn the plain ResNet into a variant (IBN-Net): the stem's norm, the
 * norm after each block's first conv, and an optional norm after each residual addition.
 * Defaults: BatchNorm, BatchNorm, none.
 */
export interface ResNetNorms {
  /** Norm after the stem conv, named `name` ("bn1"). */
  stem(x: Node, channels: number, name: string): Node;
  /** Norm after the first conv of block `index` of stage `stage` (of `depth` blocks), named `name` ("layer1.0.bn1"). */
  block1(x: Node, channels: number, name: string, stage: number, index: number, depth: number): Node;
  /** Norm after the residual addition (before the ReLU), or the sum unchanged; `name` is the block's ("layer1.2"). */
  afterAdd(x: Node, channels: number, name: string, stage: number, index: number, depth: number): Node;
}

/** Plain ResNet: BatchNorm everywhere, nothing after the addition. */
export const BATCH_NORMS: ResNetNorms = {
  stem: (x, _channels, name) => batchNorm(x, name),
  block1: (x, _channels, name) => batchNorm(x, name),
  afterAdd: (x) => x,
};

/** Where a block sits, for the norm hooks. */
interface BlockPlace {
  stage: number;
  index: number;
  depth: number;
  norms: ResNetNorms;
}

function basicBlock(x: Node, inChannels: number, width: number, stride: number, name: string, optionA: boolean, place: BlockPlace): Node {
  const { stage, index, depth, norms } = place;
  let y = torchConv2d(x, { filters: width, kernelSize: 3, strides: stride, padding: 1, useBias: false, name: `${name}.conv1` });
  y = activation(norms.block1(y, width, `${name}.bn1`, stage, index, depth), "relu", `${name}.act1`);
  y = torchConv2d(y, { filters: width, kernelSize: 3, padding: 1, useBias: false, name: `${name}.conv2` });
  y = batchNorm(y, `${name}.bn2`);
  const shortcut = shortcutFor(x, inChannels, width, stride, name, optionA);
  const sum = norms.afterAdd(add(y, shortcut, `${name}.add`), width, name, stage, index, depth);
  return activation(sum, "relu", name);
}

function bottleneckBlock(x: Node, inChannels: number, width: number, stride: number, name: string, place: BlockPlace): Node {
  const { stage, index, depth, norms } = place;
  const outChannels = width * BOTTLENECK_EXPANSION;
  let y = torchConv2d(x, { filters: width, kernelSize: 1, useBias: false, name: `${name}.conv1` });
  y = activation(norms.block1(y, width, `${name}.bn1`, stage, index, depth), "relu", `${name}.act1`);
  y = torchConv2d(y, { filters: width, kernelSize: 3, strides: stride, padding: 1, useBias: false, name: `${name}.conv2` });
  y = activation(batchNorm(y, `${name}.bn2`), "relu", `${name}.act2`);
  y = torchConv2d(y, { filters: outChannels, kernelSize: 1, useBias: false, name: `${name}.conv3` });
  y = batchNorm(y, `${name}.bn3`);
  const shortcut = shortcutFor(x, inChannels, outChannels, stride, name, false);
  const sum = norms.afterAdd(add(y, shortcut, `${name}.add`), outChannels, name, stage, index, depth);
  return activation(sum, "relu", name);
}

/** Identity when shapes match; else option A (zero-pad) or a 1x1 conv + BN projection ("downsample"). */
function shortcutFor(x: Node, inChannels: number, outChannels: number, stride: number, name: string, optionA: boolean): Node {
  if (stride === 1 && inChannels === outChannels) return x;
  if (optionA) return apply(new ZeroPadShortcut({ outChannels, stride, name: `${name}.shortcut` }), x);
  const projected = torchConv2d(x, { filters: outChannels, kernelSize: 1, strides: stride, useBias: false, name: `${name}.downsample.0` });
  return batchNorm(projected, `${name}.downsample.1`);
}

/**
 * Builds a ResNet from a config row; block outputs are named like timm's modules ("layer2.1").
 * `norms` swaps the normalisations (IBN-Net); the ImageNet stem is config.stemWidth (64) wide.
 */
export function buildResNet(
  config: ResNetConfig,
  options: ResolvedModelOptions,
  modelName: string,
  norms: ResNetNorms = BATCH_NORMS,
): tf.LayersModel {
  const images = tf.input({ shape: options.inputShape, name: "images" });
  const features: Record<string, string> = {};
  const stemWidth = config.stemWidth ?? 64;
  let x: Node;
  if (config.stem === "imagenet") {
    x = torchConv2d(images, { filters: stemWidth, kernelSize: 7, strides: 2, padding: 3, useBias: false, name: "conv1" });
    x = activation(norms.stem(x, stemWidth, "bn1"), "relu", "act1");
    features.act1 = "act1";
    // PyTorch pads the max pool with -inf; after ReLU every value is >= 0, so zero padding gives the same result.
    x = apply(tf.layers.zeroPadding2d({ padding: 1, name: "maxpool.pad" }), x);
    x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "maxpool" }), x);
  } else {
    x = torchConv2d(images, { filters: config.widths[0], kernelSize: 3, padding: 1, useBias: false, name: "conv1" });
    x = activation(batchNorm(x, "bn1"), "relu", "act1");
    features.act1 = "act1";
  }
  let channels = config.stem === "imagenet" ? stemWidth : config.widths[0];
  config.depths.forEach((depth, stage) => {
    const width = config.widths[stage];
    for (let i = 0; i < depth; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      const name = `layer${stage + 1}.${i}`;
      const place = { stage, index: i, depth, norms };
      if (config.block === "basic") {
        x = basicBlock(x, channels, width, stride, name, config.stem === "cifar", place);
        channels = width;
      } else {
        x = bottleneckBlock(x, channels, width, stride, name, place);
        channels = width * BOTTLENECK_EXPANSION;
      }
    }
    features[`layer${stage + 1}`] = `layer${stage + 1}.${depth - 1}`;
  });
  x = globalAvgPool(x, "global_pool");
  return classifierModel(images, dense(x, options.numClasses, "fc"), options, modelName, features);
}

const IMAGENET_PAPER = 'He et al. 2016, "Deep Residual Learning for Image Recognition" (torchvision / timm resnet.py)';
const CIFAR_PAPER = 'He et al. 2016, "Deep Residual Learning for Image Recognition", section 4.2 CIFAR-10 networks, option A shortcuts';

for (const [name, config] of Object.entries(RESNET_CONFIGS)) {
  const imagenet = config.stem === "imagenet";
  registerModel({
    name,
    family: "resnet",
    paper: imagenet ? IMAGENET_PAPER : CIFAR_PAPER,
    task: "image",
    defaults: imagenet
      ? { inputShape: [224, 224, 3], numClasses: 1000, headActivation: "softmax", head: "softmax" }
      : { inputShape: [32, 32, 3], numClasses: 10, headActivation: "softmax", head: "softmax" },
    options: ["headActivation", "head"],
    referenceParams: config.referenceParams,
    minInputSize: imagenet ? 32 : 4,
    build: (options) => buildResNet(config, options, name),
  });
}
