// optimizers.withGradientNoise: annealed variance eta / (1 + t)^gamma, seeded
// noise (same seed, same run), training through model.compile / fit, errors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import * as library from "../../../lib/index.js";

const { optimizers } = library;

beforeAll(async () => {
  await initBackend("wasm");
});

function variance(data: ArrayLike<number>): number {
  const values = Array.from(data);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
}

describe("optimizers.withGradientNoise", () => {
  test("adds noise of variance eta / (1 + t)^gamma to the gradients", () => {
    const v = tf.variable(tf.zeros([40_000]), true, "noise_probe");
    const optimizer = optimizers.withGradientNoise(tf.train.sgd(1), { eta: 0.3, gamma: 0.55, seed: 7 });
    const observed: number[] = [];
    for (let t = 0; t < 3; t++) {
      const before = Array.from(v.dataSync());
      const zero = tf.zeros([40_000]);
      optimizer.applyGradients({ noise_probe: zero }); // lr 1, zero gradient: the step is minus the noise
      zero.dispose();
      const after = Array.from(v.dataSync());
      observed.push(variance(after.map((x, i) => x - before[i])));
    }
    const expected = [0, 1, 2].map((t) => 0.3 / (1 + t) ** 0.55);
    observed.forEach((value, t) => expect(Math.abs(value / expected[t] - 1)).toBeLessThan(0.03));
    expect(optimizer.iterations).toBe(3);
    v.dispose();
    optimizer.dispose();
  });

  test("trains through compile / fit; the same seed gives the same run, another seed another", async () => {
    const x = tf.randomNormal([64, 8], 0, 1, "float32", 1);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 3), "int32"), 3);
    const run = async (seed: number) => {
      const net = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [8], activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) })] });
      net.compile({ optimizer: optimizers.withGradientNoise(tf.train.sgd(0.1), { eta: 0.01, seed }), loss: "categoricalCrossentropy" });
      const history = await net.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
      const weights = Array.from(net.getWeights()[0].dataSync());
      net.dispose();
      return { weights, loss: history.history.loss as number[] };
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(b.weights).toEqual(a.weights);
    expect(c.weights).not.toEqual(a.weights);
    expect(a.loss[2]).toBeLessThan(a.loss[0]);
    tf.dispose([x, y]);
  });

  test("bad inputs give one-line errors", () => {
    const sgd = tf.train.sgd(0.1);
    expect(() => optimizers.withGradientNoise("sgd" as never)).toThrow(/^optimizers\.withGradientNoise: the first argument must be a tf\.Optimizer such as tf\.train\.sgd\(0\.01\) \(a name such as "sgd" is not enough: pass tf\.train\.sgd\(learningRate\)\)\.$/);
    expect(() => optimizers.withGradientNoise(sgd, { eta: 0 })).toThrow(/eta \(the noise variance at step 0\) must be a positive number such as 0\.01, got 0/);
    expect(() => optimizers.withGradientNoise(sgd, { gamma: -1 })).toThrow(/gamma \(the variance decay exponent\) must be a number >= 0/);
    expect(() => optimizers.withGradientNoise(sgd, { seed: 1.5 })).toThrow(/seed must be an integer such as 42, got 1\.5/);
    expect(() => optimizers.withGradientNoise(sgd, { sigma: 1 } as never)).toThrow(/unknown option "sigma"; it accepts eta, gamma, seed/);
  });
});
