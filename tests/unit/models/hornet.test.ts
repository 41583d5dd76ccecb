/**
 * HorNet (raoyongming/HorNet hornet.py, 7x7 gnConv): parameter counts against the
 * authors' models, forward, a training step on wasm, save/load, feature names, bad
 * inputs, and logits parity with hornet.py for the same weights
 * (tests/fixtures/hornet/generate.py: depths [1, 1, 2, 1], base dim 8, 32x32 images),
 * loaded in the authors' layout with models.create(name, { pretrained }) and saved back.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { models } from "../../../lib/models/index.js";
import { seed, unseed } from "../../../lib/repro/index.js";
import { expectSafetensorsRoundTrip, readFixtureFolder, relativeError } from "./parity-fixtures.js";
import { expectSaveLoadRoundTrip, expectTrainingLowersLoss } from "./family-checks.js";

const fixture = readFixtureFolder("hornet");

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  expect(tf.getBackend()).toBe("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-hornet-"));
});
afterAll(async () => {
  unseed();
  await rm(root, { recursive: true, force: true });
});

describe("hornet", () => {
  test.each([
    ["hornet_tiny_7x7", 22_409_512],
    ["hornet_small_7x7", 49_528_264],
  ])("models.info(%s): paper and the authors' parameter count", (name, reference) => {
    const info = models.info(name);
    expect(info.paper).toMatch(/HorNet/);
    expect(info.params).toBe(reference); // sum(p.numel()) of hornet.py's model function, 1000 classes
  }, 180_000);

  test("forward on a 64x64 input: 1000 probabilities; features stages.0..3", () => {
    const model = models.create("hornet_tiny_7x7", { inputShape: [64, 64, 3] });
    const x = tf.randomUniform([1, 64, 64, 3]);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 1000]);
    expect(y.sum().dataSync()[0]).toBeCloseTo(1, 4);
    const features = models.features(model, x);
    expect(Object.keys(features)).toEqual(["stages.0", "stages.1", "stages.2", "stages.3"]);
    expect(features["stages.3"].shape).toEqual([1, 2, 2, 512]);
    tf.dispose([x, y, ...Object.values(features)]);
    model.dispose();
  }, 180_000);

  test("reduced HorNet: a training step lowers the loss; save/load round-trips", async () => {
    seed(1);
    const model = models.create("hornet_tiny_7x7", { ...fixture.config.options, inputShape: [32, 32, 3], numClasses: 3, layerScaleInit: 0.1 });
    const x = tf.randomNormal([3, 32, 32, 3], 0, 1, "float32", 7);
    const y = tf.oneHot(tf.range(0, 3, 1, "int32"), 3);
    await expectTrainingLowersLoss(model, x, y);
    const loaded = await expectSaveLoadRoundTrip(model, x, join(root, "hornet"));
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  }, 120_000);

  test("logits equal hornet.py's for the authors' state dict (relative error < 1e-4); saved in that layout, loads back", async () => {
    const { config, weightsPath, weights, tensors } = fixture;
    const input = tensors.get("input")!;
    const logits = tensors.get("logits")!;
    const create = (pretrained: string) => models.create("hornet_tiny_7x7", { ...config.options, inputShape: config.inputShape, headActivation: "linear", pretrained });
    const model = await create(weightsPath);
    const out = model.predict(input) as tf.Tensor;
    expect(out.shape).toEqual(logits.shape);
    expect(relativeError(out, logits)).toBeLessThan(1e-4);
    await expectSafetensorsRoundTrip(model, weights, join(root, "hornet.safetensors"), input, create);
    out.dispose();
    model.dispose();
  }, 120_000);

  test("bad inputs are one-line errors", () => {
    expect(() => models.create("hornet_tiny")).toThrow(/Did you mean "hornet_tiny_7x7"/);
    expect(() => models.create("hornet_tiny_7x7", { inputShape: [16, 16, 3] })).toThrow(/^[^\n]*too small[^\n]*at least 32[^\n]*$/);
    expect(() => models.create("hornet_tiny_7x7", { baseDim: 7 })).toThrow(/^[^\n]*baseDim must be an even positive integer[^\n]*$/);
    expect(() => models.create("hornet_tiny_7x7", { depths: [2, 3] })).toThrow(/^[^\n]*depths must be 4 positive integers[^\n]*$/);
  });
});
