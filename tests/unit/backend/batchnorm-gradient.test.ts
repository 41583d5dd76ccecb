// The FusedBatchNorm gradient override (broadcasting instead of tfjs-core's
// Tile of 1/sqrt(var) to the activation size) against tfjs's own gradient on
// the cpu backend: dx, dmean, dvariance, dscale, doffset for 2-D/3-D/4-D
// inputs, two varianceEpsilons, and through
// tfjs-layers' BatchNormalization in training and inference mode. Then a small
// BN conv net trains on wasm without a Tile kernel in its step.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { randomValues, seeded, setUpWasm, worstError } from "./helpers.js";
import { fusedBatchNormGradient } from "../../../lib/backend/gradients.js";

// Captured before initBackend installs the override (vitest runs each file in its own process).
const tfjsOwnGradient = tf.getGradient("FusedBatchNorm");

beforeAll(setUpWasm);

type Arrays = { shape: number[]; values: Float32Array }[];

/** Runs `compute` on cpu with the given FusedBatchNorm gradient registered, then restores the override. */
function onCpuWith(gradient: tf.GradConfig, compute: () => tf.Tensor[]): Arrays {
  const previous = tf.getBackend();
  tf.setBackend("cpu");
  tf.registerGradient(gradient);
  try {
    const outputs = tf.tidy(compute);
    const arrays = outputs.map((t) => ({ shape: t.shape, values: Float32Array.from(t.dataSync()) }));
    tf.dispose(outputs);
    return arrays;
  } finally {
    tf.registerGradient(fusedBatchNormGradient);
    tf.setBackend(previous);
  }
}

/** Expects the override's outputs to equal tfjs's own within rtol (plus atol relative to each output's scale). */
function expectSameAsTfjs(compute: () => tf.Tensor[], rtol = 1e-4, atolScale = 1e-5): void {
  expect(tfjsOwnGradient).toBeDefined();
  expect(tfjsOwnGradient).not.toBe(fusedBatchNormGradient);
  const reference = onCpuWith(tfjsOwnGradient!, compute);
  const ours = onCpuWith(fusedBatchNormGradient, compute);
  expect(ours.length).toBe(reference.length);
  reference.forEach((expected, i) => {
    expect(ours[i].shape, `output ${i} shape`).toEqual(expected.shape);
    const scale = expected.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale, `output ${i} is all zeros: the case checks nothing`).toBeGreaterThan(0);
    expect(worstError(ours[i].values, expected.values, rtol, atolScale * scale + 1e-7), `output ${i}: worst error ratio`).toBeLessThanOrEqual(1);
  });
}

/** Positive variances in [0.5, 1.5). */
function positive(shape: number[], seed: number): tf.Tensor {
  return tf.add(tf.abs(seeded(shape, seed)), 0.5);
}

