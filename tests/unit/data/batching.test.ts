import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { data, fitNormalization, normalize, permutation, shuffle, trainTestSplit } from "../../../lib/data/index.js";
import { seed, unseed } from "../../../lib/repro/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterEach(() => unseed());

// Row i of x is [i, 100 + i]; y[i] = i, so any reordering can be checked row by row.
const rows = 10;
const makeX = (): tf.Tensor2D => tf.tensor2d(Array.from({ length: rows }, (_, i) => [i, 100 + i]));
const makeY = (): tf.Tensor1D => tf.tensor1d(Array.from({ length: rows }, (_, i) => i), "int32");

function epochOrder(batched: Iterable<[tf.Tensor, tf.Tensor]>): { sizes: number[]; order: number[] } {
  const sizes: number[] = [];
  const order: number[] = [];
  for (const [xb, yb] of batched) {
    const xs = xb.arraySync() as number[][];
    const ys = Array.from(yb.dataSync());
    xs.forEach((row, i) => expect(row).toEqual([ys[i], 100 + ys[i]!])); // x and y stay paired
    sizes.push(ys.length);
    order.push(...ys);
    xb.dispose();
    yb.dispose();
  }
  return { sizes, order };
}

describe("batches", () => {
  it("yields paired batches of the right sizes, in a seeded order that changes per pass", () => {
    const x = makeX();
    const y = makeY();
    const batched = data.batches(x, y, { batchSize: 4, seed: 1 });
    expect(batched.length).toBe(3);
    const first = epochOrder(batched);
    const second = epochOrder(batched);
    expect(first.sizes).toEqual([4, 4, 2]);
    expect([...first.order].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(second.order).not.toEqual(first.order);
    const replay = data.batches(x, y, { batchSize: 4, seed: 1 });
    expect(epochOrder(replay).order).toEqual(first.order);
    expect(epochOrder(replay).order).toEqual(second.order);
    expect(epochOrder(data.batches(x, y, { batchSize: 4, seed: 2 })).order).not.toEqual(first.order);
  });

  it("keeps order without shuffle, drops the remainder on request, batches x alone", () => {
    const x = makeX();
    const y = makeY();
    const plain = epochOrder(data.batches(x, y, { batchSize: 3, shuffle: false, dropRemainder: true }));
    expect(plain.sizes).toEqual([3, 3, 3]);
    expect(plain.order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const shapes = [...data.batches(x, { batchSize: 6, shuffle: false })].map((batch) => batch.shape);
    expect(shapes).toEqual([
      [6, 2],
      [4, 2],
    ]);
    expect(() => data.batches(x, tf.zeros([3]), { batchSize: 2 })).toThrow(/same first \(example\) dimension/);
    expect(() => data.batches(x, y, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });

  it("defaults to the run's seed", () => {
    seed(3);
    const a = epochOrder(data.batches(makeX(), makeY(), { batchSize: 5 })).order;
    seed(3);
    const b = epochOrder(data.batches(makeX(), makeY(), { batchSize: 5 })).order;
    expect(b).toEqual(a);
  });
});

describe("shuffle and permutation", () => {
  it("shuffles tensors together and arrays, the same way for the same seed", () => {
    const [xs, ys] = shuffle(makeX(), makeY(), { seed: 7 });
    const order = Array.from(ys.dataSync());
    expect((xs.arraySync() as number[][]).map((row) => row[0])).toEqual(order);
    expect(order).toEqual(Array.from(permutation(rows, { seed: 7 })));
    expect(order).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const letters = ["a", "b", "c", "d", "e"];
    const shuffled = shuffle(letters, { seed: 7 });
    expect([...shuffled].sort()).toEqual(letters);
    expect(shuffled).not.toEqual(letters);
    expect(letters).toEqual(["a", "b", "c", "d", "e"]); // the input is left alone
    expect(Array.from(shuffle(makeY(), { seed: 8 }).dataSync())).not.toEqual(order);
  });

  it("draws every ordering about equally often across seeds (an unbiased shuffle)", () => {
    // 2,400 seeds over the 24 orderings of 4 items: each is expected 100 times. A chi-square
    // above 49.7 (23 degrees of freedom, p = 0.001) would mean a biased or seed-blind shuffle.
    const counts = new Map<string, number>();
    for (let s = 0; s < 2400; s++) {
      const key = shuffle([0, 1, 2, 3], { seed: s }).join("");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const chiSquare = [...counts.values()].reduce((sum, n) => sum + (n - 100) ** 2 / 100, 0);
    expect(chiSquare).toBeLessThan(49.7);
  });
});

describe("trainTestSplit", () => {
  it("splits without overlap, seeded", () => {
    const split = trainTestSplit(makeX(), makeY(), { testFraction: 0.3, seed: 1 });
    const train = Array.from(split.yTrain.dataSync());
    const test = Array.from(split.yTest.dataSync());
    expect(split.xTrain.shape).toEqual([7, 2]);
    expect(split.xTest.shape).toEqual([3, 2]);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((split.xTest.arraySync() as number[][]).map((row) => row[0])).toEqual(test);
    const again = trainTestSplit(makeX(), makeY(), { testFraction: 0.3, seed: 1 });
    expect(Array.from(again.yTest.dataSync())).toEqual(test);
  });

  it("stratifies by class from indices or one-hot labels", () => {
    const labels = tf.tensor1d([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2], "int32");
    const x = tf.range(0, 20).reshape([20, 1]);
    for (const y of [labels, tf.oneHot(labels, 3)]) {
      const split = trainTestSplit(x, y, { testFraction: 0.25, seed: 4, stratify: true });
      const testIds = Array.from(split.xTest.dataSync());
      const testLabels = testIds.map((id) => labels.dataSync()[id]);
      expect([0, 1, 2].map((c) => testLabels.filter((label) => label === c).length)).toEqual([2, 1, 2]);
    }
    expect(() => trainTestSplit(x, labels, { testFraction: 1.5 })).toThrow(/between 0 and 1/);
  });
});

describe("normalize", () => {
  it("standardises per feature and min-max scales to 0..1", () => {
    const x = tf.tensor2d([
      [1, 10],
      [3, 30],
    ]);
    expect(fitNormalization(x, "standard")).toEqual({ mean: [2, 20], std: [1, 10] });
    expect(normalize(x, "standard").arraySync()).toEqual([
      [-1, -1],
      [1, 1],
    ]);
    expect(normalize(x, "minmax").arraySync()).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(Array.from(normalize(tf.tensor1d([0, 255]), { mean: 0, std: 255 }).dataSync())).toEqual([0, 1]);
    const constant = fitNormalization(tf.tensor2d([[5], [5]]), "standard");
    expect(constant).toEqual({ mean: [5], std: [1] });
    expect(() => normalize(x, { mean: [1, 2, 3], std: 1 })).toThrow(/mean has 3 values but the last axis of x has 2/);
  });
});
