/**
 * The layers IBN-Net and UniRepLKNet add (InstanceNorm, GlobalResponseNorm,
 * DilatedDepthwiseConv2D) against hand-computed values, their gradients, and
 * their serialization.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { DilatedDepthwiseConv2D, GlobalResponseNorm, InstanceNorm } from "../../../lib/layers/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
}

describe("InstanceNorm", () => {
  test("normalises each sample's channel over height and width (eps 1e-5), then gamma and beta", () => {
    const layer = new InstanceNorm();
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [2, 2, 1, 2]); // sample 0: channel 0 = [1, 2], channel 1 = [10, 20]
    const y = layer.apply(x) as tf.Tensor;
    const s = 1 / Math.sqrt(0.25 + 1e-5);
    const s1 = 1 / Math.sqrt(25 + 1e-5);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([-0.5 * s, -5 * s1, 0.5 * s, 5 * s1][i % 4], 5));
    layer.setWeights([tf.tensor1d([2, 1]), tf.tensor1d([1, 0])]);
    const scaled = (layer.apply(x) as tf.Tensor).dataSync();
    expect(scaled[0]).toBeCloseTo(-s + 1, 5);
    expect(layer.countParams()).toBe(4);
  });

  test("rejects inputs that are not NHWC maps", () => {
    expect(() => new InstanceNorm().apply(tf.zeros([2, 3]))).toThrow("InstanceNorm expects NHWC feature maps (rank 4), got shape [2, 3].");
  });
});

describe("GlobalResponseNorm", () => {
  test("y = (gamma * Gx / (mean_c Gx + 1e-6) + 1) * x + beta, Gx the L2 norm over height and width", () => {
    const layer = new GlobalResponseNorm();
    const x = tf.tensor4d([3, 1, 4, 1], [1, 2, 1, 2]); // channel 0 = [3, 4] (norm 5), channel 1 = [1, 1] (norm sqrt 2)
    layer.apply(x);
    layer.setWeights([tf.tensor1d([0.5, 2]), tf.tensor1d([0.1, -0.1])]);
    const mean = (5 + Math.SQRT2) / 2;
    const n = [5 / (mean + 1e-6), Math.SQRT2 / (mean + 1e-6)];
    const expected = [3 * (0.5 * n[0] + 1) + 0.1, 1 * (2 * n[1] + 1) - 0.1, 4 * (0.5 * n[0] + 1) + 0.1, 1 * (2 * n[1] + 1) - 0.1];
    Array.from((layer.apply(x) as tf.Tensor).dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(layer.countParams()).toBe(4);
  });

  test("starts as the identity; without bias it has one weight per channel", () => {
    const x = tf.randomNormal([2, 3, 3, 4]);
    expect(maxDiff(new GlobalResponseNorm().apply(x) as tf.Tensor, x)).toBe(0);
    const noBias = new GlobalResponseNorm({ useBias: false });
    noBias.apply(x);
    expect(noBias.countParams()).toBe(4);
  });
});

describe("DilatedDepthwiseConv2D", () => {
  test.each([[3, 2], [3, 5], [5, 2], [7, 1]])("k=%i r=%i equals tfjs's dilated depthwise conv op with padding r(k-1)/2", (k, r) => {
    const layer = new DilatedDepthwiseConv2D({ kernelSize: k, dilation: r, useBias: true });
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, "float32", 1);
    layer.apply(x);
    const [kernel] = layer.getWeights();
    layer.setWeights([kernel, tf.tensor1d([0.5, -1, 2])]);
    const expected = tf.add(tf.depthwiseConv2d(x as tf.Tensor4D, kernel as tf.Tensor4D, 1, "same", "NHWC", r), tf.tensor1d([0.5, -1, 2]));
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 9, 9, 3]);
    expect(maxDiff(y, expected)).toBeLessThan(1e-5);
  });

  test("has gradients (tfjs-core has none for dilated depthwise convolutions) that match finite differences", () => {
    const layer = new DilatedDepthwiseConv2D({ kernelSize: 3, dilation: 2 });
    const x = tf.randomNormal([1, 6, 6, 2], 0, 1, "float32", 2);
    layer.apply(x);
    const [kernel] = layer.getWeights();
    const loss = (w: tf.Tensor) => {
      layer.setWeights([w]);
      return tf.sum(tf.square(layer.apply(x) as tf.Tensor));
    };
    const { grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar);
    const analytic = grads[layer.trainableWeights[0].name].dataSync();
    const base = kernel.dataSync();
    for (const index of [0, 4, 9, 17]) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[index] += 1e-2;
      minus[index] -= 1e-2;
      const numeric = (loss(tf.tensor(plus, kernel.shape)).dataSync()[0] - loss(tf.tensor(minus, kernel.shape)).dataSync()[0]) / 2e-2;
      expect(analytic[index]).toBeCloseTo(numeric, 1);
    }
  });

  test("bad settings are one-line errors", () => {
    expect(() => new DilatedDepthwiseConv2D({ kernelSize: 4, dilation: 2 })).toThrow(
      "DilatedDepthwiseConv2D needs an odd kernelSize and an integer dilation >= 1, got kernelSize 4, dilation 2.",
    );
  });
});

describe("serialization", () => {
  test.each([
    ["InstanceNorm", () => new InstanceNorm({ epsilon: 1e-3 }), { epsilon: 1e-3 }],
    ["GlobalResponseNorm", () => new GlobalResponseNorm({ useBias: false }), { useBias: false }],
    ["DilatedDepthwiseConv2D", () => new DilatedDepthwiseConv2D({ kernelSize: 3, dilation: 2, useBias: true }), { kernelSize: 3, dilation: 2, useBias: true }],
  ] as const)("%s rebuilds from its JSON config with its settings and the same output", async (className, make, settings) => {
    const input = tf.input({ shape: [5, 5, 3] });
    const model = tf.model({ inputs: input, outputs: make().apply(input) as tf.SymbolicTensor });
    const text = JSON.stringify(model.toJSON(undefined, false));
    expect(text).toContain(`"class_name":"${className}"`);
    const rebuilt = await tf.models.modelFromJSON({ modelTopology: JSON.parse(text) });
    expect(rebuilt.layers[1].getConfig()).toMatchObject(settings);
    rebuilt.setWeights(model.getWeights().map((w) => tf.randomNormal(w.shape)));
    model.setWeights(rebuilt.getWeights());
    const x = tf.randomNormal([2, 5, 5, 3]);
    expect(maxDiff(rebuilt.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor)).toBeLessThan(1e-6);
  });
});
