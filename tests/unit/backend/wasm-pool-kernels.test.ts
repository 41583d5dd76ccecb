// MaxPool, MaxPoolGrad and AvgPoolGrad on wasm (tensorcell's SIMD kernels on the wasm
// threads) against the cpu backend: pool sizes, strides (overlapping windows
// too), paddings, channel counts that use the 4-lane loop, the scalar tail and
// both, batches split unevenly between threads; for max pooling also ties
// (first maximum wins, as on cpu), NaN and -Infinity windows. The pool's run()
// is watched, so a case that silently fell back to the native kernel fails.
import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { expectSameBitsAsCpu, expectWasmMatchesCpu, runOn, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";
import { backendInfo } from "../../../lib/backend/index.js";

beforeAll(setUpWasm);
afterEach(() => vi.restoreAllMocks());

type Pad = "valid" | "same" | number;

/** Forward max pool and its input gradient for sum(pool(x) * r), r fixed and non-uniform. */
function poolWithGradient(x: tf.Tensor4D, size: [number, number], strides: [number, number], pad: Pad, integerWeights = false): tf.Tensor[] {
  const pool = (t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, size, strides, pad);
  const out = pool(x);
  // Integer weights keep overlapping-window sums exact in float32 (cpu sums in float64).
  const r = integerWeights ? tf.round(tf.mul(seeded(out.shape, 7), 8)) : seeded(out.shape, 7);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), r)))(x);
  return [out, dx];
}

const cases: { name: string; x: number[]; size: [number, number]; strides: [number, number]; pad: Pad }[] = [
  { name: "2x2 stride 2 valid (reference CNN)", x: [3, 8, 8, 5], size: [2, 2], strides: [2, 2], pad: "valid" },
  { name: "2x2 stride 2 valid, odd input (last row unused)", x: [2, 9, 7, 3], size: [2, 2], strides: [2, 2], pad: "valid" },
  { name: "3x3 stride 2 same (ResNet stem, overlapping)", x: [2, 9, 10, 4], size: [3, 3], strides: [2, 2], pad: "same" },
  { name: "3x3 stride 1 same (overlapping)", x: [1, 6, 7, 3], size: [3, 3], strides: [1, 1], pad: "same" },
  { name: "2x3 strides [1,2] valid", x: [2, 7, 9, 2], size: [2, 3], strides: [1, 2], pad: "valid" },
  { name: "3x3 stride 2, explicit pad 1", x: [2, 8, 8, 3], size: [3, 3], strides: [2, 2], pad: 1 },
  { name: "2x2 stride 2, 32 channels (4-lane loop), 3 images split between threads", x: [3, 12, 12, 32], size: [2, 2], strides: [2, 2], pad: "valid" },
  { name: "3x3 stride 2 same, 6 channels (4 lanes and a tail of 2), overlapping", x: [3, 9, 10, 6], size: [3, 3], strides: [2, 2], pad: "same" },
  { name: "3x3 stride 1 same, 8 channels, overlapping", x: [2, 7, 6, 8], size: [3, 3], strides: [1, 1], pad: "same" },
];

