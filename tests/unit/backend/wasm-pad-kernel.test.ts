// PadV2 on wasm (tensorcell's kernel padRows, rows in chunks of about a million floats) against
// the cpu backend, bit for bit: ResNet's channel and height/width pads, every axis padded,
// ranks 2 and 5 (unpadded axes merged), a non-zero and a NaN constant, int32, outputs cut
// into several chunks; and the shapes that keep the native kernel.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectSameBitsAsCpu, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";
import { backendInfo } from "../../../lib/backend/index.js";
import { padLayout } from "../../../lib/backend/wasm/pad-kernel.js";

beforeAll(setUpWasm);

type Paddings = [number, number][];

describe("PadV2 on wasm", () => {
  it("is tensorcell's kernel (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toContain("PadV2");
  });

  const cases: { name: string; shape: number[]; paddings: Paddings; value?: number }[] = [
    { name: "channels of NHWC (ResNet's option-A shortcut)", shape: [4, 8, 8, 16], paddings: [[0, 0], [0, 0], [0, 0], [8, 8]] },
    { name: "height and width, 2.2M output floats (2 chunks at 2 threads)", shape: [32, 64, 64, 16], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]] },
    { name: "every axis, uneven", shape: [3, 9, 8, 5], paddings: [[1, 2], [0, 3], [2, 1], [1, 1]] },
    { name: "rank 2", shape: [100, 60], paddings: [[3, 4], [5, 0]] },
    { name: "rank 5, unpadded axes merged", shape: [4, 6, 8, 5, 8], paddings: [[0, 0], [1, 1], [0, 0], [2, 0], [0, 0]] },
    { name: "a constant of 2.5", shape: [4, 8, 8, 16], paddings: [[0, 0], [2, 1], [0, 0], [4, 4]], value: 2.5 },
    { name: "a NaN constant", shape: [4, 8, 8, 16], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]], value: NaN },
  ];
  for (const c of cases) {
    it(`${c.name}: the same bits as cpu, on tensorcell's kernel`, async () => {
      const compute = () => tf.pad(seeded(c.shape, 3), c.paddings, c.value);
      await expectSameBitsAsCpu(compute);
      expect(simdKernelsRunBy(compute)).toEqual(["padRows"]);
    });
  }

  it("int32 with a constant of -7: the same values as cpu", async () => {
    const compute = () => tf.pad(tf.range(0, 4 * 9 * 9 * 16, 1, "int32").reshape([4, 9, 9, 16]), [[0, 0], [1, 1], [1, 1], [0, 0]], -7);
    await expectSameBitsAsCpu(compute);
    expect(simdKernelsRunBy(compute)).toEqual(["padRows"]);
  });

  const native: { name: string; compute: () => tf.Tensor }[] = [
    { name: "an output under 4096 elements", compute: () => tf.pad(seeded([2, 4, 4, 8], 4), [[0, 0], [1, 1], [1, 1], [0, 0]]) },
    { name: "five padded axes", compute: () => tf.pad(seeded([3, 4, 5, 6, 7], 5), [[1, 0], [0, 1], [1, 1], [1, 0], [0, 1]]) },
    { name: "bool", compute: () => tf.cast(tf.pad(tf.greater(seeded([4, 16, 16, 4], 6), 0), [[0, 0], [1, 1], [1, 1], [0, 0]]), "float32") },
  ];
  for (const c of native) {
    it(`${c.name}: keeps the native kernel, the same bits as cpu`, async () => {
      await expectSameBitsAsCpu(c.compute);
      expect(simdKernelsRunBy(c.compute)).toEqual([]);
    });
  }

  it("merges each unpadded axis into the one before it", () => {
    expect(padLayout([64, 32, 32, 16], [[0, 0], [1, 1], [1, 1], [0, 0]])).toEqual({ sizes: [1, 64, 32, 512], before: [0, 0, 1, 16], outSizes: [1, 64, 34, 544] });
    expect(padLayout([64, 16, 16, 16], [[0, 0], [0, 0], [0, 0], [8, 8]])).toEqual({ sizes: [1, 1, 16384, 16], before: [0, 0, 0, 8], outSizes: [1, 1, 16384, 32] });
    expect(padLayout([2, 3, 4, 5, 6], [[1, 0], [0, 1], [1, 1], [1, 0], [0, 1]])).toBeNull();
  });
});
