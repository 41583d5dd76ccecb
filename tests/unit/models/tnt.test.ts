/**
 * TNT (Transformer in Transformer, timm tnt.py): the named variant's parameter count
 * against timm's, forward, a training step on wasm, save/load, feature names, bad
 * inputs, and logits parity with timm's TNT for the same weights
 * (tests/fixtures/tnt/generate.py: a 2-block, 32-wide TNT on 32x32 images, and a 32x48
 * input with its own patch_pos), loaded with models.create(name, { pretrained }) and
 * saved back as timm's state dict.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { models } from "../../../lib/models/index.js";
import { seed, unseed } from "../../../lib/repro/index.js";
import { expectSafetensorsRoundTrip, loadReference, readFixtureFolder, relativeError, withTensors } from "./parity-fixtures.js";
import { expectSaveLoadRoundTrip, expectTrainingLowersLoss } from "./family-checks.js";

const NAME = "tnt_s_patch16_224";
const fixture = readFixtureFolder("tnt");
const SMALL = { ...fixture.config.options, inputShape: fixture.config.inputShape, numClasses: 3 };

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  expect(tf.getBackend()).toBe("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-tnt-"));
});
afterAll(async () => {
  unseed();
  await rm(root, { recursive: true, force: true });
});

describe("tnt_s_patch16_224", () => {
  test("models.info: paper and timm's parameter count", () => {
    const info = models.info(NAME);
    expect(info.paper).toMatch(/Transformer in Transformer/);
    expect(info.family).toBe("tnt");
    expect(info.params).toBe(23_768_584); // sum(p.numel()) of timm.create_model("tnt_s_patch16_224")
    expect(info.defaultInput).toEqual([224, 224, 3]);
  }, 120_000);

  test("forward on a 64x64 input: 1000 probabilities; feature names are timm's blocks.i", () => {
    const model = models.create(NAME, { inputShape: [64, 64, 3] });
    const x = tf.randomUniform([1, 64, 64, 3]);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 1000]);
    expect(y.sum().dataSync()[0]).toBeCloseTo(1, 4);
    const features = models.features(model, x);
    expect(Object.keys(features)).toEqual(Array.from({ length: 12 }, (_, i) => `blocks.${i}`));
    expect(features["blocks.11"].shape).toEqual([1, 17, 384]);
    tf.dispose([x, y, ...Object.values(features)]);
    model.dispose();
  }, 120_000);

  test("reduced TNT: a training step lowers the loss; save/load round-trips", async () => {
    seed(1);
    const model = models.create(NAME, SMALL);
    const x = tf.randomNormal([3, ...fixture.config.inputShape], 0, 1, "float32", 7);
    const y = tf.oneHot(tf.range(0, 3, 1, "int32"), 3);
    await expectTrainingLowersLoss(model, x, y);
    const loaded = await expectSaveLoadRoundTrip(model, x, join(root, "tnt"));
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  }, 120_000);

  test("logits equal timm's TNT for timm's weights (relative error < 1e-4); saved as timm's state dict, loads back", async () => {
    const { config, weightsPath, weights, tensors } = fixture;
    const input = tensors.get("input")!;
    const logits = tensors.get("logits")!;
    const create = (pretrained: string) => models.create(NAME, { ...config.options, inputShape: config.inputShape, headActivation: "linear", pretrained });
    const model = await create(weightsPath);
    const out = model.predict(input) as tf.Tensor;
    expect(out.shape).toEqual(logits.shape);
    expect(relativeError(out, logits)).toBeLessThan(1e-4);
    await expectSafetensorsRoundTrip(model, weights, join(root, "tnt.safetensors"), input, create);
    out.dispose();
    model.dispose();
  }, 120_000);

  test("a 32x48 input (4x6 patches, its own patch_pos): logits equal timm's (relative error < 1e-4)", () => {
    const { config, weights, tensors } = fixture;
    const input = tensors.get("wide_input")!;
    const logits = tensors.get("wide_logits")!;
    const model = models.create(NAME, { ...config.options, inputShape: input.shape.slice(1), numClasses: config.numClasses, headActivation: "linear" });
    loadReference(model, withTensors(weights, { patch_pos: tensors.get("wide_patch_pos")! }), "tnt/weights.safetensors with wide_patch_pos");
    const out = model.predict(input) as tf.Tensor;
    expect(out.shape).toEqual(logits.shape);
    expect(relativeError(out, logits)).toBeLessThan(1e-4);
    out.dispose();
    model.dispose();
  }, 120_000);

  test("bad inputs: a close name is suggested; a size that does not cut into patches is one line", () => {
    expect(() => models.create("tnt_s_patch16")).toThrow(/Did you mean "tnt_s_patch16_224"/);
    expect(() => models.create(NAME, { inputShape: [60, 60, 3] })).toThrow(/^[^\n]*multiples of 16[^\n]*$/);
    expect(() => models.create(NAME, { embedDim: 32 })).toThrow(/embedDim 32 must be divisible by numHeadsOuter 6/);
  });
});
