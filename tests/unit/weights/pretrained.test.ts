/**
 * timm / PyTorch checkpoints in tensorcell: each family's state dict (timm's
 * code, reduced configurations, random weights: tests/fixtures/pretrained/
 * generate.py) loads into tensorcell's model, which then gives PyTorch's
 * logits; ResNets come from torchvision at test time (Debian's python3-torch
 * and python3-torchvision). models.save(model, "x.safetensors") writes timm's
 * keys back: the file equals the checkpoint it was loaded from, and
 * torchvision's strict load_state_dict takes a saved ResNet. Bad files fail
 * with one line and leave the model untouched. Runs on wasm.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { expectOneLineError } from "../../helpers/one-line-error.js";
import { initBackend } from "../../../lib/backend/index.js";
import { buildConvNeXt } from "../../../lib/models/convnext.js";
import { buildInceptionNeXt, type InceptionNeXtConfig } from "../../../lib/models/inception_next.js";
import { models } from "../../../lib/models/index.js";
import { readModelMetadata, writeModelMetadata } from "../../../lib/models/metadata.js";
import { readSafetensors, type SafetensorsFile, toFloat32, writeSafetensors } from "../../../lib/weights/safetensors.js";
import { hubCachePath } from "../../../lib/weights/cache.js";
import { PRETRAINED_CONFIGS } from "../../../lib/weights/pretrained-configs.js";
import { loadTimmStateDict } from "../../../lib/weights/timm/load.js";

const FIXTURES = "tests/fixtures/pretrained";
const TORCHVISION = join(FIXTURES, "torchvision_resnet.py");

interface Case {
  model: string;
  builder?: "convnext" | "inception_next";
  config?: Record<string, unknown>;
  options?: Record<string, unknown>;
  inputShape: number[];
  numClasses: number;
}
const CASES = JSON.parse(readFileSync(join(FIXTURES, "cases.json"), "utf8")) as Record<string, Case>;

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  expect(tf.getBackend()).toBe("wasm");
  root = mkdtempSync(join(tmpdir(), "tensorcell-pretrained-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function read(path: string): SafetensorsFile {
  return readSafetensors(readFileSync(path), path);
}

/** max |a - b| / max |b|. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

function logitsOf(model: tf.LayersModel, input: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(input, shape)) as tf.Tensor).dataSync() as Float32Array);
}

function io(path: string): { input: Float32Array; inputShape: number[]; logits: Float32Array } {
  const file = read(path);
  const input = file.tensors.get("input")!;
  return { input: toFloat32(input), inputShape: input.shape, logits: toFloat32(file.tensors.get("logits")!) };
}

/** A builder case (the family has no width options): the reduced config built directly, then loaded. */
function buildCase(c: Case, path: string): tf.LayersModel {
  const options = { inputShape: c.inputShape, numClasses: c.numClasses, headActivation: "linear" };
  const model =
    c.builder === "convnext"
      ? buildConvNeXt(c.config as { depths: number[]; dims: number[] }, options, c.model)
      : buildInceptionNeXt(c.config as unknown as InceptionNeXtConfig, options, c.model);
  writeModelMetadata(model, { model: c.model, family: c.builder });
  loadTimmStateDict(model, read(path), { source: path, modelName: c.model, family: c.builder! });
  return model;
}

async function loadCase(c: Case, path: string): Promise<tf.LayersModel> {
  if (c.builder) return buildCase(c, path);
  return models.create(c.model, { pretrained: path, inputShape: c.inputShape, headActivation: "linear", ...c.options });
}

function snapshot(model: tf.LayersModel): Float32Array[] {
  return model.weights.map((w) => w.read().dataSync().slice() as Float32Array);
}

describe("timm checkpoints load with PyTorch's logits", () => {
  for (const [name, c] of Object.entries(CASES)) {
    test(`${name} (${c.model}): logits, save as timm's state dict, reload`, async () => {
      const path = join(FIXTURES, `${name}.safetensors`);
      const reference = io(join(FIXTURES, `${name}.io.safetensors`));
      const model = await loadCase(c, path);
      const logits = logitsOf(model, reference.input, reference.inputShape);
      expect(logits.length).toBe(reference.logits.length);
      expect(relativeError(logits, reference.logits)).toBeLessThan(1e-4);
      if (!c.builder) expect(readModelMetadata(model).pretrained).toBe(path);

      // Saved back: timm's keys, shapes and values, exactly the checkpoint (BatchNorm's counters aside).
      const saved = join(root, `${name}.safetensors`);
      await models.save(model, saved);
      const original = read(path);
      const again = read(saved);
      const keys = (file: SafetensorsFile) => [...file.tensors.keys()].filter((k) => !k.endsWith("num_batches_tracked")).sort();
      expect(keys(again)).toEqual(keys(original));
      for (const key of keys(original)) {
        expect(again.tensors.get(key)!.shape, key).toEqual(original.tensors.get(key)!.shape);
        expect(Buffer.from(toFloat32(again.tensors.get(key)!).buffer).equals(Buffer.from(toFloat32(original.tensors.get(key)!).buffer)), key).toBe(true);
      }
      const reloaded = await loadCase(c, saved);
      expect(Array.from(logitsOf(reloaded, reference.input, reference.inputShape))).toEqual(Array.from(logits));
      model.dispose();
      reloaded.dispose();
    }, 120_000);
  }
});

