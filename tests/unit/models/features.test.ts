/** models.features: default stage outputs named as timm, explicit layers, real activations, clear errors. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { models } from "../../../lib/models/index.js";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "tensorcell-features-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("models.features", () => {
  test("resnet20: act1 and layer1..layer3 by default, with the stage shapes", () => {
    const net = models.create("resnet20", { inputShape: [16, 16, 3], headActivation: "linear" });
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, "float32", 3);
    const maps = models.features(net, x);
    expect(Object.keys(maps)).toEqual(["act1", "layer1", "layer2", "layer3"]);
    expect(maps.act1.shape).toEqual([2, 16, 16, 16]);
    expect(maps.layer1.shape).toEqual([2, 16, 16, 16]);
    expect(maps.layer2.shape).toEqual([2, 8, 8, 32]);
    expect(maps.layer3.shape).toEqual([2, 4, 4, 64]);
    // The last stage really is what the head sees: logits = mean_hw(layer3) . W + b.
    const [kernel, bias] = net.getLayer("fc").getWeights();
    const expected = tf.add(tf.matMul(maps.layer3.mean([1, 2]), kernel), bias);
    const logits = net.predict(x) as tf.Tensor;
    const diff = tf.max(tf.abs(tf.sub(expected, logits))).dataSync()[0];
    expect(diff).toBeLessThan(1e-4);
    tf.dispose([x, expected, logits, ...Object.values(maps)]);
    net.dispose();
  });

  test("convnext: stages.0..stages.3 at strides 4, 8, 16, 32", () => {
    const net = models.create("convnext_atto", { inputShape: [64, 64, 3], numClasses: 2 });
    const maps = models.features(net, tf.zeros([1, 64, 64, 3]));
    expect(Object.fromEntries(Object.entries(maps).map(([k, v]) => [k, v.shape]))).toEqual({
      "stages.0": [1, 16, 16, 40],
      "stages.1": [1, 8, 8, 80],
      "stages.2": [1, 4, 4, 160],
      "stages.3": [1, 2, 2, 320],
    });
    tf.dispose(Object.values(maps));
    net.dispose();
  });

  test("inception_next, lenet5, mnist_cnn and simplenet have their stage points", () => {
    const expectations: [string, number[], string[]][] = [
      ["inception_next_atto", [32, 32, 3], ["stages.0", "stages.1", "stages.2", "stages.3"]],
      ["lenet5", [32, 32, 1], ["S2", "S4"]],
      ["mnist_cnn", [28, 28, 1], ["pool1", "pool2"]],
      ["simplenet", [8, 8, 3], ["pool1", "pool2", "pool3", "pool4"]],
    ];
    for (const [name, shape, keys] of expectations) {
      const net = models.create(name, { inputShape: shape });
      const maps = models.features(net, tf.zeros([1, ...shape]));
      expect(Object.keys(maps), name).toEqual(keys);
      tf.dispose(Object.values(maps));
      net.dispose();
    }
  });

  test("layers picks feature names, layer names and (negative) indices", () => {
    const net = models.create("mnist_cnn");
    const x = tf.ones([1, 28, 28, 1]);
    const maps = models.features(net, x, { layers: ["pool2", "conv1", -1, 0] });
    expect(Object.keys(maps)).toEqual(["pool2", "conv1", "head.softmax", "images"]);
    expect(maps.conv1.shape).toEqual([1, 26, 26, 32]);
    expect(maps["head.softmax"].shape).toEqual([1, 10]);
    const prediction = net.predict(x) as tf.Tensor;
    expect(Array.from(maps["head.softmax"].dataSync())).toEqual(Array.from(prediction.dataSync()));
    tf.dispose([x, prediction, ...Object.values(maps)]);
    net.dispose();
  });

  test("feature points survive save/load", async () => {
    const net = models.create("resnet20", { inputShape: [8, 8, 3] });
    await models.save(net, join(root, "r20"));
    const loaded = await models.load(join(root, "r20"));
    const maps = models.features(loaded, tf.zeros([1, 8, 8, 3]));
    expect(Object.keys(maps)).toEqual(["act1", "layer1", "layer2", "layer3"]);
    tf.dispose(Object.values(maps));
    net.dispose();
    loaded.dispose();
  });

  test("unknown names and bad indices give one-line errors", () => {
    const net = models.create("resnet20", { inputShape: [8, 8, 3] });
    const x = tf.zeros([1, 8, 8, 3]);
    expect(() => models.features(net, x, { layers: ["layer4"] })).toThrow(/no layer or feature named "layer4"; try "layer1"/);
    expect(() => models.features(net, x, { layers: [999] })).toThrow(/layer index 999 is out of range; the model has \d+ layers/);
    expect(() => models.features(net, x, { layers: [] })).toThrow(/non-empty list/);
    net.dispose();
  });
});
