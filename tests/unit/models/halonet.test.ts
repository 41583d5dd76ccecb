/**
 * HaloNet-26t (timm byoanet.py / byobnet.py / layers/halo_attn.py): the parameter count
 * against timm's, forward, a training step on wasm, save/load, feature names, bad inputs,
 * and logits parity with timm for the same weights (tests/fixtures/halonet/generate.py:
 * the halonet26t layout narrowed, 4x4 halo blocks with halo 1, 128x128 input), loaded
 * with models.create(name, { pretrained }) and saved back as timm's state dict.
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

const NAME = "halonet26t";
const fixture = readFixtureFolder("halonet");

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  expect(tf.getBackend()).toBe("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-halonet-"));
});
afterAll(async () => {
  unseed();
  await rm(root, { recursive: true, force: true });
});

/** HaloNet for `inputShape` with timm's weights, through models.create's pretrained path. */
function referenceModel(inputShape: number[], pretrained = fixture.weightsPath): Promise<tf.LayersModel> {
  const { config } = fixture;
  return models.create(NAME, { ...config.options, inputShape, headActivation: "linear", pretrained });
}

describe("halonet26t", () => {
  test("models.info: paper and timm's parameter count", () => {
    const info = models.info(NAME);
    expect(info.paper).toMatch(/Scaling Local Self-Attention/);
    expect(info.params).toBe(12_480_288); // sum(p.numel()) of timm.create_model("halonet26t"), 1000 classes
    expect(info.defaultInput).toEqual([256, 256, 3]);
  }, 120_000);

  test("forward on the default 256x256 input: 1000 probabilities", () => {
    const model = models.create(NAME);
    const y = tf.tidy(() => model.predict(tf.randomUniform([1, 256, 256, 3])) as tf.Tensor);
    expect(y.shape).toEqual([1, 1000]);
    expect(y.sum().dataSync()[0]).toBeCloseTo(1, 4);
    y.dispose();
    model.dispose();
  }, 180_000);

  test("reduced HaloNet: forward, features stages.0..3, a training step lowers the loss, save/load round-trips", async () => {
    seed(1);
    const { options } = fixture.config;
    const model = models.create(NAME, { ...options, inputShape: [64, 64, 3], numClasses: 3, blockSize: 2 });
    const x = tf.randomNormal([3, 64, 64, 3], 0, 1, "float32", 7);
    const features = models.features(model, x);
    expect(Object.fromEntries(Object.entries(features).map(([k, v]) => [k, v.shape]))).toEqual({
      "stages.0": [3, 16, 16, 32],
      "stages.1": [3, 8, 8, 64],
      "stages.2": [3, 4, 4, 128],
      "stages.3": [3, 2, 2, 256],
    });
    tf.dispose(Object.values(features));
    const y = tf.oneHot(tf.range(0, 3, 1, "int32"), 3);
    await expectTrainingLowersLoss(model, x, y);
    const loaded = await expectSaveLoadRoundTrip(model, x, join(root, "halonet"));
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  }, 180_000);

  test.each([
    ["input", "logits"],
    ["wide_input", "wide_logits"],
  ])("logits equal timm's for the same weights and BatchNorm statistics (%s; relative error < 1e-4)", async (inputKey, logitsKey) => {
    const input = fixture.tensors.get(inputKey)!;
    const logits = fixture.tensors.get(logitsKey)!;
    const model = await referenceModel(input.shape.slice(1));
    const out = model.predict(input) as tf.Tensor;
    expect(out.shape).toEqual(logits.shape);
    expect(relativeError(out, logits)).toBeLessThan(1e-4);
    if (inputKey === "input") {
      await expectSafetensorsRoundTrip(model, fixture.weights, join(root, "halonet.safetensors"), input, (path) => referenceModel(input.shape.slice(1), path));
    }
    out.dispose();
    model.dispose();
  }, 120_000);

  test("bad inputs are one-line errors", () => {
    expect(() => models.create("halonet26")).toThrow(/Did you mean "halonet26t"/);
    expect(() => models.create(NAME, { inputShape: [224, 224, 3] })).toThrow(
      /^halonet26t: input 224x224 gives a 14x14 map at stages\.2\.1, which halo attention cannot cut into 8x8 blocks; use height and width multiples of 256 \(default \[256, 256, 3\]\)\.$/,
    );
    expect(() => models.create(NAME, { inputShape: [16, 16, 3] })).toThrow(/^[^\n]*too small[^\n]*$/);
    expect(() => models.create(NAME, { blockSize: 3 })).toThrow(/^[^\n]*blockSize must be even[^\n]*$/);
    expect(() => models.create(NAME, { numHeads: 7 })).toThrow(/^[^\n]*256 attention channels[^\n]*numHeads 7[^\n]*$/);
    expect(() => models.create(NAME, { channels: [1, 2] })).toThrow(/^[^\n]*channels must be 4 positive integers[^\n]*$/);
  });
});
