// The other wasm kernels tensorcell registers or replaces (BatchMatMul with
// transposes, Sum/Mean over leading axes, UnsortedSegmentSum) against cpu,
// and the Tile gradient override against a hand-computed reference.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, randomValues, runOn, seeded, setUpWasm } from "./helpers.js";
import { tileGradient } from "../../../lib/backend/gradients.js";

beforeAll(setUpWasm);

describe("BatchMatMul with transposed operands on wasm", () => {
  const shapes: [number[], number[]][] = [
    [[33, 17], [17, 21]], // rank 2
    [[3, 9, 5], [3, 5, 7]], // batched
    [[2, 3, 9, 5], [2, 3, 5, 7]], // rank 4 (attention heads)
    [[4, 6, 5], [5, 7]], // broadcast b (forward only: tfjs's own BatchMatMul gradient does not reduce broadcast axes)
  ];
  for (const [aShape, bShape] of shapes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`${JSON.stringify(aShape)}·${JSON.stringify(bShape)} transposeA=${ta} transposeB=${tb}, with gradients`, async () => {
        const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
        const a = () => seeded(ta ? swap(aShape) : aShape, 1);
        const b = () => seeded(tb ? swap(bShape) : bShape, 2);
        await expectWasmMatchesCpu(() => {
          const out = tf.matMul(a(), b(), ta, tb);
          const r = seeded(out.shape, 3);
          if (aShape.length !== bShape.length) return out;
          const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, ta, tb), r)))([a(), b()]);
          return [out, ...grads];
        });
      });
    }
  }
});

describe("Sum and Mean over leading axes on wasm", () => {
  const cases: [number[], number | number[], boolean][] = [
    [[8, 10, 10, 16], [0, 1, 2], false],
    [[8, 10, 10, 16], [0, 1, 2], true],
    [[64, 300], 0, false],
    [[6, 7, 200], [1, 0], true],
    [[6, 7, 200], [-3, -2], false],
    [[6, 7, 200], [0, 2], false], // not leading: native path
    [[6, 7, 200], [2], true], // innermost: native path
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, async () => {
      await expectWasmMatchesCpu(() => [tf.sum(seeded(shape, 4), axis, keepDims), tf.mean(seeded(shape, 5), axis, keepDims)], 1e-4, 1e-5);
    });
  }
  it("int32 sums stay exact", async () => {
    const [out] = await runOn("wasm", () => tf.sum(tf.tensor(Array.from({ length: 6000 }, (_, i) => i % 7), [1000, 6], "int32"), 0));
    expect(Array.from(out.values)).toEqual([2998, 2995, 2999, 3003, 2999, 3002].map((_, j) => Array.from({ length: 1000 }, (_, i) => (i * 6 + j) % 7).reduce((p, q) => p + q, 0)));
  });
});

describe("UnsortedSegmentSum on wasm", () => {
  it("matches cpu for 1-D ids over rows (graph aggregation), with gradient", async () => {
    const ids = Array.from({ length: 50 }, (_, i) => (i * 7) % 13);
    await expectWasmMatchesCpu(() => {
      const x = seeded([50, 6], 6);
      const out = tf.unsortedSegmentSum(x, tf.tensor1d(ids, "int32"), 13);
      const r = seeded([13, 6], 7);
      const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.unsortedSegmentSum(a, tf.tensor1d(ids, "int32"), 13), r)))([x]);
      return [out, dx];
    });
  });
  it("matches cpu for 2-D ids and drops ids outside [0, numSegments)", async () => {
    const ids = [[0, 3, -1, 2], [5, 1, 3, 9]];
    const [wasmOut] = await runOn("wasm", () => tf.unsortedSegmentSum(seeded([2, 4, 3], 8), tf.tensor2d(ids, [2, 4], "int32") as unknown as tf.Tensor1D /* tfjs types say 1-D; N-D ids are valid */, 4));
    const x = randomValues(24, 8);
    const expected = new Float32Array(12);
    ids.flat().forEach((id, i) => {
      if (id >= 0 && id < 4) for (let k = 0; k < 3; k++) expected[id * 3 + k] += x[i * 3 + k];
    });
    expect(wasmOut.shape).toEqual([4, 3]);
    Array.from(wasmOut.values).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });
  it("gather's gradient (embedding lookups) works on wasm and matches cpu", async () => {
    await expectWasmMatchesCpu(() => {
      const table = seeded([20, 8], 9);
      const idx = tf.tensor2d([[1, 5, 5, 19], [0, 1, 2, 5]], [2, 4], "int32");
      const r = seeded([2, 4, 8], 10);
      return tf.grads((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx), r)))([table]);
    });
  });
});

describe("Tile gradient override", () => {
  const cases: [number[], number[]][] = [
    [[5], [3]],
    [[2, 3], [4, 1]],
    [[2, 1, 3], [1, 5, 2]],
    [[2, 2, 1, 3], [3, 1, 4, 2]],
    [[1, 2, 1, 2, 3], [2, 1, 3, 1, 1]],
  ];
  for (const [shape, reps] of cases) {
    it(`x ${JSON.stringify(shape)} reps ${JSON.stringify(reps)} equals the sum over repetitions`, async () => {
      const [grad] = await runOn("wasm", () => {
        const x = seeded(shape, 11);
        const r = seeded(shape.map((s, i) => s * reps[i]), 12);
        return tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.tile(a, reps), r)))([x]);
      });
      // Reference: every element of dy adds to x at (index mod x.shape) along each axis.
      const outShape = shape.map((s, i) => s * reps[i]);
      const dy = randomValues(outShape.reduce((p, q) => p * q, 1), 12);
      const expected = new Float32Array(shape.reduce((p, q) => p * q, 1));
      for (let flat = 0; flat < dy.length; flat++) {
        let rest = flat;
        let target = 0;
        let stride = 1;
        for (let axis = shape.length - 1; axis >= 0; axis--) {
          const coordinate = rest % outShape[axis];
          rest = Math.floor(rest / outShape[axis]);
          target += (coordinate % shape[axis]) * stride;
          stride *= shape[axis];
        }
        expected[target] += dy[flat];
      }
      Array.from(grad.values).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 4));
    });
  }
  it("is the registered Tile gradient", () => {
    expect(tf.getGradient("Tile")).toBe(tileGradient);
  });
});

describe("1x1 strided AvgPool on wasm (ZeroPadShortcut's x[:, ::s, ::s, :])", () => {
  for (const [shape, stride] of [[[2, 7, 7, 3], 2], [[1, 8, 6, 4], 2], [[2, 9, 9, 2], 3]] as [number[], number][]) {
    it(`${JSON.stringify(shape)} stride ${stride}: forward and gradient match cpu`, async () => {
      await expectWasmMatchesCpu(() => {
        const x = seeded(shape, 31) as tf.Tensor4D;
        const out = tf.avgPool(x, 1, stride, "valid");
        const r = seeded(out.shape, 32);
        return [out, tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, 1, stride, "valid"), r)))(x)];
      }, 0, 0);
    });
  }
});
