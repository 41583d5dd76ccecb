/**
 * The reference CNN of the benchmarks and the MNIST training test:
 * tfjs-examples mnist-node (conv32-conv32-pool-conv64-conv64-pool-dense512-dense10,
 * dropout 0.25 / 0.5, 594,922 parameters), compiled with RMSprop and
 * categorical cross-entropy as in that example. Its dropout layers are the
 * library's (lib/layers/dropout.ts, hashed masks), as in models.create("mnist_cnn");
 * a cell's own tf.layers.dropout draws its masks with tfjs's slower generator.
 */
import * as tf from "@tensorflow/tfjs";
import { dropout as dropoutLayer } from "../../lib/layers/dropout.js";

/**
 * Builds and compiles the mnist-node CNN (input [28, 28, 1], 10 classes).
 * `dropout: false` leaves out the two dropout layers (for comparing backends
 * step by step, where dropout's random masks would differ).
 */
export function referenceCnn(learningRate = 0.001, { dropout = true }: { dropout?: boolean } = {}): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu" }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu" }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
  model.add(tf.layers.flatten());
  if (dropout) model.add(dropoutLayer({ rate: 0.25 }));
  model.add(tf.layers.dense({ units: 512, activation: "relu" }));
  if (dropout) model.add(dropoutLayer({ rate: 0.5 }));
  model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
  model.compile({ optimizer: tf.train.rmsprop(learningRate), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}
