// data.rotations (RotNet's pretext task) and models.linearProbe (linear
// evaluation of frozen features), with their one-line errors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { data } from "../../../lib/data/index.js";
import { models } from "../../../lib/models/index.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("data.rotations", () => {
  test("four copies rotated by 0, 90, 180, 270 degrees counter-clockwise, labelled 0-3", () => {
    // Two 2x2 single-channel images: [[1, 2], [3, 4]] and [[5, 6], [7, 8]].
    const images = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    const rot = data.rotations(images);
    expect(rot.images.shape).toEqual([8, 2, 2, 1]);
    expect(Array.from(rot.labels.dataSync())).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    const grid = (i: number) => Array.from(rot.images.slice(i, 1).dataSync());
    expect(grid(0)).toEqual([1, 2, 3, 4]);
    expect(grid(2)).toEqual([2, 4, 1, 3]); // numpy.rot90([[1, 2], [3, 4]])
    expect(grid(4)).toEqual([4, 3, 2, 1]);
    expect(grid(6)).toEqual([3, 1, 4, 2]);
    expect(grid(3)).toEqual([6, 8, 5, 7]);
    const hot = rot.oneHot();
    expect(hot.shape).toEqual([8, 4]);
    tf.dispose([images, hot]);
    rot.dispose();
  });

  test("non-square or unbatched images give one-line errors", () => {
    const wide = tf.zeros([2, 4, 6, 1]);
    expect(() => data.rotations(wide)).toThrow(/^data\.rotations: images must be square to rotate by 90 degrees, got 4x6; crop or resize them first/);
    const flat = tf.zeros([2, 4, 4]);
    expect(() => data.rotations(flat)).toThrow(/4-D batch \[n, height, width, channels\], got shape \[2, 4, 4\]\. Add the channel axis/);
    expect(() => data.rotations([1, 2] as never)).toThrow(/must be a tensor/);
    tf.dispose([wide, flat]);
  });
});

describe("models.linearProbe", () => {
  test("trains a linear classifier on frozen features and leaves the network's weights alone", async () => {
    const train = data.mnist({ split: "train", limit: 400 });
    const test = data.mnist({ split: "test", limit: 200 });
    const net = models.create("lenet5", { inputShape: [28, 28, 1] });
    const before = net.getWeights().map((w) => Array.from(w.dataSync()));
    const result = await models.linearProbe(net, { layer: "S4", train: { x: train.images, y: train.labels }, test: { x: test.images, y: test.labels }, epochs: 20 });
    console.log(`linear probe on random lenet5 S4 features: test ${result.accuracy.toFixed(3)}, train ${result.trainAccuracy.toFixed(3)}`);
    expect(result.featureSize).toBe(4 * 4 * 16);
    expect(result.accuracy).toBeGreaterThan(0.5); // chance is 0.1
    expect(result.probe.outputs[0].shape).toEqual([null, 10]);
    expect(net.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    result.probe.dispose();
    net.dispose();
    train.dispose();
    test.dispose();
  }, 120_000);

  test("bad inputs give one-line errors", async () => {
    const net = models.create("lenet5", { inputShape: [28, 28, 1] });
    const x = tf.zeros([4, 28, 28, 1]);
    const y = tf.tensor1d([0, 1, 2, 3], "int32");
    const split = { x, y };
    await expect(models.linearProbe(net, { train: split, test: split } as never)).rejects.toThrow(/say which frozen layer to probe, e\.g\. \{ layer: "pool2" \}/);
    await expect(models.linearProbe(net, { layer: "S4", train: { x, y: y.slice(0, 3) }, test: split })).rejects.toThrow(/train\.x has 4 examples but train\.y has 3 labels/);
    await expect(models.linearProbe(net, { layer: "S4", train: split } as never)).rejects.toThrow(/test must be \{ x: inputs, y: labels \} tensors/);
    await expect(models.linearProbe(net, { layer: "S9", train: split, test: split })).rejects.toThrow(/no layer or feature named "S9"/);
    await expect(models.linearProbe(net, { layer: "S4", train: split, test: split, epochs: 0 })).rejects.toThrow(/epochs must be a positive integer/);
    tf.dispose([x, y]);
    net.dispose();
  });
});
