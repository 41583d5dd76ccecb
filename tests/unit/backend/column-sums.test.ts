// tensorcell's column sums on wasm (lib/backend/wasm/column-sums.ts): Sum and Mean over
// leading axes, and a training batch norm's statistics (BATCH_NORM_MOMENTS), against
// cpu and against float64 references, on the pool (watched), with their fallbacks.
// That every thread count gives the same bits is tests/integration/wasm-threads.test.ts.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { BATCH_NORM_MOMENTS, type BatchMoments, batchNormMoments, composedBatchNormMoments } from "../../../lib/backend/batch-norm-moments.js";
import { expectWasmMatchesCpu, randomValues, runOn, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";

beforeAll(setUpWasm);

/** Column totals of `values` (rows of `inner`) in float64. */
function float64Totals(values: Float32Array, inner: number): number[] {
  const totals = new Array<number>(inner).fill(0);
  values.forEach((v, i) => (totals[i % inner]! += v));
  return totals;
}

describe("Sum and Mean over leading axes: tensorcell's column sums", () => {
  // Rows of 16 floats; 3 channels repeated to rows of 12; a 2-D sum over 300 columns (rows of 300,
  // several blocks); one block's worth of rows that is not whole blocks; keepDims.
  const cases: [number[], number[], boolean][] = [
    [[8, 10, 10, 16], [0, 1, 2], false],
    [[16, 16, 16, 3], [0, 1, 2], true],
    [[64, 300], [0], false],
    [[7, 1111, 4], [0, 1], false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`${JSON.stringify(shape)} over ${JSON.stringify(axis)}: matches cpu and float64, on the kernel`, async () => {
      await expectWasmMatchesCpu(() => [tf.sum(seeded(shape, 4), axis, keepDims), tf.mean(seeded(shape, 5), axis, keepDims)], 1e-5, 1e-6);
      const inner = shape.slice(axis.length).reduce((a, b) => a * b, 1);
      const values = randomValues(shape.reduce((a, b) => a * b, 1), 4);
      const [sum] = await runOn("wasm", () => tf.sum(tf.tensor(values, shape), axis, keepDims));
      // One float32 rounding of the float64 total: within half an ulp of it (plus float32 sums inside each block).
      float64Totals(values, inner).forEach((total, i) => expect(Math.abs(sum!.values[i]! - total)).toBeLessThan(1e-6 * Math.max(1, Math.abs(total)) + 1e-4));
      expect(simdKernelsRunBy(() => { tf.sum(seeded(shape, 4), axis, keepDims); })).toEqual(["columnSums"]);
    });
  }

  it("a million values near 0.1: the mean is within 2 float32 ulps, where one running float32 sum drifts", async () => {
    const rows = 1 << 16;
    const values = new Float32Array(rows * 16).map((_, i) => 0.1 + ((i % 97) - 48) * 1e-3);
    const [mean] = await runOn("wasm", () => tf.mean(tf.tensor(values, [rows, 16]), 0));
    const exact = float64Totals(values, 16).map((t) => t / rows);
    const ulp = 2 ** -23;
    exact.forEach((m, i) => expect(Math.abs(mean!.values[i]! - m)).toBeLessThanOrEqual(2 * ulp * m));
    // The same column summed row after row in float32 is off by many ulps: the test can tell.
    let running = 0;
    for (let r = 0; r < rows; r++) running = Math.fround(running + values[r * 16]!);
    expect(Math.abs(running / rows - exact[0]!)).toBeGreaterThan(8 * ulp * exact[0]!);
  });

  it("rows that do not repeat to a multiple of 4 floats keep the pooling path; small tensors the native kernel", async () => {
    await expectWasmMatchesCpu(() => [tf.sum(seeded([4099, 3], 6), 0), tf.mean(seeded([9, 7], 7), 0)]);
    expect(simdKernelsRunBy(() => { tf.sum(seeded([4099, 3], 6), 0); })).toEqual([]);
    expect(simdKernelsRunBy(() => { tf.mean(seeded([9, 7], 7), 0); })).toEqual([]);
  });
});

/** The values of the mean, variance and centred input `moments` computes (disposed after). */
function momentValues(moments: () => BatchMoments): number[][] {
  const { mean, variance, centred } = moments();
  const values = [mean, variance, centred].map((t) => Array.from(t.dataSync()));
  tf.dispose([mean, variance, centred]);
  return values;
}

describe("a training batch norm's statistics (BATCH_NORM_MOMENTS)", () => {
  for (const shape of [[8, 6, 6, 16], [16, 16, 16, 3], [64, 32, 32, 16]]) {
    it(`${JSON.stringify(shape)}: the bits of tf.mean, tf.sub, tf.square and tf.mean on wasm, in two column-sum passes`, async () => {
      await tf.setBackend("wasm");
      const x = seeded(shape, 8);
      const fused = momentValues(() => batchNormMoments(x));
      const composed = momentValues(() => composedBatchNormMoments(x));
      expect(fused).toEqual(composed);
      expect(simdKernelsRunBy(() => { batchNormMoments(x); })).toEqual(["columnSums", "columnSums"]);
      x.dispose();
    });
  }

  it("matches cpu's tf.moments, and leaks nothing", async () => {
    await expectWasmMatchesCpu(() => {
      const x = tf.add(seeded([32, 8, 8, 8], 9), 3);
      const { mean, variance, centred } = batchNormMoments(x);
      const reference = tf.moments(x, [0, 1, 2]);
      return [mean, variance, centred, reference.mean, reference.variance];
    });
    await tf.setBackend("wasm");
    const x = seeded([32, 8, 8, 8], 9);
    const before = tf.memory().numTensors;
    tf.tidy(() => { batchNormMoments(x); });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it("small, odd-channel and int32 inputs take the composition", async () => {
    await tf.setBackend("wasm");
    expect(tf.getKernel(BATCH_NORM_MOMENTS, "wasm")).toBeDefined();
    for (const x of [seeded([4, 5, 7, 3], 10), seeded([4099, 3], 11)]) {
      expect(simdKernelsRunBy(() => { batchNormMoments(x); })).toEqual([]);
      const fused = momentValues(() => batchNormMoments(x));
      const composed = momentValues(() => composedBatchNormMoments(x));
      expect(fused).toEqual(composed);
      x.dispose();
    }
  });
});
