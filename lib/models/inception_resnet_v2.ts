/**
 * Inception-ResNet-v2 (Szegedy et al. 2017, "Inception-v4, Inception-ResNet and
 * the Impact of Residual Connections on Learning"), as timm's
 * inception_resnet_v2.py (same module names).
 *
 *   conv2d_1a 3x3/2 x32, conv2d_2a 3x3 x32, conv2d_2b 3x3 x64 (pad 1), maxpool_3a 3x3/2,
 *   conv2d_3b 1x1 x80, conv2d_4a 3x3 x192, maxpool_5a 3x3/2
 *   mixed_5b   (1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avgpool-1x1)                -> 320
 *   repeat     10 x Block35 (Inception-ResNet-A), scale 0.17                -> 320
 *   mixed_6a   (Reduction-A)                                                 -> 1088
 *   repeat_1   20 x Block17 (Inception-ResNet-B), scale 0.10                -> 1088
 *   mixed_7a   (Reduction-B)                                                 -> 2080
 *   repeat_2   9 x Block8 (Inception-ResNet-C), scale 0.20                  -> 2080
 *   block8     Block8, scale 1, no ReLU
 *   conv2d_7b  1x1 x1536 -> global average pool -> classif
 *
 * Residual blocks: branches -> concat -> 1x1 conv (with bias, no BN) -> x scale
 * -> + input -> ReLU. The scaling (section 3.3 of the paper: residuals scaled by
 * 0.1-0.3 before the addition keep very wide residual networks stable) is a
 * Rescaling layer named `<block>.scale`. ConvNormAct, pools and the 75x75
 * minimum input as inception_v4.ts. 55,843,464 trainable parameters at 1000
 * classes (timm).
 */
import * as tf from "@tensorflow/tfjs";
import { activation, add, apply, classifierModel, dense, globalAvgPool, type Node, torchConv2d } from "./cnn_blocks.js";
import { avgPool3x3Same, concat, convBnAct, convChain, maxPool3x3s2, widthScaler } from "./inception_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** A row of the Inception-ResNet-v2 table. */
export interface InceptionResNetV2Config {
  /** Number of Block35, Block17 and Block8 blocks before the final block8: [10, 20, 9] in the paper. */
  repeats: [number, number, number];
  /** Residual scales of Block35, Block17 and Block8: [0.17, 0.1, 0.2] (timm's `scale`). */
  scales: [number, number, number];
  /** Divides every width (1 for the paper's network; reduced configs keep fixtures small). */
  widthDivisor: number;
}

/** The named variants with timm's trainable parameter counts at 1000 classes. */
export const INCEPTION_RESNET_V2_CONFIGS: Record<string, InceptionResNetV2Config & { referenceParams: number }> = {
  inception_resnet_v2: { repeats: [10, 20, 9], scales: [0.17, 0.1, 0.2], widthDivisor: 1, referenceParams: 55_843_464 },
};

type Width = (channels: number) => number;

/** 1x1 projection back to the block width, then out * scale + input, then ReLU unless `relu` is false. */
function residual(x: Node, branches: Node[], channels: number, scale: number, name: string, relu = true): Node {
  const mixed = torchConv2d(concat(branches, `${name}.cat`), { filters: channels, kernelSize: 1, name: `${name}.conv2d` });
  const scaled = scale === 1 ? mixed : apply(tf.layers.rescaling({ scale, offset: 0, name: `${name}.scale` }), mixed);
  const sum = add(scaled, x, relu ? `${name}.add` : name);
  return relu ? activation(sum, "relu", name) : sum;
}

function mixed5b(x: Node, w: Width, name: string): Node {
  return concat([
    convBnAct(x, w(96), 1, `${name}.branch0`),
    convChain(x, `${name}.branch1`, [[w(48), 1], [w(64), 5, { padding: 2 }]]),
    convChain(x, `${name}.branch2`, [[w(64), 1], [w(96), 3, { padding: 1 }], [w(96), 3, { padding: 1 }]]),
    convBnAct(avgPool3x3Same(x, `${name}.branch3.0`), w(64), 1, `${name}.branch3.1`),
  ], name);
}

function block35(x: Node, w: Width, scale: number, name: string): Node {
  return residual(x, [
    convBnAct(x, w(32), 1, `${name}.branch0`),
    convChain(x, `${name}.branch1`, [[w(32), 1], [w(32), 3, { padding: 1 }]]),
    convChain(x, `${name}.branch2`, [[w(32), 1], [w(48), 3, { padding: 1 }], [w(64), 3, { padding: 1 }]]),
  ], w(320), scale, name);
}

