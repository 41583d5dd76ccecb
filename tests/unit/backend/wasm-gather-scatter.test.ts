// tensorcell's row kernels on wasm: GatherV2 and ScatterNd by rows, Aᵀ·B for dense-layer
// weight gradients, and batched products (attention), against the cpu backend bit for bit, which shapes take them (the pool's
// calls are watched, so a silent fall-back to the native kernel fails), and bad indices: a
// clear error, nothing leaked, the backend still computing.
import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { expectSameBitsAsCpu, expectWasmMatchesCpu, runOn, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";
import { backendInfo } from "../../../lib/backend/index.js";
import { gatherRows, segmentSum } from "../../../lib/layers/graph_segment.js";

beforeAll(setUpWasm);
afterEach(() => vi.restoreAllMocks());

/** Indices 0..size-1 visited in a scrambled order with repeats. */
function scrambled(count: number, size: number): number[] {
  return Array.from({ length: count }, (_, i) => (i * 7919 + 13) % size);
}

/** Runs `failing`, expects `message`, and checks that no tensor was left behind and wasm still computes. */
function expectCleanError(failing: () => unknown, message: RegExp): void {
  const before = tf.memory().numTensors;
  expect(() => tf.tidy(() => void failing())).toThrow(message);
  expect(tf.memory().numTensors).toBe(before);
  expect(Array.from(tf.tidy(() => tf.gather(tf.tensor1d([1, 2, 3]), tf.tensor1d([2, 0], "int32")).dataSync()))).toEqual([3, 1]);
}

describe("row kernels on wasm", () => {
  it("are tensorcell's kernels (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toEqual(expect.arrayContaining(["GatherV2", "ScatterNd", "BatchMatMul"]));
  });

  const gathers: { name: string; x: number[]; indices: number[]; axis: number }[] = [
    { name: "edges' source rows of a node table (axis 0, 16 features)", x: [300, 16], indices: [2000], axis: 0 },
    { name: "7 features (not a multiple of 4)", x: [300, 7], indices: [2000], axis: 0 },
    { name: "a middle axis of a 3-D tensor", x: [4, 10, 6], indices: [15], axis: 1 },
    { name: "2-D indices (embedding lookup of a batch of sequences)", x: [50, 12], indices: [8, 20], axis: 0 },
    { name: "the last axis", x: [6, 9], indices: [20], axis: -1 },
  ];
  for (const c of gathers) {
    it(`gather, ${c.name}: the same bits as cpu, on the row kernel`, async () => {
      const dim = c.x.at(c.axis)!;
      const count = c.indices.reduce((a, b) => a * b, 1);
      const compute = () => tf.gather(seeded(c.x, 1), tf.tensor(scrambled(count, dim), c.indices, "int32"), c.axis);
      await expectSameBitsAsCpu(compute);
      expect(simdKernelsRunBy(compute)).toEqual(["gatherRows"]);
    });
  }

  it("gather of int32 values copies them exactly; empty indices give an empty tensor", async () => {
    const ints = () => tf.gather(tf.tensor2d(Array.from({ length: 40 }, (_, i) => i * 1009), [10, 4], "int32"), tf.tensor1d([9, 0, 9, 3], "int32"));
    const [out] = await runOn("wasm", ints);
    expect(Array.from(out!.values).slice(0, 4)).toEqual([36324, 37333, 38342, 39351]);
    expect(simdKernelsRunBy(ints)).toEqual(["gatherRows"]);
    const empty = tf.tidy(() => tf.gather(seeded([10, 4], 2), tf.tensor1d([], "int32")));
    expect(empty.shape).toEqual([0, 4]);
    empty.dispose();
  });

  it("gather with an index outside the axis throws tfjs's error and loses nothing", () => {
    for (const bad of [10, -1]) {
      expectCleanError(() => tf.gather(seeded([10, 4], 3), tf.tensor1d([0, bad, 2], "int32")), new RegExp(`GatherV2: the index value ${bad} is not in \\[0, 9\\]`));
    }
  });

  const scatters: { name: string; rows: number; columns: number; count: number }[] = [
    { name: "16 columns (GCN hidden layer), many updates per row", rows: 300, columns: 16, count: 2000 },
    { name: "7 columns (one float at a time)", rows: 300, columns: 7, count: 2000 },
    { name: "40 columns (3 units of 16 split between threads)", rows: 120, columns: 40, count: 900 },
  ];
  for (const c of scatters) {
    it(`scatter-sum, ${c.name}: the same bits as cpu, on the row kernel`, async () => {
      const compute = () => tf.scatterND(tf.tensor2d(scrambled(c.count, c.rows), [c.count, 1], "int32"), seeded([c.count, c.columns], 4), [c.rows, c.columns]);
      await expectSameBitsAsCpu(compute);
      expect(simdKernelsRunBy(compute)).toEqual(["scatterAddRows"]);
    });
  }

  it("scatter-sum leaves rows without updates at zero, and 1-D updates (one column) work", async () => {
    const [out] = await runOn("wasm", () => tf.scatterND(tf.tensor2d([[1], [3], [1]], [3, 1], "int32"), tf.tensor1d([0.5, 2, 0.25]), [5]));
    expect(Array.from(out!.values)).toEqual([0, 0.75, 0, 2, 0]);
  });

  it("scatter-sum with an index outside the output throws the cpu backend's error and loses nothing", () => {
    for (const bad of [5, -2]) {
      expectCleanError(() => tf.scatterND(tf.tensor2d([[0], [bad], [4]], [3, 1], "int32"), seeded([3, 3], 5), [5, 3]),
        new RegExp(`Invalid indices: ${bad} does not index into 5,3`));
    }
  });

  it("scatter with 2-D index tuples keeps the native kernel", async () => {
    const compute = () => tf.scatterND(tf.tensor2d([[0, 1], [2, 0], [0, 1]], [3, 2], "int32"), tf.tensor1d([1, 2, 3]), [3, 2]);
    await expectSameBitsAsCpu(compute);
    expect(simdKernelsRunBy(compute)).toEqual([]);
  });

  it("the library's message passing (gatherRows, segmentSum) and its gradient match cpu", async () => {
    const sources = Int32Array.from(scrambled(600, 80));
    const targets = Int32Array.from(scrambled(600, 80).reverse());
    await expectWasmMatchesCpu(() => {
      const table = seeded([80, 16], 6);
      const r = seeded([80, 16], 7);
      // Gather source rows onto edges, scale, sum them into their targets.
      const propagate = (t: tf.Tensor) => segmentSum(tf.mul(gatherRows(t, sources), 0.5), targets, 80);
      return [propagate(table), ...tf.grads((t: tf.Tensor) => tf.sum(tf.mul(propagate(t), r)))([table])];
    }, 1e-5, 1e-6);
  });
});

