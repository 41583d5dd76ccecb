/**
 * The reference CNN of tfjs-examples/mnist-node (model.js), layer for layer:
 *
 *   conv 3x3 x32, relu -> conv 3x3 x32, relu -> maxpool 2
 *   conv 3x3 x64, relu -> conv 3x3 x64, relu -> maxpool 2
 *   flatten -> dropout 0.25 -> dense 512, relu -> dropout 0.5 -> dense 10, softmax
 *
 * 594,922 trainable parameters on 28x28x1 with 10 classes. Valid padding, so
 * 28 -> 26 -> 24 -> 12 -> 10 -> 8 -> 4.
 */
import * as tf from "@tensorflow/tfjs";
import { dropout } from "../layers/dropout.js";
import { apply, classifierModel, dense, type Node, numberOption } from "./cnn_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** The architecture table: [filters of each conv] per block, then the dense width. */
export const MNIST_CNN_CONFIG = { blocks: [[32, 32], [64, 64]], denseUnits: 512, dropout: [0.25, 0.5] } as const;

/** Builds the reference CNN. Options: dropout1 (0.25), dropout2 (0.5), headActivation, head ("softmax" | "svm": CNN-SVM, see svm_head.ts). */
export function buildMnistCnn(options: ResolvedModelOptions): tf.LayersModel {
  const name = "mnist_cnn";
  const dropout1 = numberOption(options.dropout1, MNIST_CNN_CONFIG.dropout[0], "dropout1", name, 0, 1);
  const dropout2 = numberOption(options.dropout2, MNIST_CNN_CONFIG.dropout[1], "dropout2", name, 0, 1);
  const images = tf.input({ shape: options.inputShape, name: "images" });
  let x: Node = images;
  const features: Record<string, string> = {};
  MNIST_CNN_CONFIG.blocks.forEach((filtersPerConv, block) => {
    filtersPerConv.forEach((filters, conv) => {
      x = apply(tf.layers.conv2d({ filters, kernelSize: 3, activation: "relu", name: `conv${block * 2 + conv + 1}` }), x);
    });
    const pool = `pool${block + 1}`;
    x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: pool }), x);
    features[pool] = pool;
  });
  x = apply(tf.layers.flatten({ name: "flatten" }), x);
  x = apply(dropout({ rate: dropout1, name: "dropout1" }), x);
  x = dense(x, MNIST_CNN_CONFIG.denseUnits, "fc1", { activation: "relu" });
  x = apply(dropout({ rate: dropout2, name: "dropout2" }), x);
  return classifierModel(images, dense(x, options.numClasses, "head"), options, name, features);
}

registerModel({
  name: "mnist_cnn",
  family: "mnist_cnn",
  paper: "tfjs-examples mnist-node reference CNN (github.com/tensorflow/tfjs-examples/blob/master/mnist-node/model.js)",
  task: "image",
  defaults: { inputShape: [28, 28, 1], numClasses: 10, dropout1: 0.25, dropout2: 0.5, headActivation: "softmax", head: "softmax" },
  options: ["dropout1", "dropout2", "headActivation", "head"],
  referenceParams: 594_922,
  minInputSize: 16,
  build: buildMnistCnn,
});