describe("FusedBatchNorm gradient override against tfjs's own (cpu)", () => {
  const cases: { name: string; x: number[]; param: number[] }[] = [
    { name: "NHWC 4-D, per-channel parameters", x: [3, 4, 5, 6], param: [6] },
    { name: "2-D [batch, features]", x: [7, 5], param: [5] },
    { name: "3-D [batch, steps, features]", x: [2, 3, 4], param: [4] },
    { name: "4-D, parameters of the full shape (as LayerNormalization tiles them)", x: [2, 3, 2, 4], param: [2, 3, 2, 4] },
  ];
  for (const { name, x: xShape, param } of cases) {
    for (const epsilon of [1e-3, 0.1]) {
      // Scale and offset are always given: tfjs 4.22 cannot differentiate tf.batchNorm without
      // either (whichever gradient is registered, the tape and the input saving trip on the missing input).
      it(`${name}, varianceEpsilon ${epsilon}: dx, dmean, dvariance, dscale, doffset`, () => {
        expectSameAsTfjs(() => {
          const inputs = [seeded(xShape, 1), seeded(param, 2), positive(param, 3), tf.add(seeded(param, 4), 1.5), seeded(param, 5)];
          const upstream = seeded(xShape, 6);
          return tf.grads((x, mean, variance, scale, offset) => tf.sum(tf.mul(tf.batchNorm(x, mean, variance, offset, scale, epsilon), upstream)))(inputs);
        });
      });
    }
  }

  it("parameters broadcast as [1,1,1,C] give the per-channel gradients reshaped (tfjs's own cannot reduce them)", () => {
    const [shaped, perChannel] = [[1, 1, 1, 6], [6]].map((param) => onCpuWith(fusedBatchNormGradient, () => {
      const inputs = [seeded([3, 4, 5, 6], 1), seeded([6], 2), positive([6], 3), tf.add(seeded([6], 4), 1.5), seeded([6], 5)];
      const upstream = seeded([3, 4, 5, 6], 6);
      return tf.grads((x, m, v, s, o) => tf.sum(tf.mul(tf.batchNorm(x, m.reshape(param), v.reshape(param), o.reshape(param), s.reshape(param), 1e-3), upstream)))(inputs);
    }));
    const reference = onCpuWith(tfjsOwnGradient!, () => {
      const inputs = [seeded([3, 4, 5, 6], 1), seeded([6], 2), positive([6], 3), tf.add(seeded([6], 4), 1.5), seeded([6], 5)];
      const upstream = seeded([3, 4, 5, 6], 6);
      return tf.grads((x, m, v, s, o) => tf.sum(tf.mul(tf.batchNorm(x, m, v, o, s, 1e-3), upstream)))(inputs);
    });
    [shaped, perChannel].forEach((result) => reference.forEach((expected, i) => {
      expect(worstError(result[i].values, expected.values, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
    }));
  });

  it("parameters of different broadcast shapes match the elementwise formula's autodiff", () => {
    const compute = (useKernel: boolean) => onCpuWith(fusedBatchNormGradient, () => {
      const inputs = [seeded([2, 3, 4, 5], 1), seeded([1, 1, 1, 5], 2), positive([1, 1, 4, 5], 3), tf.add(seeded([1, 3, 1, 5], 4), 1.5), seeded([1, 1, 1, 5], 5)];
      const upstream = seeded([2, 3, 4, 5], 6);
      return tf.grads((x, m, v, s, o) => {
        const y = useKernel
          ? tf.batchNorm(x, m, v, o, s, 0.01)
          : tf.add(tf.mul(tf.mul(tf.sub(x, m), tf.rsqrt(tf.add(v, 0.01))), s), o);
        return tf.sum(tf.mul(y, upstream));
      })(inputs);
    });
    const ours = compute(true);
    const formula = compute(false);
    formula.forEach((expected, i) => {
      expect(ours[i].shape).toEqual(expected.shape);
      expect(worstError(ours[i].values, expected.values, 1e-4, 1e-5), `input ${i}`).toBeLessThanOrEqual(1);
    });
  });

  for (const training of [true, false]) {
    it(`tfjs-layers BatchNormalization in ${training ? "training" : "inference"} mode: dx, dgamma, dbeta`, () => {
      for (const inputShape of [[3, 4, 4, 5], [6, 5]]) {
        const layer = tf.layers.batchNormalization({ epsilon: 1e-3 });
        layer.build(inputShape);
        const channels = inputShape[inputShape.length - 1];
        const weights = () => [tf.add(seeded([channels], 7), 1.5), seeded([channels], 8), seeded([channels], 9), positive([channels], 10)];
        expectSameAsTfjs(() => {
          layer.setWeights(weights()); // gamma, beta, moving mean, moving variance (training mode updates the moving ones)
          const x = seeded(inputShape, 11);
          const upstream = seeded(inputShape, 12);
          const [gamma, beta] = layer.trainableWeights.map((w) => w.read());
          const loss = (input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training }) as tf.Tensor, upstream)) as tf.Scalar;
          const { grads } = tf.variableGrads(() => loss(x), [gamma, beta] as tf.Variable[]);
          const dx = tf.grad(loss)(x);
          return [dx, grads[(gamma as tf.Variable).name], grads[(beta as tf.Variable).name]];
        });
        tf.dispose(layer.weights.map((w) => w.read()));
      }
    });
  }
});

describe("FusedBatchNorm gradient override on wasm", () => {
  it("is the registered FusedBatchNorm gradient and leaves no tensors behind", () => {
    expect(tf.getBackend()).toBe("wasm");
    expect(tf.getGradient("FusedBatchNorm")).toBe(fusedBatchNormGradient);
    const inputs = [seeded([2, 3, 3, 4], 1), seeded([4], 2), positive([4], 3), seeded([4], 4), seeded([4], 5)];
    const before = tf.memory().numTensors;
    const grads = tf.grads((x, m, v, s, o) => tf.sum(tf.batchNorm(x, m, v, o, s)))(inputs);
    expect(tf.memory().numTensors).toBe(before + grads.length);
    tf.dispose([...grads, ...inputs]);
  });

  it("a small BatchNorm conv net trains (loss falls) and its step runs no Tile kernel", async () => {
    expect(tf.getBackend()).toBe("wasm");
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 6, kernelSize: 3, padding: "same", useBias: false }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.activation({ activation: "relu" }));
    model.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same", useBias: false }));
    model.add(tf.layers.batchNormalization());
    model.add(tf.layers.activation({ activation: "relu" }));
    model.add(tf.layers.globalAveragePooling2d({}));
    model.add(tf.layers.dense({ units: 2, activation: "softmax" }));
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
    // Two separable classes: a bright top half or a bright bottom half, plus noise.
    const count = 32;
    const labels = Array.from({ length: count }, (_, i) => i % 2);
    const noise = randomValues(count * 64, 21);
    const pixels = new Float32Array(count * 64);
    labels.forEach((label, n) => {
      for (let p = 0; p < 64; p++) pixels[n * 64 + p] = 0.3 * noise[n * 64 + p] + ((p < 32) === (label === 0) ? 1 : 0);
    });
    const x = tf.tensor4d(pixels, [count, 8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), 2);
    const losses: number[] = [];
    const profile = await tf.profile(async () => { losses.push(Number(await model.trainOnBatch(x, y))); });
    expect(profile.kernelNames).toContain("FusedBatchNorm");
    expect(profile.kernelNames).not.toContain("Tile");
    for (let step = 0; step < 30; step++) losses.push(Number(await model.trainOnBatch(x, y)));
    const firstFive = losses.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
    const lastFive = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
    expect(lastFive).toBeLessThan(0.5 * firstFive);
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});
