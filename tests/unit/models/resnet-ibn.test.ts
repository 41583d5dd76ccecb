/**
 * IBN-Net (resnet18_ibn_a, resnet50_ibn_a, resnet50_ibn_b): parameter counts of the
 * authors' code, logits of the authors' code for the same weights (reduced widths,
 * tests/fixtures/resnet_ibn/generate.py, loaded by lib/weights' loader and saved back in
 * the authors' layout), training, save/load, features, bad input.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { countTrainableParams, models } from "../../../lib/models/index.js";
import { seed, unseed } from "../../../lib/repro/index.js";
import { expectSafetensorsRoundTrip, loadReference, readParityFixture, relativeError } from "./parity-fixtures.js";
import { expectSaveLoadRoundTrip, expectTrainingLowersLoss } from "./family-checks.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "resnet_ibn");
// sum(p.numel() for p in ibnnet.resnet_ibn.<name>().parameters()), PyTorch 1.13.
const REFERENCE_PARAMS: Record<string, number> = {
  resnet18_ibn_a: 11_689_512,
  resnet50_ibn_a: 25_557_032,
  resnet50_ibn_b: 25_558_568,
};

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-ibn-"));
});
afterAll(async () => {
  unseed();
  await rm(root, { recursive: true, force: true });
});

describe("reference parameter counts and info", () => {
  test.each(Object.entries(REFERENCE_PARAMS))("%s: %d trainable parameters, as the authors' code", (name, reference) => {
    const info = models.info(name);
    expect(info.params).toBe(reference);
    expect(info.family).toBe("resnet_ibn");
    expect(info.paper).toMatch(/IBN-Net/);
    expect(info.defaultInput).toEqual([224, 224, 3]);
    expect(info.numClasses).toBe(1000);
  });
});

describe("parity with the authors' code", () => {
  test.each(Object.keys(REFERENCE_PARAMS))("%s (reduced widths) gives the reference logits; saved in the authors' layout, loads back", async (name) => {
    const path = join(FIXTURES, `${name}.safetensors`);
    const { weights, tensors, config } = readParityFixture(path, ["input", "logits"]);
    const options = { ...config, headActivation: "linear" };
    const model = models.create(name, options);
    loadReference(model, weights, path);
    const x = tensors.get("input")!;
    const expected = tensors.get("logits")!;
    const logits = model.predict(x) as tf.Tensor;
    expect(logits.shape).toEqual(expected.shape);
    expect(relativeError(logits, expected)).toBeLessThan(1e-4);
    await expectSafetensorsRoundTrip(model, weights, join(root, `${name}.safetensors`), x, (saved) => models.create(name, { ...options, pretrained: saved }));
    tf.dispose([x, expected, logits]);
    model.dispose();
  }, 120_000);
});

describe("forward, training, save/load, features", () => {
  test("resnet18_ibn_a forward on the default 224x224 input", () => {
    const model = models.create("resnet18_ibn_a");
    const output = model.predict(tf.randomUniform([1, 224, 224, 3], 0, 1, "float32", 3)) as tf.Tensor;
    expect(output.shape).toEqual([1, 1000]);
    expect(output.sum().dataSync()[0]).toBeCloseTo(1, 4);
    output.dispose();
    model.dispose();
  });

  test.each([
    ["resnet18_ibn_a", { widths: [8, 16, 16, 32] }],
    ["resnet50_ibn_b", { depths: [2, 2, 1, 1], widths: [4, 8, 8, 16] }],
  ])("%s (narrow) lowers the loss on wasm and round-trips save/load", async (name, options) => {
    seed(1);
    const model = models.create(name, { ...options, inputShape: [64, 64, 3], numClasses: 3 });
    const x = tf.randomNormal([3, 64, 64, 3], 0, 1, "float32", 7);
    const y = tf.oneHot(tf.range(0, 3, 1, "int32"), 3);
    await expectTrainingLowersLoss(model, x, y, { steps: 4 });
    const loaded = await expectSaveLoadRoundTrip(model, x, join(root, name));
    expect(models.nameOf(loaded)).toBe(name);
    tf.dispose([x, y]);
    model.dispose();
    loaded.dispose();
  }, 120_000);

  test("features: act1 and layer1..layer4 at strides 2..32; IBN layers are where the reference puts them", () => {
    const model = models.create("resnet50_ibn_b", { depths: [2, 2, 1, 1], widths: [4, 8, 8, 16], inputShape: [64, 64, 3] });
    const maps = models.features(model, tf.zeros([1, 64, 64, 3]));
    expect(Object.fromEntries(Object.entries(maps).map(([k, v]) => [k, v.shape]))).toEqual({
      act1: [1, 32, 32, 4],
      layer1: [1, 16, 16, 16],
      layer2: [1, 8, 8, 32],
      layer3: [1, 4, 4, 32],
      layer4: [1, 2, 2, 64],
    });
    const instanceNorms = model.layers.filter((l) => l.getClassName() === "InstanceNorm").map((l) => l.name);
    expect(instanceNorms).toEqual(["bn1", "layer1.1.IN", "layer2.1.IN"]);
    tf.dispose(Object.values(maps));
    model.dispose();
    const a = models.create("resnet18_ibn_a", { widths: [8, 16, 16, 32], inputShape: [32, 32, 3] });
    const ibn = a.layers.filter((l) => l.getClassName() === "InstanceNorm").map((l) => l.name);
    expect(ibn).toEqual(["layer1.0.bn1.IN", "layer1.1.bn1.IN", "layer2.0.bn1.IN", "layer2.1.bn1.IN", "layer3.0.bn1.IN", "layer3.1.bn1.IN"]);
    expect(countTrainableParams(a)).toBeGreaterThan(0);
    a.dispose();
  });
});

describe("bad input", () => {
  test("an unknown variant suggests close names", () => {
    expect(() => models.create("resnet50_ibn_c")).toThrow(/Unknown model "resnet50_ibn_c"\. Did you mean .*"resnet50_ibn_a", "resnet50_ibn_b"/);
  });
  test("too small an input is a one-line error", () => {
    expect(() => models.create("resnet18_ibn_a", { inputShape: [16, 16, 3] })).toThrow(/input 16x16 is too small.*at least 32/);
  });
  test("depths and widths need four positive integers", () => {
    expect(() => models.create("resnet50_ibn_a", { depths: [1, 1, 1] })).toThrow(
      "resnet50_ibn_a: option depths must be 4 positive integers (one per stage) such as [3, 4, 6, 3], got [1,1,1].",
    );
    expect(() => models.create("resnet18_ibn_a", { widths: [8, 0, 8, 8] })).toThrow(/option widths must be 4 positive integers/);
  });
});
