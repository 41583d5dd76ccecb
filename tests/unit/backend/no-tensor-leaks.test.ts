// Training through tensorcell's wasm kernels leaves tf.memory().numTensors
// where it was: no tensor per step, none after the model is disposed (a cell
// re-run builds a fresh model and disposes the old one).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { seeded, setUpWasm } from "./helpers.js";

beforeAll(setUpWasm);

/** A small model that goes through every extra kernel: conv (strided), depthwise, pooling, layer norm, embedding-free dense. */
function smallModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }));
  model.add(tf.layers.separableConv2d({ filters: 6, kernelSize: 3, depthMultiplier: 2, padding: "same" }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.layerNormalization());
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 5, activation: "softmax" }));
  model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
  return model;
}

describe("tensor leaks on wasm", () => {
  it("a training step allocates no lasting tensor, and disposing the model returns to the baseline", async () => {
    const x = seeded([8, 12, 12, 2], 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], "int32"), 5);
    const baseline = tf.memory().numTensors;

    const model = smallModel();
    await model.trainOnBatch(x, y); // first step creates the optimizer's slots
    const afterFirstStep = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
    expect(tf.memory().numTensors).toBe(afterFirstStep);

    await model.fit(x, y, { batchSize: 4, epochs: 1, verbose: 0 });
    expect(tf.memory().numTensors).toBe(afterFirstStep);

    model.optimizer.dispose(); // compile() was given an optimizer instance, so the model does not own it
    model.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
    tf.dispose([x, y]);
  });

  it("gradients through the segment-sum and gather kernels leave no tensors behind", () => {
    const table = tf.variable(seeded([30, 4], 2));
    const ids = tf.tensor1d([1, 5, 5, 29, 0], "int32");
    const segments = tf.tensor1d([0, 0, 1, 2, 2], "int32");
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.unsortedSegmentSum(tf.gather(table, ids), segments, 3)) as tf.Scalar);
      tf.dispose([value, grads]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([table, ids, segments]);
  });

  it("tf.train.momentum: creating, stepping and disposing the optimizer leaves numTensors unchanged (tfjs 4.22 leaks its learning-rate scalar)", () => {
    const weight = tf.variable(seeded([3, 2], 3));
    const before = tf.memory().numTensors;
    for (const useNesterov of [false, true]) {
      const optimizer = tf.train.momentum(0.1, 0.9, useNesterov);
      optimizer.minimize(() => tf.sum(tf.square(weight)) as tf.Scalar);
      optimizer.setLearningRate(0.05); // replaces the scalar: the new one must be the one disposed
      optimizer.minimize(() => tf.sum(tf.square(weight)) as tf.Scalar);
      optimizer.dispose();
      expect(tf.memory().numTensors, `useNesterov ${useNesterov}`).toBe(before);
    }
    const unused = tf.train.momentum(0.1, 0.9);
    unused.dispose();
    unused.dispose(); // a second dispose must not throw on the already-freed scalar
    expect(tf.memory().numTensors).toBe(before);
    const sgd = tf.train.sgd(0.1);
    sgd.dispose();
    expect(tf.memory().numTensors).toBe(before);
    weight.dispose();
  });
});
