/**
 * Every CNN family: the named variant builds, runs forward on its default
 * input, lowers its loss with a few gradient steps on a tiny batch, and
 * round-trips through models.save / models.load with identical predictions.
 *
 * Runs on the wasm backend with tensorcell's training kernels (lib/backend);
 * the pure-JS cpu backend is ~50x slower at convolution gradients. Training
 * inputs are small; ResNet-18/50 and InceptionNeXt train at 64x64 so their
 * last BatchNorm still sees a 2x2 map (with 3 samples at 1x1 the batch
 * statistics make the loss jump about). Exact architectures are checked by
 * param-counts.test.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { models } from "../../../lib/models/index.js";
import { buildResNet } from "../../../lib/models/resnet.js";
import { seed, unseed } from "../../../lib/repro/index.js";
import { expectSaveLoadRoundTrip, expectTrainingLowersLoss } from "./family-checks.js";

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  expect(tf.getBackend()).toBe("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-cnn-"));
});
afterAll(async () => {
  unseed();
  await rm(root, { recursive: true, force: true });
});

const NUM_CLASSES = 3;

interface TrainingCase {
  name: string;
  inputShape: number[];
  options?: Record<string, unknown>;
  /** Builds something other than the named variant (a narrow config of the same family builder). */
  build?: () => tf.LayersModel;
}

const trainingCases: TrainingCase[] = [
  { name: "lenet5", inputShape: [32, 32, 1] },
  { name: "mnist_cnn", inputShape: [28, 28, 1] },
  { name: "simplenet", inputShape: [16, 16, 3] },
  { name: "resnet20", inputShape: [16, 16, 3] },
  { name: "resnet18", inputShape: [64, 64, 3] },
  // Bottleneck blocks through the ResNet builder at narrow widths: resnet50 itself (25.6M
  // parameters) would spend most of the test writing and reading 100 MB of weights.
  {
    name: "resnet_bottleneck_narrow",
    inputShape: [64, 64, 3],
    build: () =>
      buildResNet({ block: "bottleneck", depths: [1, 2, 1, 1], widths: [8, 8, 16, 16], stem: "imagenet" }, { inputShape: [64, 64, 3], numClasses: NUM_CLASSES }, "resnet_bottleneck_narrow"),
  },
  { name: "convnext_atto", inputShape: [32, 32, 3], options: { dropPathRate: 0.1 } },
  { name: "inception_next_atto", inputShape: [64, 64, 3] },
];

describe("training and save/load", () => {
  test.each(trainingCases)("$name on $inputShape: loss goes down, save/load round-trips", async ({ name, inputShape, options, build }) => {
    // Seeded: initial weights and dropout masks are otherwise random, and with dropout
    // (mnist_cnn) four steps on three images do not always lower the loss.
    seed(1);
    const model = build ? build() : models.create(name, { ...options, inputShape, numClasses: NUM_CLASSES });
    const x = tf.randomNormal([NUM_CLASSES, ...inputShape], 0, 1, "float32", 7);
    const y = tf.oneHot(tf.range(0, NUM_CLASSES, 1, "int32"), NUM_CLASSES);
    await expectTrainingLowersLoss(model, x, y, { steps: 4 });
    const loaded = await expectSaveLoadRoundTrip(model, x, join(root, name));
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  });
});

describe("forward on the default input", () => {
  const names = ["lenet5", "mnist_cnn", "simplenet", "resnet20", "resnet32", "resnet56", "resnet18", "resnet34", "resnet50",
    "convnext_atto", "convnext_femto", "inception_next_atto"];
  test.each(names)("%s", (name) => {
    const model = models.create(name);
    const { defaultInput, numClasses } = models.info(name);
    const output = model.predict(tf.randomUniform([1, ...defaultInput])) as tf.Tensor;
    expect(output.shape).toEqual([1, numClasses]);
    const values = Array.from(output.dataSync());
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    output.dispose();
    model.dispose();
  });
});
