/** The custom CNN layers against hand-computed values, their gradients, and their serialization. */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { ChannelLayerNorm, ChannelSlice, DropPath, LayerScale, ZeroPadShortcut } from "../../../lib/layers/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function close(actual: tf.Tensor, expected: number[], digits = 5): void {
  const values = Array.from(actual.dataSync());
  expect(values.length).toBe(expected.length);
  values.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
}

/** Wraps a layer in a one-layer model, serializes its topology to JSON text and rebuilds it from that. */
async function roundTrip(layer: tf.layers.Layer, inputShape: number[]): Promise<[tf.LayersModel, tf.LayersModel, string]> {
  const input = tf.input({ shape: inputShape });
  const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
  const text = JSON.stringify(model.toJSON(undefined, false));
  const rebuilt = await tf.models.modelFromJSON({ modelTopology: JSON.parse(text) });
  return [model, rebuilt, text];
}

describe("LayerScale", () => {
  test("multiplies each channel by gamma (initialised to initValue) and learns it", () => {
    const layer = new LayerScale({ initValue: 0.5 });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]);
    close(layer.apply(x) as tf.Tensor, [0.5, 1, 1.5, 2, 2.5, 3]);
    expect(layer.trainableWeights.map((w) => w.shape)).toEqual([[3]]);
    const grads = tf.variableGrads(() => (layer.apply(x) as tf.Tensor).sum() as tf.Scalar);
    close(Object.values(grads.grads)[0], [5, 7, 9]); // d/dgamma_c = sum over positions of x_c
  });
});

describe("ChannelLayerNorm", () => {
  test("normalises over the last axis with eps 1e-6 by default, like tfjs LayerNormalization", () => {
    const x = tf.tensor3d([1, 2, 3, 4, 10, 0, -10, 5], [1, 2, 4]);
    const ours = new ChannelLayerNorm().apply(x) as tf.Tensor;
    // row [1,2,3,4]: mean 2.5, var 1.25
    const s = Math.sqrt(1.25 + 1e-6);
    close(ours.slice([0, 0, 0], [1, 1, 4]), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
    const reference = tf.layers.layerNormalization({ axis: -1, epsilon: 1e-6 }).apply(x) as tf.Tensor;
    close(ours, Array.from(reference.dataSync()), 4);
  });

  test("has 2 x channels parameters with the right gradients", () => {
    const layer = new ChannelLayerNorm({ epsilon: 1e-5 });
    const x = tf.randomNormal([2, 3, 3, 4], 0, 1, "float32", 11);
    layer.apply(x); // builds the weights outside the gradient scope
    const channelWeight = tf.range(0, 4); // loss = sum over positions of y_c * c
    const { grads } = tf.variableGrads(() => (layer.apply(x) as tf.Tensor).mul(channelWeight).sum() as tf.Scalar);
    expect(layer.trainableWeights.map((w) => w.shape)).toEqual([[4], [4]]);
    const [gamma, beta] = layer.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name]!);
    // y = gamma * xhat + beta: dL/dbeta_c = c * 18 positions; dL/dgamma_c = c * sum of xhat_c.
    close(beta, [0, 18, 36, 54], 4);
    const { mean, variance } = tf.moments(x, -1, true);
    const xhat = x.sub(mean).div(variance.add(1e-5).sqrt());
    close(gamma, Array.from(xhat.sum([0, 1, 2]).mul(channelWeight).dataSync()), 3);
  });
});

describe("ZeroPadShortcut (ResNet option A)", () => {
  test("takes every second pixel and zero-pads channels evenly", () => {
    // 1 x 3 x 3 x 2 input: value = 10 * row + col, channel 1 negated.
    const values: number[] = [];
    for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) values.push(10 * r + c, -(10 * r + c));
    const x = tf.tensor4d(values, [1, 3, 3, 2]);
    const y = new ZeroPadShortcut({ outChannels: 4 }).apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 2, 2, 4]);
    // pixels (0,0), (0,2), (2,0), (2,2); channels [0, x, -x, 0]
    close(y, [0, 0, -0, 0, 0, 2, -2, 0, 0, 20, -20, 0, 0, 22, -22, 0]);
  });

  test("passes gradients to the kept pixels only", () => {
    const x = tf.ones([1, 4, 4, 1]);
    const layer = new ZeroPadShortcut({ outChannels: 3 });
    const [dx] = tf.grads((a: tf.Tensor) => (layer.apply(a) as tf.Tensor).sum())([x]);
    close(dx, [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
  });
});

describe("ChannelSlice", () => {
  test("selects channels [start, start + size)", () => {
    const x = tf.tensor4d([0, 1, 2, 3, 4, 5, 6, 7], [1, 1, 2, 4]);
    close(new ChannelSlice({ start: 1, size: 2 }).apply(x) as tf.Tensor, [1, 2, 5, 6]);
    expect(() => new ChannelSlice({ start: 3, size: 2 }).apply(tf.input({ shape: [2, 2, 4] }))).toThrow(/outside the 4 input channels/);
  });
});

describe("DropPath", () => {
  test("is the identity at inference and drops whole samples in training, rescaling the rest", () => {
    const layer = new DropPath({ rate: 0.5 });
    const x = tf.ones([64, 2, 2, 3]);
    close(layer.apply(x) as tf.Tensor, Array(64 * 12).fill(1));
    const trained = (layer.apply(x, { training: true }) as tf.Tensor).reshape([64, 12]);
    const rows = trained.arraySync() as number[][];
    for (const row of rows) expect(new Set(row).size).toBe(1); // one decision per sample
    const kept = rows.filter((row) => row[0] === 2).length;
    expect(rows.every((row) => row[0] === 0 || row[0] === 2)).toBe(true);
    expect(kept).toBeGreaterThan(10);
    expect(kept).toBeLessThan(54);
    expect(() => new DropPath({ rate: 1 })).toThrow(/\[0, 1\)/);
  });
});

describe("serialization", () => {
  test.each([
    ["LayerScale", () => new LayerScale({ initValue: 0.25 }), [2, 2, 3], { initValue: 0.25 }],
    ["ChannelLayerNorm", () => new ChannelLayerNorm({ epsilon: 1e-4 }), [2, 2, 3], { epsilon: 1e-4 }],
    ["ZeroPadShortcut", () => new ZeroPadShortcut({ outChannels: 5, stride: 2 }), [4, 4, 3], { outChannels: 5, stride: 2 }],
    ["ChannelSlice", () => new ChannelSlice({ start: 1, size: 2 }), [2, 2, 3], { start: 1, size: 2 }],
    ["DropPath", () => new DropPath({ rate: 0.2 }), [2, 2, 3], { rate: 0.2 }],
  ] as const)("%s rebuilds from its JSON config with its settings and the same output", async (className, make, shape, settings) => {
    const [model, rebuilt, text] = await roundTrip(make(), [...shape]);
    expect(text).toContain(`"class_name":"${className}"`);
    expect(rebuilt.layers[1].getClassName()).toBe(className);
    expect(rebuilt.layers[1].getConfig()).toMatchObject(settings); // a setting lost in toJSON/fromConfig shows here
    if (className === "LayerScale") close(rebuilt.layers[1].getWeights()[0]!, [0.25, 0.25, 0.25]); // initialised from the rebuilt initValue
    rebuilt.setWeights(model.getWeights());
    const x = tf.randomNormal([2, ...shape]);
    close(rebuilt.predict(x) as tf.Tensor, Array.from((model.predict(x) as tf.Tensor).dataSync()));
  });
});
