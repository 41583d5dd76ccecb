/**
 * Every CNN family builds, runs forward, lowers its loss with a few gradient
 * steps on a tiny batch, and round-trips through models.save / models.load
 * with identical predictions.
 *
 * The cpu backend (pure JS, ~1.5 GFLOP/s on a shared machine) cannot train the
 * full-width ImageNet variants in seconds, so training uses the families' own
 * builders with narrow configs (the same blocks, layers and custom layers), and
 * the named full-size variants run forward at their smallest accepted input.
 * Their exact architecture is checked by param-counts.test.ts. The narrow
 * ImageNet-stem ResNets use three stages so the last BatchNorm still sees a
 * 2x2 map: with 3 samples at 1x1 its batch statistics make the loss jump about.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildConvNeXt } from "../../../lib/models/convnext.js";
import { buildInceptionNeXt } from "../../../lib/models/inception_next.js";
import { models } from "../../../lib/models/index.js";
import type { ResolvedModelOptions } from "../../../lib/models/options.js";
import { buildResNet } from "../../../lib/models/resnet.js";

let root: string;
beforeAll(async () => {
  await tf.setBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "tensorcell-cnn-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const NUM_CLASSES = 3;

interface TrainingCase {
  label: string;
  build: () => tf.LayersModel;
  inputShape: number[];
}

const small = (inputShape: number[]): ResolvedModelOptions => ({ inputShape, numClasses: NUM_CLASSES });

const trainingCases: TrainingCase[] = [
  { label: "lenet5 (default 32x32x1)", inputShape: [32, 32, 1], build: () => models.create("lenet5", { numClasses: NUM_CLASSES }) },
  { label: "mnist_cnn (16x16x1)", inputShape: [16, 16, 1], build: () => models.create("mnist_cnn", { inputShape: [16, 16, 1], numClasses: NUM_CLASSES }) },
  { label: "simplenet (scale 1/8)", inputShape: [8, 8, 3], build: () => models.create("simplenet", { scale: 0.125, inputShape: [8, 8, 3], numClasses: NUM_CLASSES }) },
  { label: "resnet20 (CIFAR, option A)", inputShape: [8, 8, 3], build: () => models.create("resnet20", { inputShape: [8, 8, 3], numClasses: NUM_CLASSES }) },
  {
    label: "resnet basic blocks, ImageNet stem (narrow)",
    inputShape: [32, 32, 3],
    build: () => buildResNet({ block: "basic", depths: [1, 1, 1], widths: [8, 8, 16], stem: "imagenet" }, small([32, 32, 3]), "resnet_basic_narrow"),
  },
  {
    label: "resnet bottleneck blocks (narrow)",
    inputShape: [32, 32, 3],
    build: () => buildResNet({ block: "bottleneck", depths: [1, 1, 1], widths: [4, 8, 8], stem: "imagenet" }, small([32, 32, 3]), "resnet_bottleneck_narrow"),
  },
  {
    label: "convnext (narrow, drop path on)",
    inputShape: [32, 32, 3],
    build: () => buildConvNeXt({ depths: [1, 1, 2, 1], dims: [8, 8, 16, 16] }, { ...small([32, 32, 3]), dropPathRate: 0.1 }, "convnext_narrow"),
  },
  {
    label: "inception_next (narrow)",
    inputShape: [32, 32, 3],
    build: () =>
      buildInceptionNeXt(
        { depths: [1, 1, 1, 1], dims: [16, 16, 32, 32], bandKernelSize: 5, branchRatio: 0.25, mlpRatios: [2, 2, 2, 2] },
        small([32, 32, 3]),
        "inception_next_narrow",
      ),
  },
];

describe("training and save/load", () => {
  test.each(trainingCases)("$label: forward, loss goes down, save/load round-trips", async ({ build, inputShape }) => {
    const model = build();
    const x = tf.randomNormal([NUM_CLASSES, ...inputShape], 0, 1, "float32", 7);
    const y = tf.oneHot(tf.range(0, NUM_CLASSES, 1, "int32"), NUM_CLASSES);
    const probabilities = model.predict(x) as tf.Tensor;
    expect(probabilities.shape).toEqual([NUM_CLASSES, NUM_CLASSES]);
    const rowSums = Array.from(probabilities.sum(1).dataSync());
    rowSums.forEach((s) => expect(s).toBeCloseTo(1, 4));

    model.compile({ optimizer: tf.train.adam(0.001), loss: "categoricalCrossentropy" });
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) losses.push((await model.trainOnBatch(x, y)) as number);
    losses.forEach((loss) => expect(Number.isFinite(loss)).toBe(true));
    expect(losses.at(-1)!).toBeLessThan(losses[0]);

    const dir = join(root, model.name);
    await models.save(model, dir);
    const loaded = await models.load(dir);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    const after = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    tf.dispose([x, y, probabilities]);
    model.dispose();
    loaded.dispose();
  });
});

describe("named full-size variants run forward", () => {
  const forwardCases: [string, number[]][] = [
    ["resnet18", [32, 32, 3]],
    ["resnet34", [32, 32, 3]],
    ["resnet50", [32, 32, 3]],
    ["resnet32", [8, 8, 3]],
    ["resnet56", [8, 8, 3]],
    ["simplenet", [8, 8, 3]],
    ["convnext_atto", [32, 32, 3]],
    ["convnext_femto", [32, 32, 3]],
    ["inception_next_atto", [32, 32, 3]],
    ["inception_next_tiny", [32, 32, 3]],
  ];
  test.each(forwardCases)("%s on %j", (name, inputShape) => {
    const model = models.create(name, { inputShape, numClasses: 5 });
    const output = model.predict(tf.randomUniform([1, ...inputShape])) as tf.Tensor;
    expect(output.shape).toEqual([1, 5]);
    const values = Array.from(output.dataSync());
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    output.dispose();
    model.dispose();
  });
});
