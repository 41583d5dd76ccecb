// A gradient step on a tiny batch lowers the loss: the attention, GPSA and Mixer paths all train.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { getModelSpec, type ModelOptions } from "../../../lib/models/registry.js";
import "../../../lib/models/vit.js";
import "../../../lib/models/convit.js";
import "../../../lib/models/mixer.js";
import { useTrainingBackend } from "./vit-backend.js";
import { seed } from "../../../lib/repro/index.js";

beforeAll(async () => {
  expect(await useTrainingBackend()).toBe("wasm");
});

/** Cross-entropy on a fixed batch before and after one Adam step (and the gradient norm of that step). */
async function lossBeforeAndAfter(name: string, overrides: ModelOptions, batch: number): Promise<[number, number]> {
  const spec = getModelSpec(name);
  const options = { ...spec.defaults, ...overrides };
  seed(1); // initial weights are otherwise random: the same model every run
  const model = spec.build(options);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const images = tf.randomUniform([batch, ...options.inputShape], 0, 1, "float32", 7);
  const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => (3 * i) % options.numClasses), "int32"), options.numClasses);
  const loss = () => tf.tidy(() => (model.evaluate(images, labels, { batchSize: batch }) as tf.Scalar).dataSync()[0]);
  const before = loss();
  await model.trainOnBatch(images, labels);
  const after = loss();
  tf.dispose([images, labels]);
  model.dispose();
  return [before, after];
}

describe("a gradient step lowers the loss on a tiny batch", () => {
  test("vit_tiny_patch4_32 on 2 random 32x32 images", async () => {
    const [before, after] = await lossBeforeAndAfter("vit_tiny_patch4_32", {}, 2);
    expect(Number.isFinite(before)).toBe(true);
    expect(after).toBeLessThan(before - 0.05);
  }, 60_000);

  test("convit_tiny (GPSA and MHSA blocks; reduced to 32x32, patch 8, depth 3)", async () => {
    const [before, after] = await lossBeforeAndAfter(
      "convit_tiny",
      { inputShape: [32, 32, 3], numClasses: 10, patchSize: 8, depth: 3, localUpToLayer: 2 },
      4,
    );
    expect(after).toBeLessThan(before - 0.05);
  }, 60_000);

  test("mixer_s16_224 (reduced to 32x32, patch 8, width 64, depth 2)", async () => {
    const [before, after] = await lossBeforeAndAfter(
      "mixer_s16_224",
      { inputShape: [32, 32, 3], numClasses: 10, patchSize: 8, hiddenDim: 64, depth: 2, tokensMlpDim: 32, channelsMlpDim: 128 },
      4,
    );
    expect(after).toBeLessThan(before - 0.05);
  }, 60_000);

  test("deit_tiny_distilled_patch16_224 (two heads averaged; reduced to 32x32, patch 8, depth 2)", async () => {
    const [before, after] = await lossBeforeAndAfter(
      "deit_tiny_distilled_patch16_224",
      { inputShape: [32, 32, 3], numClasses: 10, patchSize: 8, depth: 2 },
      4,
    );
    expect(after).toBeLessThan(before - 0.05);
  }, 60_000);
});
