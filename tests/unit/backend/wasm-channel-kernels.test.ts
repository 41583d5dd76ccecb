// tensorcell's per-channel SIMD kernels on wasm (FusedBatchNorm, Relu, and Add/Sub/
// Multiply/RealDiv with a channel vector or a same-shape tensor) against the cpu backend, and which
// shapes take them: the pool's run() is watched, so a case that silently fell
// back to the native kernel fails. Also the copy-free Identity and same-dtype
// Cast, and the Sum/Mean gradient overrides against tfjs's own.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { expectSameBitsAsCpu, expectWasmMatchesCpu, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";
import { backendInfo } from "../../../lib/backend/index.js";
import { meanGradient, reluGradient, reluGradientConfig, sumGradient } from "../../../lib/backend/gradients.js";
import { channelPeriod } from "../../../lib/backend/wasm/kernel-helpers.js";

// Captured before initBackend installs the overrides (vitest runs each file in its own process).
const tfjsSumGradient = tf.getGradient("Sum");
const tfjsReluGradient = tf.getGradient("Relu");
const tfjsMeanGradient = tf.getGradient("Mean");

beforeAll(setUpWasm);
afterEach(() => vi.restoreAllMocks());

/** Positive values in [0.5, 1.5). */
function positive(shape: number[], seed: number): tf.Tensor {
  return tf.add(tf.abs(seeded(shape, seed)), 0.5);
}

