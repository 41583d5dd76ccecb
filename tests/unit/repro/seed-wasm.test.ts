import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { seed, unseed } from "../../../lib/repro/index.js";

// The same check as seed.test.ts on the wasm backend as the kernel sets it up
// (tensorcell's conv, pooling and gradient kernels included), the one users train on.
beforeAll(async () => {
  await initBackend("wasm");
});
afterEach(() => unseed());

async function trainTwoSteps(seedValue: number, convolutional = false): Promise<number[]> {
  seed(seedValue);
  const conv = [
    tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, padding: "same", activation: "relu" }),
    tf.layers.batchNormalization(),
    tf.layers.maxPooling2d({ poolSize: 2 }),
  ];
  const model = tf.sequential({
    layers: [
      ...(convolutional ? conv : []),
      tf.layers.flatten(convolutional ? {} : { inputShape: [6, 6, 1] }),
      tf.layers.dense({ units: 12, activation: "relu" }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  const optimizer = tf.train.adam(0.01);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  const x = tf.randomNormal([16, 6, 6, 1]); // seeded too
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), "int32"), 3));
  await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: true, verbose: 0 });
  const weights = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
  model.dispose();
  optimizer.dispose();
  tf.dispose([x, y]);
  return weights;
}

describe("seed on wasm", () => {
  it("gives bit-identical weights after two training steps for the same seed", async () => {
    expect(tf.getBackend()).toBe("wasm");
    const first = await trainTwoSteps(1);
    expect(await trainTwoSteps(1)).toEqual(first);
    expect(await trainTwoSteps(2)).not.toEqual(first);
  });

  it("does the same for a conv / batch-norm / max-pool model, through tensorcell's wasm training kernels", async () => {
    const tensorsBefore = tf.memory().numTensors;
    const first = await trainTwoSteps(1, true);
    expect(await trainTwoSteps(1, true)).toEqual(first);
    expect(await trainTwoSteps(2, true)).not.toEqual(first);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
