/**
 * The families whose references are timm's newer models or the authors' own
 * code (Inception-v4, Inception-ResNet-v2, SPNASNet, NASNet-A Large, TNT,
 * HaloNet from timm; HorNet, IBN-Net, UniRepLKNet in their authors' layouts): their parity
 * fixtures are recognised as their family's checkpoints, and bad files get
 * the same one-line errors as timm's older families, naming the checkpoint's
 * own keys (HorNet's downsample_layers / gamma1, TNT's split qk / v).
 * Logits parity and the .safetensors round trip of each family are in its
 * tests/unit/models/<family>.test.ts. Runs on wasm.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { models } from "../../../lib/models/index.js";
import { type SafetensorsFile, toFloat32, writeSafetensors } from "../../../lib/weights/safetensors.js";
import { detectTimmFamily } from "../../../lib/weights/timm/index.js";
import { FIXTURES, readFixtureFolder, readParityFixture } from "../models/parity-fixtures.js";

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  root = mkdtempSync(join(tmpdir(), "tensorcell-pretrained-families-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EXTRA = ["__input__", "__logits__", "input", "logits"];

/** Each family's fixture state dict. */
const CHECKPOINTS: [string, string][] = [
  ["inception_v4", "inception_v4/inception_v4_reduced.safetensors"],
  ["inception_resnet_v2", "inception_resnet_v2/inception_resnet_v2_reduced.safetensors"],
  ["spnasnet", "spnasnet/spnasnet_reduced.safetensors"],
  ["nasnet", "nasnet/nasnetalarge_reduced.safetensors"],
  ["tnt", "tnt/weights.safetensors"],
  ["hornet", "hornet/weights.safetensors"],
  ["halonet", "halonet/weights.safetensors"],
  ["resnet_ibn", "resnet_ibn/resnet18_ibn_a.safetensors"],
  ["resnet_ibn", "resnet_ibn/resnet50_ibn_b.safetensors"],
  ["unireplknet", "unireplknet/unireplknet.safetensors"],
  ["unireplknet", "unireplknet/unireplknet_deploy.safetensors"],
];

/** `file` with `edit` applied, written to `name` under the temporary folder. */
function edited(file: SafetensorsFile, name: string, edit: (tensors: Record<string, { shape: number[]; data: Float32Array }>) => void): string {
  const tensors = Object.fromEntries([...file.tensors].map(([key, t]) => [key, { shape: t.shape, data: toFloat32(t) }]));
  edit(tensors);
  const path = join(root, name);
  writeFileSync(path, writeSafetensors(tensors));
  return path;
}

describe("each family's checkpoints are recognised as that family's", () => {
  test.each(CHECKPOINTS)("%s: %s", (family, path) => {
    const { weights } = readParityFixture(join(FIXTURES, path), EXTRA);
    expect(detectTimmFamily(new Set(weights.tensors.keys()))?.family).toBe(family);
  });
});

describe("bad checkpoints: one line", () => {
  const hornet = readFixtureFolder("hornet");
  const hornetOptions = { ...hornet.config.options, inputShape: hornet.config.inputShape };
  const tnt = readFixtureFolder("tnt");
  const tntOptions = { ...tnt.config.options, inputShape: tnt.config.inputShape };

  test("another family's checkpoint", async () => {
    await expect(models.create("unireplknet_a", { inputShape: [32, 32, 3], pretrained: hornet.weightsPath })).rejects.toThrow(
      /hornet[/\\]weights\.safetensors: looks like a hornet checkpoint, not unireplknet_a\.$/,
    );
    const ibn = join(root, "ibn.safetensors");
    writeFileSync(ibn, writeSafetensors(Object.fromEntries([...readParityFixture(join(FIXTURES, "resnet_ibn/resnet18_ibn_a.safetensors"), EXTRA).weights.tensors].map(([k, t]) => [k, { shape: t.shape, data: toFloat32(t) }]))));
    await expect(models.create("resnet18", { pretrained: ibn })).rejects.toThrow(/ibn\.safetensors: looks like a resnet_ibn checkpoint, not resnet18\.$/);
    await expect(models.create("tnt_s_patch16_224", { pretrained: join(FIXTURES, "halonet/weights.safetensors") })).rejects.toThrow(
      /looks like a halonet checkpoint, not tnt_s_patch16_224\.$/,
    );
  });

  test("a missing key, in the authors' names (HorNet's gamma1)", async () => {
    const path = edited(hornet.weights, "hornet-missing.safetensors", (t) => delete t["stages.2.1.gamma1"]);
    await expect(models.create("hornet_tiny_7x7", { ...hornetOptions, pretrained: path })).rejects.toThrow(
      /hornet-missing\.safetensors: missing stages\.2\.1\.gamma1 \[32\], which hornet_tiny_7x7 needs \(the checkpoint has \d+ tensors\)\.$/,
    );
  });

  test("an extra key", async () => {
    const path = edited(hornet.weights, "hornet-extra.safetensors", (t) => (t["stages.0.0.extra.weight"] = { shape: [2], data: new Float32Array(2) }));
    await expect(models.create("hornet_tiny_7x7", { ...hornetOptions, pretrained: path })).rejects.toThrow(
      /: unexpected stages\.0\.0\.extra\.weight \[2\]; hornet_tiny_7x7 has no such weight\.$/,
    );
  });

  test("a wrong shape (TNT's v half of the attention)", async () => {
    const path = edited(tnt.weights, "tnt-shape.safetensors", (t) => (t["blocks.1.attn_out.v.weight"] = { shape: [32, 16], data: new Float32Array(512) }));
    await expect(models.create("tnt_s_patch16_224", { ...tntOptions, pretrained: path })).rejects.toThrow(
      /: blocks\.1\.attn_out\.v\.weight has shape \[32,16\], tnt_s_patch16_224 expects \[32,32\]\.$/,
    );
  });

  test("no published timm weights: HorNet, IBN-Net and UniRepLKNet take a local file", async () => {
    for (const name of ["hornet_tiny_7x7", "resnet50_ibn_a", "unireplknet_a"]) {
      await expect(models.create(name, { pretrained: true })).rejects.toThrow(new RegExp(`${name} has no published timm weights; pass pretrained: "<file.safetensors>"`));
    }
  });

  test("numClasses other than the checkpoint's: HorNet's head (the authors' head.weight) is fresh, the rest loaded", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const model = await models.create("hornet_tiny_7x7", { ...hornetOptions, numClasses: 3, pretrained: hornet.weightsPath });
      expect(String(log.mock.calls[0][0])).toBe(`hornet_tiny_7x7: loaded ${hornet.weightsPath} except its 10-class head (head.fc), freshly initialised for numClasses 3.`);
      expect(model.getLayer("head.fc").getWeights()[0].shape).toEqual([64, 3]);
      const gamma = toFloat32(hornet.weights.tensors.get("stages.3.0.gamma2")!);
      expect(Array.from(model.getLayer("stages.3.blocks.0.gamma").getWeights()[0].dataSync())).toEqual(Array.from(gamma));
      model.dispose();
    } finally {
      log.mockRestore();
    }
  });
});

test("the parity fixtures' inputs stay out of the state dicts", () => {
  const { weights, tensors } = readParityFixture(join(FIXTURES, "unireplknet/unireplknet.safetensors"), EXTRA);
  expect(weights.tensors.has("input")).toBe(false);
  expect([...tensors.keys()].sort()).toEqual(["input", "logits"]);
  tf.dispose([...tensors.values()]);
});
