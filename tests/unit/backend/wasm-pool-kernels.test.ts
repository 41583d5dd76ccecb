// MaxPoolGrad on wasm (tensorcell's JavaScript kernel over the wasm heap)
// against the cpu backend: pool sizes, strides (overlapping windows too),
// paddings, ties (first maximum wins, as on cpu), NaN and -Infinity windows.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, runOn, seeded, setUpWasm } from "./helpers.js";
import { backendInfo } from "../../../lib/backend/index.js";
import { maxPoolGradNhwc } from "../../../lib/backend/wasm/pool-kernels.js";

beforeAll(setUpWasm);

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
];

describe("MaxPoolGrad on wasm", () => {
  it("is tensorcell's kernel (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toContain("MaxPoolGrad");
  });

  for (const c of cases) {
    it(`${c.name}: forward and gradient match cpu`, async () => {
      await expectWasmMatchesCpu(() => poolWithGradient(seeded(c.x, 11) as tf.Tensor4D, c.size, c.strides, c.pad), 1e-6, 1e-6);
    });
  }

  it("ties: the first maximum in row-major window order gets the gradient, as on cpu", async () => {
    // Values from {0, 1, 2}: most windows hold several equal maxima.
    const values = Array.from({ length: 2 * 6 * 6 * 3 }, (_, i) => (i * 7 + ((i * i) >> 3)) % 3);
    for (const [size, strides] of [[[2, 2], [2, 2]], [[3, 3], [1, 1]]] as [[number, number], [number, number]][]) {
      const compute = () => poolWithGradient(tf.tensor4d(values, [2, 6, 6, 3]), size, strides, "same", true);
      const [, wasmDx] = await runOn("wasm", compute);
      const [, cpuDx] = await runOn("cpu", compute);
      await tf.setBackend("wasm");
      expect(Array.from(wasmDx.values)).toEqual(Array.from(cpuDx.values));
      expect(wasmDx.values.some((v) => v !== 0)).toBe(true);
    }
  });

  it("windows of NaN or -Infinity get no gradient; NaN never wins over a number (as on cpu)", async () => {
    // One image, one channel, 2x2 windows: [NaN NaN; NaN NaN], [-Inf -Inf; -Inf -Inf], [NaN 3; 5 NaN], [1 1; 1 1].
    const x = [NaN, NaN, -Infinity, -Infinity, NaN, NaN, -Infinity, -Infinity, NaN, 3, 1, 1, 5, NaN, 1, 1];
    const compute = () => {
      const input = tf.tensor4d(x, [1, 4, 4, 1]);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, "valid"), tf.tensor4d([10, 20, 30, 40], [1, 2, 2, 1]))))(input);
    };
    const [wasmDx] = await runOn("wasm", compute);
    const [cpuDx] = await runOn("cpu", compute);
    await tf.setBackend("wasm");
    expect(Array.from(wasmDx.values)).toEqual(Array.from(cpuDx.values));
    expect(Array.from(wasmDx.values)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 0, 30, 0, 0, 0]);
  });

  it("maxPoolGradNhwc accumulates overlapping windows into the shared pixel", () => {
    // 1x3 input [1, 5, 2], windows of width 2 at stride 1: both windows pick the 5.
    const info = tf.backend_util.computePool2DInfo([1, 1, 3, 1], [1, 2], [1, 1], 1, "valid");
    const dx = new Float32Array(3);
    maxPoolGradNhwc(new Float32Array([1, 5, 2]), new Float32Array([0.5, 0.25]), dx, info);
    expect(Array.from(dx)).toEqual([0, 0.75, 0]);
  });
});
