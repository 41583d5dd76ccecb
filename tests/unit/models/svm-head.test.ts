// CNN-SVM: head "svm" on the CNN families (linear scores), models.svmLoss
// (squared hinge on +-1 targets), training on MNIST, and the one-line errors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { data } from "../../../lib/data/index.js";
import { models } from "../../../lib/models/index.js";
import { seed, unseed } from "../../../lib/repro/index.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("CNN-SVM", () => {
  test('head: "svm" ends mnist_cnn, lenet5, simplenet and resnet20 in linear scores, recorded in the metadata', () => {
    const cases: [string, Record<string, unknown>][] = [
      ["mnist_cnn", {}],
      ["lenet5", {}],
      ["simplenet", { scale: 0.1, inputShape: [16, 16, 3] }],
      ["resnet20", { inputShape: [8, 8, 3] }],
    ];
    for (const [name, options] of cases) {
      const net = models.create(name, { ...options, head: "svm" });
      expect(net.layers.at(-1)!.getClassName()).toBe("Dense");
      expect(net.getUserDefinedMetadata()).toMatchObject({ tensorcell: { head: "svm", model: name } });
      const soft = models.create(name, options);
      expect(soft.layers.at(-1)!.getClassName()).toBe("Activation"); // softmax stays the default
      net.dispose();
      soft.dispose();
    }
  });

  test("svmLoss is the summed squared hinge on +-1 targets", () => {
    const labels = tf.tensor2d([[1, 0, 0], [0, 0, 1]]);
    const scores = tf.tensor2d([[2, -1, 0.5], [0.5, -2, 0.25]]);
    // Row 1: t = (1, -1, -1): margins max(0, 1 - 2) = 0, max(0, 1 - 1) = 0, max(0, 1 + 0.5) = 1.5 -> 2.25.
    // Row 2: t = (-1, -1, 1): 1.5^2 + 0 + 0.75^2 = 2.8125.
    expect(Array.from(models.svmLoss(labels, scores).dataSync())).toEqual([2.25, 2.8125]);
    tf.dispose([labels, scores]);
  });

  test("lenet5 with head svm trains on MNIST with svmLoss", async () => {
    // Seeded (initial weights, shuffling): unseeded, this short run ended between 0.48 and 0.78 test accuracy.
    seed(1);
    const train = data.mnist({ split: "train", limit: 512 });
    const test = data.mnist({ split: "test", limit: 256 });
    const net = models.create("lenet5", { inputShape: [28, 28, 1], activation: "relu", head: "svm" });
    net.compile({ optimizer: tf.train.adam(3e-3), loss: models.svmLoss, metrics: ["accuracy"] });
    const targets = train.oneHot();
    const history = await net.fit(train.images, targets, { epochs: 4, batchSize: 32, verbose: 0 });
    const losses = history.history.loss as number[];
    const accuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(net.predict(test.images) as tf.Tensor, -1), test.labels), "float32")).dataSync()[0]);
    console.log(`CNN-SVM lenet5: loss ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)}, test accuracy ${accuracy.toFixed(3)}`);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]);
    expect(accuracy).toBeGreaterThan(0.5); // chance is 0.1
    tf.dispose(targets);
    net.dispose();
    train.dispose();
    test.dispose();
    unseed();
  }, 120_000);

  test("bad inputs give one-line errors", () => {
    expect(() => models.create("mnist_cnn", { head: "rbf" })).toThrow(/^mnist_cnn: option head must be "softmax" or "svm" \(a linear L2-SVM output, train with models\.svmLoss\), got "rbf"\.$/);
    expect(() => models.create("vit_tiny_patch16_224", { head: "svm" })).toThrow(/unknown option "head"/);
    const scores = tf.zeros([2, 10]);
    const ids = tf.tensor1d([1, 2], "int32");
    expect(() => models.svmLoss(ids, scores)).toThrow(/^models\.svmLoss: labels must be one-hot \[n, 10\] like the scores \(use oneHot\(\) \/ tf\.oneHot\), got shape \[2\]\.$/);
    expect(() => models.svmLoss([1] as never, scores)).toThrow(/takes \(yTrue, yPred\) tensors/);
    tf.dispose([scores, ids]);
  });
});
