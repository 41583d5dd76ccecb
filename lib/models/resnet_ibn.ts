/**
 * IBN-Net (Pan et al. 2018, "Two at Once: Enhancing Learning and Generalization
 * Capacities via IBN-Net"), as the authors' XingangPan/IBN-Net ibnnet/resnet_ibn.py:
 * a torchvision ResNet (resnet.ts builds it) with instance normalisation mixed in.
 *
 *   IBN-a (ibn_cfg a, a, a, -): in every block of layer1..layer3, the norm after the
 *         first conv ("bn1") is an IBN: InstanceNorm on the first floor(width / 2)
 *         channels ("bn1.IN"), BatchNorm on the rest ("bn1.BN"), concatenated.
 *   IBN-b (ibn_cfg b, b, -, -): the stem norm "bn1" is an InstanceNorm, and the last
 *         block of layer1 and layer2 (when the stage has more than one block) applies
 *         an InstanceNorm ("layerN.k.IN") to the residual sum before its ReLU.
 *
 *   name            block       depths          params (1000 classes, the authors' code)
 *   resnet18_ibn_a  basic       [2, 2, 2, 2]    11,689,512
 *   resnet50_ibn_a  bottleneck  [3, 4, 6, 3]    25,557,032
 *   resnet50_ibn_b  bottleneck  [3, 4, 6, 3]    25,558,568
 *
 * InstanceNorm2d(affine=True) keeps no running statistics (it normalises by each
 * image's own statistics in inference too), so IBN-a has ResNet's parameter count.
 * The reference pools with AvgPool2d(7), which at 224x224 is the global average
 * pool used here; the global pool also serves other input sizes.
 * Options depths and widths (both 4 numbers) give reduced configurations of the
 * same layout; the stem is widths[0] wide, as in the reference (64).
 */
import * as tf from "@tensorflow/tfjs";
import { ChannelSlice } from "../layers/channel_slice.js";
import { InstanceNorm } from "../layers/instance_norm.js";
import { apply, batchNorm, type Node } from "./cnn_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";
import { BATCH_NORMS, buildResNet, type ResNetConfig, type ResNetNorms } from "./resnet.js";

/** Where instance normalisation goes in each of the four stages: IBN-a, IBN-b or none. */
export type IbnKind = "a" | "b" | null;

/** A row of the IBN-Net table. */
export interface ResNetIbnConfig {
  /** "basic" (ResNet-18/34) or "bottleneck" (ResNet-50 and deeper). */
  block: "basic" | "bottleneck";
  /** Blocks per stage. */
  depths: number[];
  /** Width per stage (the stem has widths[0] channels). */
  widths: number[];
  /** The reference's ibn_cfg: one entry per stage. */
  ibnCfg: IbnKind[];
}

/** The named variants with the authors' trainable parameter counts at 1000 classes, 224x224x3. */
export const RESNET_IBN_CONFIGS: Record<string, ResNetIbnConfig & { referenceParams: number }> = {
  resnet18_ibn_a: { block: "basic", depths: [2, 2, 2, 2], widths: [64, 128, 256, 512], ibnCfg: ["a", "a", "a", null], referenceParams: 11_689_512 },
  resnet50_ibn_a: { block: "bottleneck", depths: [3, 4, 6, 3], widths: [64, 128, 256, 512], ibnCfg: ["a", "a", "a", null], referenceParams: 25_557_032 },
  resnet50_ibn_b: { block: "bottleneck", depths: [3, 4, 6, 3], widths: [64, 128, 256, 512], ibnCfg: ["b", "b", null, null], referenceParams: 25_558_568 },
};

function instanceNorm(x: Node, name: string): Node {
  return apply(new InstanceNorm({ epsilon: 1e-5, name }), x);
}

/** The IBN layer: InstanceNorm on the first floor(channels / 2) channels, BatchNorm on the rest, concatenated. */
function ibn(x: Node, channels: number, name: string): Node {
  const half = Math.floor(channels / 2);
  const instance = instanceNorm(apply(new ChannelSlice({ start: 0, size: half, name: `${name}.split_in` }), x), `${name}.IN`);
  const batch = batchNorm(apply(new ChannelSlice({ start: half, size: channels - half, name: `${name}.split_bn` }), x), `${name}.BN`);
  return apply(tf.layers.concatenate({ axis: -1, name }), [instance, batch]);
}

/** The norm hooks for an ibn_cfg, placed as the reference's ResNet_IBN._make_layer places them. */
export function ibnNorms(ibnCfg: IbnKind[]): ResNetNorms {
  return {
    stem: (x, channels, name) => (ibnCfg[0] === "b" ? instanceNorm(x, name) : BATCH_NORMS.stem(x, channels, name)),
    block1: (x, channels, name, stage) => (ibnCfg[stage] === "a" ? ibn(x, channels, name) : batchNorm(x, name)),
    // IBN-b: only the last block of a stage, and never the first (which takes the downsample).
    afterAdd: (x, _channels, name, stage, index, depth) =>
      ibnCfg[stage] === "b" && index === depth - 1 && index > 0 ? instanceNorm(x, `${name}.IN`) : x,
  };
}

function stageList(value: unknown, fallback: number[], option: string, model: string): number[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new Error(`${model}: option ${option} must be 4 positive integers (one per stage) such as [${fallback.join(", ")}], got ${JSON.stringify(value)}.`);
  }
  return value as number[];
}

/** Builds an IBN-Net ResNet; options depths and widths override the table row (reduced configurations). */
export function buildResNetIbn(config: ResNetIbnConfig, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const depths = stageList(options.depths, config.depths, "depths", modelName);
  const widths = stageList(options.widths, config.widths, "widths", modelName);
  const resnet: ResNetConfig = { block: config.block, depths, widths, stem: "imagenet", stemWidth: widths[0] };
  return buildResNet(resnet, options, modelName, ibnNorms(config.ibnCfg));
}

for (const [name, config] of Object.entries(RESNET_IBN_CONFIGS)) {
  registerModel({
    name,
    family: "resnet_ibn",
    paper: 'Pan et al. 2018, "Two at Once: Enhancing Learning and Generalization Capacities via IBN-Net" (XingangPan/IBN-Net resnet_ibn.py)',
    task: "image",
    defaults: { inputShape: [224, 224, 3], numClasses: 1000, depths: config.depths, widths: config.widths, headActivation: "softmax" },
    options: ["depths", "widths", "headActivation"],
    referenceParams: config.referenceParams,
    minInputSize: 32,
    checkOptions: (options) => {
      stageList(options.depths, config.depths, "depths", name);
      stageList(options.widths, config.widths, "widths", name);
    },
    build: (options) => buildResNetIbn(config, options, name),
  });
}
