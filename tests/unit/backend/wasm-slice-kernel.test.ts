// Slice on wasm (tensorcell's heap copy, one copyWithin per contiguous run)
// against the cpu backend, bit for bit: channel slices (the Pad gradient),
// leading and middle axes, every rank from 1 to 5, int32 and bool, empty and
// whole slices, and -1 sizes; and SplitV, which takes the same copies.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { runOn, seeded, setUpWasm } from "./helpers.js";
import { backendInfo } from "../../../lib/backend/index.js";

beforeAll(setUpWasm);

/** Runs `compute` on wasm and cpu and expects the same shapes, dtypes' values and bits. */
async function expectSameAsCpu(compute: () => tf.Tensor): Promise<void> {
  const [wasm] = await runOn("wasm", compute);
  const [cpu] = await runOn("cpu", compute);
  await tf.setBackend("wasm");
  expect(wasm!.shape).toEqual(cpu!.shape);
  expect(Array.from(wasm!.values)).toEqual(Array.from(cpu!.values));
}

describe("Slice on wasm", () => {
  it("is tensorcell's kernel (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toContain("Slice");
  });

  const cases: { name: string; shape: number[]; begin: number[]; size: number[] }[] = [
    { name: "channels of NHWC (the channel-padding gradient)", shape: [4, 6, 6, 32], begin: [0, 0, 0, 8], size: [4, 6, 6, 16] },
    { name: "leading axis (one contiguous run)", shape: [6, 5, 4, 3], begin: [2, 0, 0, 0], size: [3, 5, 4, 3] },
    { name: "a window in the middle axes", shape: [2, 9, 8, 3], begin: [1, 2, 3, 0], size: [1, 5, 4, 3] },
    { name: "every axis cut", shape: [3, 4, 5, 6], begin: [1, 1, 2, 3], size: [2, 2, 2, 2] },
    { name: "rank 1", shape: [50], begin: [7], size: [30] },
    { name: "rank 2, columns", shape: [9, 11], begin: [0, 4], size: [9, 5] },
    { name: "rank 3", shape: [4, 7, 5], begin: [1, 3, 1], size: [2, 4, 3] },
    { name: "rank 5", shape: [2, 3, 4, 5, 6], begin: [0, 1, 1, 0, 2], size: [2, 2, 3, 5, 3] },
    { name: "the whole tensor", shape: [3, 4, 5], begin: [0, 0, 0], size: [3, 4, 5] },
    { name: "-1 sizes (to the end)", shape: [5, 6, 7], begin: [1, 2, 3], size: [-1, -1, 2] },
    { name: "an empty slice", shape: [4, 5], begin: [2, 1], size: [0, 3] },
  ];
  for (const c of cases) {
    it(`${c.name}: the same bits as cpu`, async () => {
      await expectSameAsCpu(() => tf.slice(seeded(c.shape, 3), c.begin, c.size));
    });
  }

  it("int32 and bool tensors", async () => {
    await expectSameAsCpu(() => tf.slice(tf.range(0, 4 * 5 * 6, 1, "int32").reshape([4, 5, 6]), [1, 1, 2], [2, 3, 3]));
    await expectSameAsCpu(() => tf.cast(tf.slice(tf.greater(seeded([4, 5, 6], 4), 0), [0, 2, 1], [4, 2, 5]), "float32"));
  });

  it("the gradient of a channel pad (a Slice of dy) matches cpu", async () => {
    await expectSameAsCpu(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.pad(t, [[0, 0], [0, 0], [0, 0], [8, 8]]), seeded([2, 4, 4, 32], 6))))(seeded([2, 4, 4, 16], 5)));
  });
});

describe("SplitV on wasm", () => {
  it("is tensorcell's kernel (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toContain("SplitV");
  });

  const cases: { name: string; shape: number[]; splits: number | number[]; axis: number }[] = [
    { name: "attention's query, key and value (last axis, in three)", shape: [4, 9, 48], splits: 3, axis: 2 },
    { name: "uneven sizes on a middle axis", shape: [3, 10, 5], splits: [2, 5, 3], axis: 1 },
    { name: "a -1 size on the leading axis", shape: [7, 4], splits: [2, -1], axis: 0 },
    { name: "a negative axis and an empty part", shape: [2, 3, 8], splits: [0, 6, 2], axis: -1 },
  ];
  for (const c of cases) {
    it(`${c.name}: every part the same bits as cpu`, async () => {
      const parts = tf.split(seeded(c.shape, 7), c.splits, c.axis).length;
      for (let i = 0; i < parts; i++) {
        await expectSameAsCpu(() => tf.split(seeded(c.shape, 7), c.splits, c.axis)[i]!.clone());
      }
    });
  }

  it("int32 input, and its gradient (a concat) matches cpu", async () => {
    await expectSameAsCpu(() => tf.split(tf.range(0, 60, 1, "int32").reshape([5, 12]), 4, 1)[2]!.clone());
    await expectSameAsCpu(() => tf.grad((t: tf.Tensor) => {
      const [q, k, v] = tf.split(t, 3, 2);
      return tf.sum(tf.mul(tf.add(tf.mul(q!, 2), tf.mul(k!, v!)), seeded([2, 5, 4], 9)));
    })(seeded([2, 5, 12], 8)));
  });

  it("sizes that do not add up give tfjs's error and leak nothing", () => {
    const x = seeded([4, 6], 10);
    const before = tf.memory().numTensors;
    expect(() => tf.split(x, [2, 2], 1)).toThrow(/sum of sizes must match the size of the axis dimension/);
    expect(() => tf.split(x, 4, 1)).toThrow(/Number of splits must evenly divide the axis/);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