describe("per-channel SIMD kernels on wasm", () => {
  it("are tensorcell's kernels (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toEqual(expect.arrayContaining(["FusedBatchNorm", "Relu", "Add", "Sub", "Multiply", "RealDiv", "Identity", "Cast"]));
  });

  it("repeat a channel vector to a multiple of 4 floats, or refuse sizes that are not whole rows", () => {
    expect(channelPeriod(16, 64 * 16)).toBe(16);
    expect(channelPeriod(6, 10 * 6)).toBe(12);
    expect(channelPeriod(3, 8 * 3)).toBe(12);
    expect(channelPeriod(3, 7 * 3)).toBeNull();
  });

  const batchNormCases: { name: string; x: number[]; param: number[]; scaleAndOffset: boolean }[] = [
    { name: "NHWC, 16 channels (ResNet-20 stage 1)", x: [8, 8, 8, 16], param: [16], scaleAndOffset: true },
    { name: "3 channels (period 12), no scale or offset", x: [4, 32, 32, 3], param: [3], scaleAndOffset: false },
    { name: "2-D [batch, features], 6 features", x: [1024, 6], param: [6], scaleAndOffset: true },
    { name: "parameters of rank 4 [1, 1, 1, C]", x: [4, 8, 8, 32], param: [1, 1, 1, 32], scaleAndOffset: true },
  ];
  for (const c of batchNormCases) {
    it(`batch norm, ${c.name}: matches cpu and runs the SIMD kernel`, async () => {
      const compute = () => {
        const [scale, offset] = c.scaleAndOffset ? [positive(c.param, 4), seeded(c.param, 5)] : [undefined, undefined];
        return tf.batchNorm(seeded(c.x, 1), seeded(c.param, 2), positive(c.param, 3), offset, scale, 1e-3);
      };
      await expectWasmMatchesCpu(compute, 1e-5, 1e-6);
      expect(simdKernelsRunBy(compute)).toEqual(["channelAffine"]);
    });
  }

  it("batch norm broadcasts a scalar parameter on the SIMD kernel; a size that is not whole rows uses the native kernel", async () => {
    const scalarMean = () => tf.batchNorm(seeded([4, 8, 8, 16], 1), tf.tensor1d([0.25]), positive([16], 3), seeded([16], 5), positive([16], 4), 1e-3);
    await expectWasmMatchesCpu(scalarMean, 1e-5, 1e-6);
    expect(simdKernelsRunBy(scalarMean)).toEqual(["channelAffine"]);
    const ragged = () => tf.batchNorm(seeded([1, 1, 2047, 3], 1), seeded([3], 2), positive([3], 3));
    await expectWasmMatchesCpu(ragged, 1e-5, 1e-6);
    expect(simdKernelsRunBy(ragged)).toEqual([]);
  });

  const ops = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;
  for (const [name, op] of Object.entries(ops)) {
    for (const vectorShape of [[16], [1, 1, 1, 16]]) {
      it(`${name} of a [4, 8, 8, 16] tensor and a ${JSON.stringify(vectorShape)} vector, either order: the same bits as cpu, on the SIMD kernel`, async () => {
        const compute = () => {
          const full = positive([4, 8, 8, 16], 1);
          const vector = positive(vectorShape, 2);
          return [op(full, vector), op(vector, full)];
        };
        await expectSameBitsAsCpu(compute);
        expect(simdKernelsRunBy(compute)).toEqual(["channelBinary", "channelBinary"]);
      });
    }
  }

  for (const [name, op] of Object.entries(ops)) {
    it(`${name} of two same-shape tensors (a multiple of 4 floats): the same bits as cpu, on the SIMD kernel`, async () => {
      // 24,576 floats: several chunks at 2 threads; values of both signs, and division by numbers near zero.
      const compute = () => op(seeded([8, 24, 32, 4], 1), seeded([8, 24, 32, 4], 2));
      await expectSameBitsAsCpu(compute);
      expect(simdKernelsRunBy(compute)).toEqual(["elementwiseBinary"]);
    });
  }

  it("Relu: the same values as cpu (NaN stays NaN), on the SIMD kernel; Relu's gradient too", async () => {
    const withNaN = () => {
      const values = seeded([64, 16, 16, 2], 3).dataSync().slice();
      values[5] = NaN;
      values[6] = -Infinity;
      values[7] = Infinity;
      return tf.relu(tf.tensor(values, [64, 16, 16, 2]));
    };
    await expectSameBitsAsCpu(withNaN);
    expect(simdKernelsRunBy(withNaN)).toEqual(["relu"]);
    const gradient = () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), seeded([64, 16, 16, 2], 4))))(seeded([64, 16, 16, 2], 5));
    await expectSameBitsAsCpu(gradient);
  });

  it("Relu's gradient is one pass of the SIMD kernel with the bits of tfjs's own gradient (step, multiply) on wasm and cpu, special values included", async () => {
    expect(tfjsReluGradient).toBeDefined();
    const special = [NaN, -0, 0, Infinity, -Infinity, -1e-30, 1e-30, -2.5];
    // Specials every `stride` elements: x's and dy's meet each other and ordinary values.
    const withSpecials = (shape: number[], seed: number, first: number, stride: number) => {
      const values = seeded(shape, seed).dataSync().slice();
      special.forEach((v, i) => { values[first + i * stride] = v; });
      return tf.tensor(values, shape);
    };
    for (const shape of [[64, 16, 16, 2], [3, 5, 7]]) { // on the kernel; under 4096 elements (tfjs's ops)
      const gradient = (config: tf.GradConfig) => {
        tf.registerGradient(config);
        try {
          return tf.tidy(() => Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.relu(x), withSpecials(shape, 4, 1, 3))))(withSpecials(shape, 5, 0, 7)).dataSync()));
        } finally {
          tf.registerGradient(reluGradientConfig);
        }
      };
      for (const backend of ["wasm", "cpu"]) {
        await tf.setBackend(backend);
        expect(gradient(reluGradientConfig), `${backend} ${JSON.stringify(shape)}`).toEqual(gradient(tfjsReluGradient!));
      }
      await tf.setBackend("wasm");
    }
    expect(simdKernelsRunBy(() => reluGradient(seeded([64, 16, 16, 2], 4), seeded([64, 16, 16, 2], 5)))).toEqual(["elementwiseBinary"]);
  });

  it("other broadcasts, small tensors and int32 keep the native kernels", async () => {
    const cases = [
      () => tf.mul(seeded([4, 8, 8, 16], 1), seeded([8, 1, 16], 2)), // not a vector along the last axis
      () => tf.mul(seeded([2, 8, 16], 1), seeded([16], 2)), // 256 elements
      () => tf.add(tf.ones([64, 64, 4], "int32"), tf.tensor1d([1, 2, 3, 4], "int32")),
      () => tf.mul(seeded([4, 8, 8, 16], 1), tf.scalar(3)),
      () => tf.add(seeded([4, 8, 8, 15], 1), seeded([4, 8, 8, 15], 2)), // same shape, not a multiple of 4 floats
      () => tf.relu(seeded([2, 8, 16], 1)), // 256 elements
      () => tf.relu(tf.range(-5000, 5000, 1, "int32")),
    ];
    for (const compute of cases) {
      await expectWasmMatchesCpu(compute, 0, 0);
      expect(simdKernelsRunBy(compute)).toEqual([]);
    }
  });

  it("split rows between threads: a tensor of many rows gives the same bits as cpu", async () => {
    await expectSameBitsAsCpu(() => tf.sub(seeded([16, 32, 32, 16], 7), seeded([16], 8)));
  });
});