describe("Aᵀ·B on wasm (dense-layer weight gradients)", () => {
  for (const [k, m, n] of [[300, 37, 32], [2708, 64, 16], [256, 8, 48]] as [number, number, number][]) {
    it(`[${k}, ${m}]ᵀ·[${k}, ${n}]: matches cpu, on tensorcell's kernel`, async () => {
      const compute = () => tf.matMul(seeded([k, m], 8), seeded([k, n], 9), true, false);
      await expectWasmMatchesCpu(compute, 1e-4, 1e-5);
      expect(simdKernelsRunBy(compute)).toEqual(["matMul"]);
    });
  }

  it("short sums (K < 256) and N not a multiple of 16 keep the transpose path", async () => {
    const kernelsOf = async (compute: () => tf.Tensor) => (await tf.profile(() => compute())).kernelNames;
    // K = 64: A is transposed first; the plain product of the copy (N = 32) then runs on the pool.
    const short = () => tf.matMul(seeded([64, 40], 10), seeded([64, 32], 11), true, false);
    await expectWasmMatchesCpu(short, 1e-4, 1e-5);
    expect(await kernelsOf(short)).toContain("Transpose");
    expect(simdKernelsRunBy(short)).toEqual(["matMul"]);
    // N = 10: transposed, then XNNPACK.
    const narrow = () => tf.matMul(seeded([300, 40], 10), seeded([300, 10], 11), true, false);
    await expectWasmMatchesCpu(narrow, 1e-4, 1e-5);
    expect(await kernelsOf(narrow)).toContain("Transpose");
    expect(simdKernelsRunBy(narrow)).toEqual([]);
  });

  it("a dense layer's weight gradient through the kernel matches cpu", async () => {
    await expectWasmMatchesCpu(() => {
      const x = seeded([512, 24], 12);
      const w = seeded([24, 32], 13);
      return tf.grads((weights: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, weights))))([w]);
    }, 1e-4, 1e-5);
  });
});

