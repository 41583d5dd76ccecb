/**
 * Inception-v4 (Szegedy et al. 2017, "Inception-v4, Inception-ResNet and the
 * Impact of Residual Connections on Learning"), as timm's inception_v4.py
 * (module names `features.N...`, `last_linear`).
 *
 *   features.0..2  stem convs 3x3/2 x32 (valid), 3x3 x32 (valid), 3x3 x64 (pad 1)
 *   features.3     Mixed3a: maxpool 3x3/2 || conv 3x3/2 x96                     -> 160
 *   features.4     Mixed4a: two conv towers (1x1, 3x3 / 1x1, 1x7, 7x1, 3x3)    -> 192
 *   features.5     Mixed5a: conv 3x3/2 x192 || maxpool 3x3/2                     -> 384
 *   features.6..9  4 x InceptionA (1x1 | 1x1-3x3 | 1x1-3x3-3x3 | avgpool-1x1)    -> 384
 *   features.10    ReductionA (Mixed6a)                                            -> 1024
 *   features.11..17 7 x InceptionB (factorised 1x7 / 7x1 towers)                  -> 1024
 *   features.18    ReductionB (Mixed7a)                                            -> 1536
 *   features.19..21 3 x InceptionC (1x3 / 3x1 split towers)                       -> 1536
 *   global average pool -> last_linear
 *
 * Every conv is ConvNormAct (no bias, BatchNorm eps 1e-3, ReLU). Unpadded
 * convolutions and pools make 75x75 the smallest input (1x1 after the last
 * reduction). 42,679,816 trainable parameters at 1000 classes (timm).
 */
import * as tf from "@tensorflow/tfjs";
import { classifierModel, dense, globalAvgPool, type Node } from "./cnn_blocks.js";
import { avgPool3x3Same, concat, convBnAct, convChain, maxPool3x3s2, widthScaler } from "./inception_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** A row of the Inception-v4 table. */
export interface InceptionV4Config {
  /** Number of InceptionA, InceptionB and InceptionC blocks: [4, 7, 3] in the paper. */
  blocks: [number, number, number];
  /** Divides every width (1 for the paper's network; reduced configs keep fixtures small). */
  widthDivisor: number;
}

/** The named variants with timm's trainable parameter counts at 1000 classes. */
export const INCEPTION_V4_CONFIGS: Record<string, InceptionV4Config & { referenceParams: number }> = {
  inception_v4: { blocks: [4, 7, 3], widthDivisor: 1, referenceParams: 42_679_816 },
};

type Width = (channels: number) => number;

function mixed3a(x: Node, w: Width, name: string): Node {
  return concat([maxPool3x3s2(x, `${name}.maxpool`), convBnAct(x, w(96), 3, `${name}.conv`, { strides: 2 })], name);
}

function mixed4a(x: Node, w: Width, name: string): Node {
  const b0 = convChain(x, `${name}.branch0`, [[w(64), 1], [w(96), 3]]);
  const b1 = convChain(x, `${name}.branch1`, [[w(64), 1], [w(64), [1, 7], { padding: [0, 3] }], [w(64), [7, 1], { padding: [3, 0] }], [w(96), 3]]);
  return concat([b0, b1], name);
}

function mixed5a(x: Node, w: Width, name: string): Node {
  return concat([convBnAct(x, w(192), 3, `${name}.conv`, { strides: 2 }), maxPool3x3s2(x, `${name}.maxpool`)], name);
}

function inceptionA(x: Node, w: Width, name: string): Node {
  return concat([
    convBnAct(x, w(96), 1, `${name}.branch0`),
    convChain(x, `${name}.branch1`, [[w(64), 1], [w(96), 3, { padding: 1 }]]),
    convChain(x, `${name}.branch2`, [[w(64), 1], [w(96), 3, { padding: 1 }], [w(96), 3, { padding: 1 }]]),
    convBnAct(avgPool3x3Same(x, `${name}.branch3.0`), w(96), 1, `${name}.branch3.1`),
  ], name);
}

function reductionA(x: Node, w: Width, name: string): Node {
  return concat([
    convBnAct(x, w(384), 3, `${name}.branch0`, { strides: 2 }),
    convChain(x, `${name}.branch1`, [[w(192), 1], [w(224), 3, { padding: 1 }], [w(256), 3, { strides: 2 }]]),
    maxPool3x3s2(x, `${name}.branch2`),
  ], name);
}