describe("torchvision ResNets (generated at test time)", () => {
  for (const arch of ["resnet18", "resnet50"]) {
    test(`${arch}: a torchvision state dict loads; the saved one loads back into torchvision`, async () => {
      const dir = join(root, arch);
      mkdirSync(dir);
      execFileSync("/usr/bin/python3", [TORCHVISION, "make", arch, dir], { stdio: "pipe" });
      const reference = io(join(dir, "io.safetensors"));
      // The folder form of `pretrained`; numClasses (10) comes from the checkpoint.
      const model = await models.create(arch, { pretrained: dir, inputShape: [64, 64, 3], headActivation: "linear" });
      expect(model.outputs[0].shape).toEqual([null, 10]);
      const logits = logitsOf(model, reference.input, reference.inputShape);
      expect(relativeError(logits, reference.logits)).toBeLessThan(1e-4);

      const saved = join(dir, "saved.safetensors");
      await models.save(model, saved);
      const ioPath = join(dir, "io.safetensors");
      execFileSync("/usr/bin/python3", [TORCHVISION, "check", arch, saved, ioPath, "10"], { stdio: "pipe" });
      const torchLogits = toFloat32(read(ioPath).tensors.get("torch_logits")!);
      expect(relativeError(logits, torchLogits)).toBeLessThan(1e-4);
      model.dispose();
    }, 180_000);
  }
});