describe("copy-free Identity and Cast on wasm", () => {
  it("clone and same-dtype cast share the data, which outlives the original", () => {
    const backend = tf.backend() as BackendWasm;
    const x = seeded([4, 8, 8, 16], 9);
    const expected = Array.from(x.dataSync());
    const before = tf.memory().numDataBuffers;
    const copy = tf.clone(x);
    const cast = tf.cast(x, "float32");
    expect(tf.memory().numDataBuffers).toBe(before);
    expect(backend.refCount(x.dataId)).toBe(3);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual(expected);
    expect(Array.from(cast.dataSync())).toEqual(expected);
    tf.dispose([copy, cast]);
  });

  it("cast to another dtype still converts", () => {
    const x = tf.tensor1d([1.7, -2.2, 0]);
    const asInt = tf.cast(x, "int32");
    expect(asInt.dtype).toBe("int32");
    expect(Array.from(asInt.dataSync())).toEqual([1, -2, 0]);
    tf.dispose([x, asInt]);
  });
});

describe("Sum and Mean gradients (Fill instead of tf.ones) against tfjs's own", () => {
  for (const backend of ["cpu", "wasm"]) {
    it(`give the same bits on ${backend}, for leading, inner and all axes`, async () => {
      expect(tfjsSumGradient).toBeDefined();
      expect(tfjsMeanGradient).toBeDefined();
      await tf.setBackend(backend);
      const cases: [number[], number | number[]][] = [[[4, 6, 6, 16], [0, 1, 2]], [[3, 5, 7], [2]], [[3, 5, 7], [0, 2]], [[6, 10], [0, 1]]];
      try {
        for (const [shape, axis] of cases) {
          const gradient = (sumConfig: tf.GradConfig, meanConfig: tf.GradConfig) => {
            tf.registerGradient(sumConfig);
            tf.registerGradient(meanConfig);
            return tf.tidy(() => {
              const x = seeded(shape, 3);
              const sumWeights = seeded(tf.sum(x, axis).shape, 4);
              const meanWeights = seeded(tf.mean(x, axis).shape, 5);
              const sumGrad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.sum(t, axis), sumWeights)))(x);
              const meanGrad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, axis), meanWeights)))(x);
              return [Array.from(sumGrad.dataSync()), Array.from(meanGrad.dataSync())];
            });
          };
          const theirs = gradient(tfjsSumGradient!, tfjsMeanGradient!);
          const ours = gradient(sumGradient, meanGradient);
          expect(ours, `${JSON.stringify(shape)} over ${JSON.stringify(axis)}`).toEqual(theirs);
        }
      } finally {
        tf.registerGradient(sumGradient);
        tf.registerGradient(meanGradient);
        await tf.setBackend("wasm");
      }
    });
  }
});