function inceptionB(x: Node, w: Width, name: string): Node {
  const row: [number, number] = [0, 3];
  const col: [number, number] = [3, 0];
  return concat([
    convBnAct(x, w(384), 1, `${name}.branch0`),
    convChain(x, `${name}.branch1`, [[w(192), 1], [w(224), [1, 7], { padding: row }], [w(256), [7, 1], { padding: col }]]),
    convChain(x, `${name}.branch2`, [
      [w(192), 1], [w(192), [7, 1], { padding: col }], [w(224), [1, 7], { padding: row }],
      [w(224), [7, 1], { padding: col }], [w(256), [1, 7], { padding: row }],
    ]),
    convBnAct(avgPool3x3Same(x, `${name}.branch3.0`), w(128), 1, `${name}.branch3.1`),
  ], name);
}

function reductionB(x: Node, w: Width, name: string): Node {
  return concat([
    convChain(x, `${name}.branch0`, [[w(192), 1], [w(192), 3, { strides: 2 }]]),
    convChain(x, `${name}.branch1`, [[w(256), 1], [w(256), [1, 7], { padding: [0, 3] }], [w(320), [7, 1], { padding: [3, 0] }], [w(320), 3, { strides: 2 }]]),
    maxPool3x3s2(x, `${name}.branch2`),
  ], name);
}

function inceptionC(x: Node, w: Width, name: string): Node {
  const b1 = convBnAct(x, w(384), 1, `${name}.branch1_0`);
  let b2 = convBnAct(x, w(384), 1, `${name}.branch2_0`);
  b2 = convBnAct(b2, w(448), [3, 1], `${name}.branch2_1`, { padding: [1, 0] });
  b2 = convBnAct(b2, w(512), [1, 3], `${name}.branch2_2`, { padding: [0, 1] });
  return concat([
    convBnAct(x, w(256), 1, `${name}.branch0`),
    convBnAct(b1, w(256), [1, 3], `${name}.branch1_1a`, { padding: [0, 1] }),
    convBnAct(b1, w(256), [3, 1], `${name}.branch1_1b`, { padding: [1, 0] }),
    convBnAct(b2, w(256), [1, 3], `${name}.branch2_3a`, { padding: [0, 1] }),
    convBnAct(b2, w(256), [3, 1], `${name}.branch2_3b`, { padding: [1, 0] }),
    convBnAct(avgPool3x3Same(x, `${name}.branch3.0`), w(256), 1, `${name}.branch3.1`),
  ], name);
}

/**
 * Builds Inception-v4 from a config row. Modules are numbered as timm's
 * `features` Sequential (a reduced config numbers its fewer blocks the same
 * way timm's Sequential would); models.features names: features.2 (stride 2),
 * features.3 (4), last InceptionA (8), last InceptionB (16), last InceptionC (32).
 */
export function buildInceptionV4(config: InceptionV4Config, options: ResolvedModelOptions, modelName: string): tf.LayersModel {
  const w = widthScaler(config.widthDivisor, modelName);
  const images = tf.input({ shape: options.inputShape, name: "images" });
  let x = convBnAct(images, w(32), 3, "features.0", { strides: 2 });
  x = convBnAct(x, w(32), 3, "features.1");
  x = convBnAct(x, w(64), 3, "features.2", { padding: 1 });
  x = mixed3a(x, w, "features.3");
  x = mixed4a(x, w, "features.4");
  x = mixed5a(x, w, "features.5");
  let index = 6;
  const features: Record<string, string> = { "features.2": "features.2", "features.3": "features.3" };
  const stage = (count: number, block: (x: Node, w: Width, name: string) => Node) => {
    for (let i = 0; i < count; i++) x = block(x, w, `features.${index++}`);
    const last = `features.${index - 1}`;
    features[last] = last;
  };
  const [a, b, c] = config.blocks;
  stage(a, inceptionA);
  x = reductionA(x, w, `features.${index++}`);
  stage(b, inceptionB);
  x = reductionB(x, w, `features.${index++}`);
  stage(c, inceptionC);
  x = globalAvgPool(x, "global_pool");
  return classifierModel(images, dense(x, options.numClasses, "last_linear"), options, modelName, features);
}

for (const [name, config] of Object.entries(INCEPTION_V4_CONFIGS)) {
  registerModel({
    name,
    family: "inception_v4",
    paper: 'Szegedy et al. 2017, "Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning" (timm inception_v4.py)',
    task: "image",
    defaults: { inputShape: [299, 299, 3], numClasses: 1000, headActivation: "softmax" },
    options: ["headActivation"],
    referenceParams: config.referenceParams,
    minInputSize: 75,
    build: (options) => buildInceptionV4(config, options, name),
  });
}
