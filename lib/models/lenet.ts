/**
 * LeNet-5 (LeCun et al. 1998, "Gradient-Based Learning Applied to Document
 * Recognition"), in its usual modern form (full C3 connectivity, softmax
 * output instead of the RBF layer):
 *
 *   layer  kind                       output (32x32x1 input)   params
 *   C1     conv 5x5 x6, tanh          28x28x6                      156
 *   S2     average pool 2             14x14x6                        0
 *   C3     conv 5x5 x16, tanh         10x10x16                   2,416
 *   S4     average pool 2             5x5x16                         0
 *   C5     dense 120, tanh            120                       48,120
 *   F6     dense 84, tanh             84                        10,164
 *   output dense 10                   10                           850
 *                                                       total   61,706
 *
 * C5 is written as a dense layer over the flattened S4 maps, which on 32x32
 * input is exactly the paper's 5x5 convolution over 5x5 maps, and also lets
 * 28x28 MNIST digits go in unpadded. Options: activation ("tanh" | "relu"),
 * pooling ("avg" | "max"), headActivation, head ("softmax" | "svm": CNN-SVM, see svm_head.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { activation, apply, classifierModel, dense, type Node } from "./cnn_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** The architecture table: convolution widths (C1, C3) and dense widths (C5, F6). */
export const LENET5_CONFIG = { convFilters: [6, 16], kernelSize: 5, denseUnits: [120, 84] } as const;

function choice<T extends string>(value: unknown, allowed: readonly T[], fallback: T, option: string): T {
  if (value === undefined) return fallback;
  if (allowed.includes(value as T)) return value as T;
  throw new Error(`lenet5: option ${option} must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got ${JSON.stringify(value)}.`);
}

/** Builds LeNet-5. */
export function buildLeNet5(options: ResolvedModelOptions): tf.LayersModel {
  const kind = choice(options.activation, ["tanh", "relu"] as const, "tanh", "activation");
  const pooling = choice(options.pooling, ["avg", "max"] as const, "avg", "pooling");
  const images = tf.input({ shape: options.inputShape, name: "images" });
  let x: Node = images;
  const features: Record<string, string> = {};
  LENET5_CONFIG.convFilters.forEach((filters, i) => {
    const conv = i === 0 ? "C1" : "C3";
    const pool = i === 0 ? "S2" : "S4";
    x = apply(tf.layers.conv2d({ filters, kernelSize: LENET5_CONFIG.kernelSize, name: conv }), x);
    x = activation(x, kind, `${conv}.act`);
    const poolArgs = { poolSize: 2, strides: 2, name: pool };
    x = apply(pooling === "avg" ? tf.layers.averagePooling2d(poolArgs) : tf.layers.maxPooling2d(poolArgs), x);
    features[pool] = pool;
  });
  x = apply(tf.layers.flatten({ name: "flatten" }), x);
  x = dense(x, LENET5_CONFIG.denseUnits[0], "C5", { activation: kind });
  x = dense(x, LENET5_CONFIG.denseUnits[1], "F6", { activation: kind });
  return classifierModel(images, dense(x, options.numClasses, "output"), options, "lenet5", features);
}

registerModel({
  name: "lenet5",
  family: "lenet",
  paper: 'LeCun et al. 1998, "Gradient-Based Learning Applied to Document Recognition"',
  task: "image",
  defaults: { inputShape: [32, 32, 1], numClasses: 10, activation: "tanh", pooling: "avg", headActivation: "softmax", head: "softmax" },
  options: ["activation", "pooling", "headActivation", "head"],
  referenceParams: 61_706,
  minInputSize: 16,
  build: buildLeNet5,
});