describe("MaxPoolGrad on wasm", () => {
  it("is tensorcell's kernel (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toContain("MaxPoolGrad");
  });

  for (const c of cases) {
    it(`${c.name}: forward and gradient match cpu`, async () => {
      await expectWasmMatchesCpu(() => poolWithGradient(seeded(c.x, 11) as tf.Tensor4D, c.size, c.strides, c.pad), 1e-6, 1e-6);
      // The forward pass twice (once alone, once under tf.grad), then the gradient.
      expect(simdKernelsRunBy(() => poolWithGradient(seeded(c.x, 11) as tf.Tensor4D, c.size, c.strides, c.pad))).toEqual(["maxPool", "maxPool", "maxPoolGradient"]);
    });
  }

  it("ties: the first maximum in row-major window order gets the gradient, as on cpu", async () => {
    // Values from {0, 1, 2}: most windows hold several equal maxima.
    // 7 channels: the 4-lane loop and the scalar tail both meet ties.
    const values = Array.from({ length: 2 * 6 * 6 * 7 }, (_, i) => (i * 7 + ((i * i) >> 3)) % 3);
    for (const [size, strides] of [[[2, 2], [2, 2]], [[3, 3], [1, 1]]] as [[number, number], [number, number]][]) {
      const compute = () => poolWithGradient(tf.tensor4d(values, [2, 6, 6, 7]), size, strides, "same", true);
      const [, wasmDx] = await runOn("wasm", compute);
      const [, cpuDx] = await runOn("cpu", compute);
      await tf.setBackend("wasm");
      expect(Array.from(wasmDx.values)).toEqual(Array.from(cpuDx.values));
      expect(wasmDx.values.some((v) => v !== 0)).toBe(true);
    }
  });

  it("windows of NaN or -Infinity get no gradient; NaN never wins over a number (as on cpu)", async () => {
    // One image, 2x2 windows: [NaN NaN; NaN NaN], [-Inf -Inf; -Inf -Inf], [NaN 3; 5 NaN], [1 1; 1 1].
    // Channel c holds the pattern times (c + 1): 5 channels run the 4-lane loop and the scalar tail.
    const pattern = [NaN, NaN, -Infinity, -Infinity, NaN, NaN, -Infinity, -Infinity, NaN, 3, 1, 1, 5, NaN, 1, 1];
    const channels = 5;
    const x = pattern.flatMap((v) => Array.from({ length: channels }, (_, c) => v * (c + 1)));
    const compute = () => {
      const input = tf.tensor4d(x, [1, 4, 4, channels]);
      const weights = tf.tensor4d([10, 20, 30, 40].flatMap((v) => Array(channels).fill(v)), [1, 2, 2, channels]);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid"), weights)))(input);
    };
    const [wasmDx] = await runOn("wasm", compute);
    const [cpuDx] = await runOn("cpu", compute);
    await tf.setBackend("wasm");
    expect(Array.from(wasmDx.values)).toEqual(Array.from(cpuDx.values));
    const expected = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 0, 30, 0, 0, 0].flatMap((v) => Array(channels).fill(v));
    expect(Array.from(wasmDx.values)).toEqual(expected);
  });

  it("overlapping windows that pick the same pixel add their gradients there", async () => {
    // 1x3 input [1, 5, 2] in 4 channels, windows of width 2 at stride 1: both windows pick the 5.
    const compute = () => {
      const input = tf.tensor4d([1, 5, 2].flatMap((v) => [v, v, v, v]), [1, 1, 3, 4]);
      const weights = tf.tensor4d([0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25], [1, 1, 2, 4]);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, [1, 2], 1, "valid"), weights)))(input);
    };
    const [dx] = await runOn("wasm", compute);
    await tf.setBackend("wasm");
    expect(Array.from(dx.values)).toEqual([0, 0, 0, 0, 0.75, 0.75, 0.75, 0.75, 0, 0, 0, 0]);
  });
});

describe("MaxPool on wasm", () => {
  it("is tensorcell's kernel (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toContain("MaxPool");
  });

  for (const c of cases) {
    it(`${c.name}: the same bits as cpu`, async () => {
      await expectSameBitsAsCpu(() => tf.maxPool(seeded(c.x, 12) as tf.Tensor4D, c.size, c.strides, c.pad));
    });
  }

  it("NaN never wins, a window of NaN or -Infinity gives -Infinity, -0 and 0 keep the first: the same values as cpu, whatever the size", async () => {
    // 2x2 windows of one image: [NaN 1; 2 3] (NaN first: XNNPACK's pooling answered -Infinity), [1 NaN; 2 3],
    // [NaN NaN; NaN NaN], [-Inf NaN; -Inf -Inf], [-0 0; -1 -2], [0 -0; -1 -2]; 5 channels (4 lanes and a tail).
    const windows = [[NaN, 1, 2, 3], [1, NaN, 2, 3], [NaN, NaN, NaN, NaN], [-Infinity, NaN, -Infinity, -Infinity], [-0, 0, -1, -2], [0, -0, -1, -2]];
    const channels = 5;
    const x: number[] = [];
    for (let row = 0; row < 2; row++) {
      for (const window of windows) for (let col = 0; col < 2; col++) x.push(...Array(channels).fill(window[row * 2 + col]));
    }
    const compute = () => tf.maxPool(tf.tensor4d(x, [1, 2, 2 * windows.length, channels]), 2, 2, "valid");
    await expectSameBitsAsCpu(compute);
    const [wasm] = await runOn("wasm", compute);
    await tf.setBackend("wasm");
    const perWindow = Array.from(wasm!.values).filter((_, i) => i % channels === 0).map((v) => (Object.is(v, -0) ? "-0" : v));
    expect(perWindow).toEqual([3, 3, -Infinity, -Infinity, "-0", 0]);
    expect(simdKernelsRunBy(compute)).toEqual(["maxPool"]);
  });
});

describe("AvgPoolGrad on wasm", () => {
  it("is tensorcell's kernel (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toContain("AvgPoolGrad");
  });

  const avgCases = [
    ...cases,
    { name: "1x1 stride 2 valid (ResNet-20's subsampling shortcut), 16 channels", x: [3, 8, 8, 16], size: [1, 1], strides: [2, 2], pad: "valid" },
  ] as typeof cases;
  for (const c of avgCases) {
    it(`${c.name}: forward and gradient match cpu, on the SIMD kernel`, async () => {
      const compute = () => {
        const x = seeded(c.x, 13) as tf.Tensor4D;
        const pool = (t: tf.Tensor) => tf.avgPool(t as tf.Tensor4D, c.size, c.strides, c.pad);
        const r = seeded(pool(x).shape, 17);
        return [pool(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), r)))(x)];
      };
      await expectWasmMatchesCpu(compute, 1e-6, 1e-6);
      expect(simdKernelsRunBy(compute)).toEqual(["avgPoolGradient"]);
    });
  }
});
