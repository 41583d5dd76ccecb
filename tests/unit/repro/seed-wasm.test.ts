import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-wasm";
import { seed, unseed } from "../../../lib/repro/index.js";

// The same check as seed.test.ts on the plain wasm backend (the one users train on),
// with layers whose gradients stock wasm has (no conv: its filter gradient is added by lib/backend).
beforeAll(async () => {
  if (!(await tf.setBackend("wasm"))) throw new Error("the wasm backend failed to initialise");
});
afterEach(() => unseed());

async function trainTwoSteps(seedValue: number): Promise<number[]> {
  seed(seedValue);
  const model = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [6, 6, 1] }),
      tf.layers.dense({ units: 12, activation: "relu" }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
  const x = tf.randomNormal([16, 6, 6, 1]); // seeded too
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), "int32"), 3);
  await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: true, verbose: 0 });
  const weights = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
  model.dispose();
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
});
