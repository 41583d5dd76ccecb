import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { attachRealm, currentSeed, nextSeed, seed, unseed } from "../../../lib/repro/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterEach(() => unseed());

/** Builds a small model with dropout, trains it two steps on fixed data, and returns its weights' bytes. */
async function trainTwoSteps(seedValue: number): Promise<Float32Array[]> {
  seed(seedValue);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [6], units: 8, activation: "relu" }),
      tf.layers.dropout({ rate: 0.5 }),
      tf.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
  const x = tf.tensor2d(Array.from({ length: 16 * 6 }, (_, i) => Math.sin(i)), [16, 6]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), "int32"), 3);
  // batchSize 8 over 16 rows, one epoch = 2 steps; fit also shuffles the rows with Math.random.
  await model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: true, verbose: 0 });
  const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
  model.dispose();
  x.dispose();
  y.dispose();
  return weights;
}

function concatBytes(weights: Float32Array[]): number[] {
  return weights.flatMap((w) => Array.from(w));
}

describe("seed", () => {
  it("makes init, dropout and fit shuffling bit-identical for the same seed, different for another", async () => {
    const first = concatBytes(await trainTwoSteps(1));
    const second = concatBytes(await trainTwoSteps(1));
    const other = concatBytes(await trainTwoSteps(2));
    expect(first.length).toBe(6 * 8 + 8 + 8 * 3 + 3);
    expect(second).toEqual(first); // toEqual on numbers compares exact values
    expect(other).not.toEqual(first);
  });

  it("seeds every unseeded tfjs random op and tf.util.shuffle", () => {
    const draw = (): number[] => {
      const values: number[] = [];
      const collect = (t: tf.Tensor): void => {
        values.push(...Array.from(t.dataSync()));
        t.dispose();
      };
      collect(tf.randomUniform([4]));
      collect(tf.randomNormal([4]));
      collect(tf.truncatedNormal([4]));
      collect(tf.randomGamma([4], 2));
      collect(tf.randomStandardNormal([4]));
      collect(tf.dropout(tf.ones([8]), 0.5));
      collect(tf.multinomial(tf.tensor1d([0.1, 0.2, 0.7]), 6, undefined, true));
      const order = [0, 1, 2, 3, 4, 5, 6, 7];
      tf.util.shuffle(order);
      values.push(...order);
      values.push(Math.random());
      return values;
    };
    seed(7);
    const a = draw();
    seed(7);
    const b = draw();
    seed(8);
    const c = draw();
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(currentSeed()).toBe(8);
  });

  it("seeds tf.data's shuffle, which otherwise seeds from the clock", async () => {
    const order = async (): Promise<number[]> =>
      (await tf.data.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]).shuffle(10).toArray()) as number[];
    const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
    // Unseeded, tf.data seeds from the clock: two shuffles a few ms apart differ.
    const unseededA = await order();
    await pause();
    expect(await order()).not.toEqual(unseededA);
    seed(3);
    const a = await order();
    await pause();
    seed(3);
    const b = await order();
    expect(b).toEqual(a);
    expect([...a].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("restores Math.random on unseed and seeds attached realms", () => {
    const original = Math.random;
    seed(5);
    expect(Math.random).not.toBe(original);
    unseed();
    expect(Math.random).toBe(original);
    expect(currentSeed()).toBeUndefined();

    const realmMath = Object.create(Math) as Math;
    realmMath.random = () => 0.5;
    attachRealm({ Math: realmMath });
    seed(5);
    const inRealm = [realmMath.random(), realmMath.random()];
    seed(5);
    expect([realmMath.random(), realmMath.random()]).toEqual(inRealm);
    expect(inRealm[0]).not.toBe(0.5);
    unseed();
    expect(realmMath.random()).toBe(0.5);
  });

  it("gives library helpers repeatable seeds and rejects non-integer seeds", () => {
    seed(11);
    const a = [nextSeed(), nextSeed()];
    seed(11);
    expect([nextSeed(), nextSeed()]).toEqual(a);
    expect(a[0]).not.toBe(a[1]);
    expect(() => seed(0.5)).toThrow(/integer/);
  });
});