describe("plain products on wasm (dense layers)", () => {
  // [m, k, n]: B larger than A (split by column blocks), A larger than B (by row pairs), an odd M.
  for (const [m, k, n] of [[8, 300, 48], [70, 40, 32], [33, 130, 16]] as [number, number, number][]) {
    it(`[${m}, ${k}]·[${k}, ${n}] with a new B: matches cpu, on tensorcell's kernel`, async () => {
      const compute = () => tf.matMul(seeded([m, k], 18), seeded([k, n], 19));
      await expectWasmMatchesCpu(compute, 1e-4, 1e-5);
      expect(simdKernelsRunBy(compute)).toEqual(["matMul"]);
    });
  }

  it("a B used again (weights at inference) goes to XNNPACK, which keeps it packed, with the same bits", async () => {
    const weights = seeded([64, 32], 20);
    const x = seeded([10, 64], 21);
    try {
      const first = () => tf.matMul(x, weights);
      expect(simdKernelsRunBy(first)).toEqual(["matMul"]);
      const again = tf.tidy(() => tf.matMul(x, weights));
      const onPool = tf.tidy(() => tf.matMul(x, tf.mul(weights, 1)));
      expect(simdKernelsRunBy(() => tf.matMul(x, weights))).toEqual([]);
      expect(Array.from(await again.data())).toEqual(Array.from(await onPool.data()));
      tf.dispose([again, onPool]);
    } finally {
      tf.dispose([weights, x]);
    }
  });

  it("N not a multiple of 16 (a 10-class output layer) and A·Bᵀ keep XNNPACK's product", async () => {
    for (const compute of [
      () => tf.matMul(seeded([64, 40], 22), seeded([40, 10], 23)),
      () => tf.matMul(seeded([64, 40], 22), seeded([32, 40], 23), false, true),
    ]) {
      await expectWasmMatchesCpu(compute, 1e-4, 1e-5);
    }
    expect(simdKernelsRunBy(() => tf.matMul(seeded([64, 40], 22), seeded([40, 10], 23)))).toEqual([]);
  });

  it("a dense layer's forward pass and gradients through the kernel match cpu", async () => {
    await expectWasmMatchesCpu(() => {
      const x = seeded([48, 96], 24);
      const w = seeded([96, 64], 25);
      return tf.grads((input: tf.Tensor, weights: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(input, weights)))))([x, w]);
    }, 1e-4, 1e-5);
  });
});

describe("batched products on wasm (attention)", () => {
  const cases: { name: string; a: number[]; b: number[]; transposeA?: boolean; transposeB?: boolean }[] = [
    { name: "attention weights · values, [16, 3, 65, 65]·[16, 3, 65, 64]", a: [16, 3, 65, 65], b: [16, 3, 65, 64] },
    { name: "queries · keysᵀ (transposed B, N = 65: a column tail)", a: [4, 3, 65, 64], b: [4, 3, 65, 64], transposeB: true },
    { name: "transposed A (a weights gradient), odd M", a: [6, 33, 17], b: [6, 33, 20], transposeA: true },
    { name: "both transposed", a: [5, 24, 9], b: [5, 40, 24], transposeA: true, transposeB: true },
    { name: "one matrix broadcast over the batch", a: [2, 3, 10, 12], b: [12, 32] },
    { name: "a batch against one matrix of rank 3", a: [1, 7, 12], b: [9, 12, 5] },
  ];
  for (const c of cases) {
    it(`${c.name}: matches cpu, on tensorcell's kernel`, async () => {
      const compute = () => tf.matMul(seeded(c.a, 12), seeded(c.b, 13), c.transposeA, c.transposeB);
      await expectWasmMatchesCpu(compute, 1e-4, 1e-5);
      expect(simdKernelsRunBy(compute)).toEqual(["matMul"]);
    });
  }

  it("gradients of a batched attention product match cpu", async () => {
    await expectWasmMatchesCpu(() => {
      const [q, k, v] = [seeded([2, 3, 17, 8], 14), seeded([2, 3, 17, 8], 15), seeded([2, 3, 17, 8], 16)];
      const r = seeded([2, 3, 17, 8], 17);
      const attend = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.matMul(tf.softmax(tf.matMul(qq, kk, false, true)), vv);
      return tf.grads((qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor) => tf.sum(tf.mul(attend(qq, kk, vv), r)))([q, k, v]);
    }, 1e-4, 1e-5);
  });

  it("inner sizes that differ get tfjs's error, with nothing leaked", () => {
    expectCleanError(() => tf.matMul(seeded([4, 5, 6], 18), seeded([4, 7, 3], 19)), /inner shapes \(6\) and \(7\)/);
    expectCleanError(() => tf.matMul(seeded([4, 5, 6], 18), seeded([4, 7, 3], 19), false, true), /inner shapes \(6\) and \(3\)/);
  });

  it("batches of different shapes that do not broadcast keep the native kernel's error", () => {
    expectCleanError(() => tf.matMul(seeded([2, 3, 4, 5], 20), seeded([3, 2, 5, 4], 21)), /Operands could not be broadcast together with shapes 2,3 and 3,2/);
  });
});