function mixed6a(x: Node, w: Width, name: string): Node {
  return concat([
    convBnAct(x, w(384), 3, `${name}.branch0`, { strides: 2 }),
    convChain(x, `${name}.branch1`, [[w(256), 1], [w(256), 3, { padding: 1 }], [w(384), 3, { strides: 2 }]]),
    maxPool3x3s2(x, `${name}.branch2`),
  ], name);
}

function block17(x: Node, w: Width, scale: number, name: string): Node {
  return residual(x, [
    convBnAct(x, w(192), 1, `${name}.branch0`),
    convChain(x, `${name}.branch1`, [[w(128), 1], [w(160), [1, 7], { padding: [0, 3] }], [w(192), [7, 1], { padding: [3, 0] }]]),
  ], w(1088), scale, name);
}

function mixed7a(x: Node, w: Width, name: string): Node {
  return concat([
    convChain(x, `${name}.branch0`, [[w(256), 1], [w(384), 3, { strides: 2 }]]),
    convChain(x, `${name}.branch1`, [[w(256), 1], [w(288), 3, { strides: 2 }]]),
    convChain(x, `${name}.branch2`, [[w(256), 1], [w(288), 3, { padding: 1 }], [w(320), 3, { strides: 2 }]]),
    maxPool3x3s2(x, `${name}.branch3`),
  ], name);
}

function block8(x: Node, w: Width, scale: number, name: string, relu = true): Node {
  return residual(x, [
    convBnAct(x, w(192), 1, `${name}.branch0`),
    convChain(x, `${name}.branch1`, [[w(192), 1], [w(224), [1, 3], { padding: [0, 1] }], [w(256), [3, 1], { padding: [1, 0] }]]),
  ], w(2080), scale, name, relu);
}

/**
 * Builds Inception-ResNet-v2 from a config row. models.features names (timm's
 * feature_info): conv2d_2b (stride 2), conv2d_4a (4), repeat (8), repeat_1 (16),
 * conv2d_7b (32).
 */
export function buildInceptionResNetV2(config: InceptionResNetV2Config, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const w = widthScaler(config.widthDivisor, modelName);
  const images = tf.input({ shape: options.inputShape, name: "images" });
  let x = convBnAct(images, w(32), 3, "conv2d_1a", { strides: 2 });
  x = convBnAct(x, w(32), 3, "conv2d_2a");
  x = convBnAct(x, w(64), 3, "conv2d_2b", { padding: 1 });
  x = maxPool3x3s2(x, "maxpool_3a");
  x = convBnAct(x, w(80), 1, "conv2d_3b");
  x = convBnAct(x, w(192), 3, "conv2d_4a");
  x = maxPool3x3s2(x, "maxpool_5a");
  x = mixed5b(x, w, "mixed_5b");
  const [n35, n17, n8] = config.repeats;
  const [s35, s17, s8] = config.scales;
  for (let i = 0; i < n35; i++) x = block35(x, w, s35, `repeat.${i}`);
  x = mixed6a(x, w, "mixed_6a");
  for (let i = 0; i < n17; i++) x = block17(x, w, s17, `repeat_1.${i}`);
  x = mixed7a(x, w, "mixed_7a");
  for (let i = 0; i < n8; i++) x = block8(x, w, s8, `repeat_2.${i}`);
  x = block8(x, w, 1, "block8", false);
  x = convBnAct(x, w(1536), 1, "conv2d_7b");
  const features = {
    conv2d_2b: "conv2d_2b",
    conv2d_4a: "conv2d_4a",
    repeat: n35 > 0 ? `repeat.${n35 - 1}` : "mixed_5b",
    repeat_1: n17 > 0 ? `repeat_1.${n17 - 1}` : "mixed_6a",
    conv2d_7b: "conv2d_7b",
  };
  x = globalAvgPool(x, "global_pool");
  return classifierModel(images, dense(x, options.numClasses, "classif"), options, modelName, features);
}

for (const [name, config] of Object.entries(INCEPTION_RESNET_V2_CONFIGS)) {
  registerModel({
    name,
    family: "inception_resnet_v2",
    paper: 'Szegedy et al. 2017, "Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning" (timm inception_resnet_v2.py)',
    task: "image",
    defaults: { inputShape: [299, 299, 3], numClasses: 1000, headActivation: "softmax" },
    options: ["headActivation"],
    referenceParams: config.referenceParams,
    minInputSize: 75,
    build: (options) => buildInceptionResNetV2(config, options, name),
  });
}