describe("bad checkpoints: one line, nothing loaded", () => {
  const c = CASES.convnext;
  const path = join(FIXTURES, "convnext.safetensors");

  /** The convnext fixture with `edit` applied, written to a temporary file. */
  function edited(edit: (tensors: Record<string, { shape: number[]; data: Float32Array }>) => void, file = "edited.safetensors"): string {
    const tensors = Object.fromEntries([...read(path).tensors].map(([key, t]) => [key, { shape: t.shape, data: toFloat32(t) }]));
    edit(tensors);
    const out = join(root, file);
    writeFileSync(out, writeSafetensors(tensors));
    return out;
  }

  function expectUntouchedFailure(file: string, message: RegExp): void {
    const model = buildConvNeXt(c.config as { depths: number[]; dims: number[] }, { inputShape: c.inputShape, numClasses: c.numClasses }, c.model);
    const before = snapshot(model);
    expectOneLineError(() => loadTimmStateDict(model, read(file), { source: file, modelName: c.model, family: "convnext" }), message);
    const after = snapshot(model);
    after.forEach((values, i) => expect(Buffer.from(values.buffer).equals(Buffer.from(before[i].buffer))).toBe(true));
    model.dispose();
  }

  test("a missing key (the last one, so everything before it was checked)", () => {
    const file = edited((t) => delete t["head.fc.bias"]);
    expectUntouchedFailure(file, /edited\.safetensors: missing head\.fc\.bias \[7\], which convnext_atto needs \(the checkpoint has \d+ tensors\)\.$/);
  });

  test("an extra key", () => {
    const file = edited((t) => (t["stages.0.blocks.0.extra.weight"] = { shape: [2], data: new Float32Array(2) }));
    expectUntouchedFailure(file, /: unexpected stages\.0\.blocks\.0\.extra\.weight \[2\]; convnext_atto has no such weight\.$/);
  });

  test("a wrong shape", () => {
    const file = edited((t) => (t["stages.1.blocks.1.conv_dw.weight"] = { shape: [16, 1, 5, 5], data: new Float32Array(16 * 25) }));
    expectUntouchedFailure(file, /: stages\.1\.blocks\.1\.conv_dw\.weight has shape \[16,1,5,5\], convnext_atto expects \[16,1,7,7\]\.$/);
  });

  test("another architecture's checkpoint", async () => {
    expectUntouchedFailure(join(FIXTURES, "vit.safetensors"), /vit\.safetensors: looks like a vit checkpoint, not convnext_atto\.$/);
    await expect(models.create("resnet18", { pretrained: join(FIXTURES, "inception_next.safetensors") })).rejects.toThrow(
      /inception_next\.safetensors: looks like a inception_next checkpoint, not resnet18\.$/,
    );
  });

  test("a ViT checkpoint at another input size names pos_embed", async () => {
    await expect(
      models.create("vit_tiny_patch16_224", { pretrained: join(FIXTURES, "vit.safetensors"), inputShape: [32, 32, 3], embedDim: 48, depth: 2, numHeads: 3 }),
    ).rejects.toThrow(/vit\.safetensors: pos_embed has shape \[1,17,48\], vit_tiny_patch16_224 expects \[1,5,48\] \(the weights were trained at another input size/);
  });

  test("numClasses other than the checkpoint's: a fresh head, the rest loaded, one line said", async () => {
    const vit = CASES.vit;
    const path = join(FIXTURES, "vit.safetensors");
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const model = await models.create(vit.model, { pretrained: path, numClasses: 3, inputShape: vit.inputShape, ...vit.options });
      expect(log).toHaveBeenCalledTimes(1);
      const line = String(log.mock.calls[0][0]);
      expect(line).toBe(`vit_tiny_patch16_224: loaded ${path} except its 6-class head (head), freshly initialised for numClasses 3.`);
      expect(model.getLayer("head").getWeights()[0].shape).toEqual([48, 3]);
      const fc2 = toFloat32(read(path).tensors.get("blocks.1.mlp.fc2.bias")!);
      expect(Array.from(model.getLayer("blocks.1.mlp.fc2").getWeights()[1].dataSync())).toEqual(Array.from(fc2));
      model.dispose();
    } finally {
      log.mockRestore();
    }
  });

  test("bad sources", async () => {
    await expect(models.create("resnet18", { pretrained: join(root, "nope.safetensors") })).rejects.toThrow(/^No such file or folder: .*nope\.safetensors\.$/);
    await expect(models.create("lenet5", { pretrained: true })).rejects.toThrow(/models\.create\("lenet5"\): lenet5 has no published timm weights/);
    await expect(models.create("resnet20", { pretrained: join(FIXTURES, "vit.safetensors") })).rejects.toThrow(/looks like a vit checkpoint, not resnet20/);
    await expect(models.create("resnet18", { pretrained: 3 as unknown as string })).rejects.toThrow(/option pretrained must be true, a hub id/);
    const empty = join(root, "empty");
    mkdirSync(empty);
    await expect(models.create("resnet18", { pretrained: empty })).rejects.toThrow(/^The folder .*empty holds no \.safetensors file\.$/);
  });

  test("pretrained: true and hub ids resolve through the weights cache (offline here)", async () => {
    const vit = CASES.vit;
    const hubId = PRETRAINED_CONFIGS[vit.model].hubId;
    const cache = join(root, "cache");
    const cached = hubCachePath({ repo: hubId, revision: "main", filename: "model.safetensors" }, cache);
    mkdirSync(dirname(cached), { recursive: true });
    copyFileSync(join(FIXTURES, "vit.safetensors"), cached);
    const saved = { cache: process.env.TENSORCELL_CACHE, offline: process.env.HF_HUB_OFFLINE };
    process.env.TENSORCELL_CACHE = cache;
    process.env.HF_HUB_OFFLINE = "1";
    try {
      const reference = io(join(FIXTURES, "vit.io.safetensors"));
      for (const pretrained of [true, hubId] as const) {
        const model = await models.create(vit.model, { pretrained, inputShape: vit.inputShape, headActivation: "linear", ...vit.options });
        expect(readModelMetadata(model).pretrained).toBe(hubId);
        expect(relativeError(logitsOf(model, reference.input, reference.inputShape), reference.logits)).toBeLessThan(1e-4);
        model.dispose();
      }
      await expect(models.create("convnext_atto", { pretrained: true })).rejects.toThrow(/HF_HUB_OFFLINE is set and timm\/convnext_atto\.d2_in1k is not cached/);
    } finally {
      for (const [key, value] of [["TENSORCELL_CACHE", saved.cache], ["HF_HUB_OFFLINE", saved.offline]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  test("models.save to .safetensors: a layer with no PyTorch layout is one line, and nothing is written", async () => {
    const gcn = models.create("gcn", { inputShape: [4], numClasses: 2 });
    const out = join(root, "gcn.safetensors");
    await expect(models.save(gcn, out)).rejects.toThrow(/^models\.save: layer \S+ \(\w+\) has weight "\w+", which has no PyTorch \(timm\) layout; save the model to a folder instead\.$/);
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
    gcn.dispose();
    await expect(models.save(undefined as unknown as tf.LayersModel, out)).rejects.toThrow(/^models\.save: the first argument must be a tf\.LayersModel/);
  });

  test("create without pretrained stays synchronous", () => {
    const model = models.create("resnet20", { numClasses: 3 });
    expect(model).toBeInstanceOf(tf.LayersModel);
    model.dispose();
  });
});
