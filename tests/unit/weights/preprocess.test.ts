import * as tf from "@tensorflow/tfjs";
import { encode } from "fast-png";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { data } from "../../../lib/data/index.js";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { models } from "../../../lib/models/index.js";
import { readSafetensors, toFloat32 } from "../../../lib/weights/safetensors.js";
import type { PreprocessConfig } from "../../../lib/weights/preprocess.js";
import { expectOneLineError } from "../../helpers/one-line-error.js";

// Expected tensors: timm's create_transform (Pillow 9.4, torchvision 0.14) on 8-bit images,
// written by tests/fixtures/preprocess/generate.py.
const fixture = "tests/fixtures/preprocess/expected.safetensors";
const file = readSafetensors(readFileSync(fixture), fixture);
const stored = (name: string) => file.tensors.get(name)!;
const timmConfigs = JSON.parse(file.metadata.configs) as Record<string, { input_size: number[]; interpolation: PreprocessConfig["interpolation"]; crop_pct: number; crop_mode?: "center" | "squash"; mean: number[]; std: number[] }>;

beforeAll(async () => {
  await initBackend("wasm");
});

function configOf(name: string): PreprocessConfig {
  const c = timmConfigs[name];
  return { inputShape: [c.input_size[1], c.input_size[2], 3], interpolation: c.interpolation, cropPct: c.crop_pct, cropMode: c.crop_mode ?? "center", mean: c.mean as [number, number, number], std: c.std as [number, number, number] };
}
function image8(name: string): tf.Tensor3D {
  const t = stored(`image.${name}`);
  return tf.tensor3d(Int32Array.from(t.data as Uint8Array), t.shape as [number, number, number], "int32");
}
function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe("models.preprocess matches timm's eval transform", () => {
  for (const config of ["bicubic", "bilinear", "nearest", "squash"]) {
    it(`${config}: 8-bit images of odd sizes (down- and upscaled) match Pillow exactly`, () => {
      for (const image of ["wide", "tall", "square"]) {
        const expected = toFloat32(stored(`expected.${config}.${image}`));
        const out = models.preprocess(configOf(config), image8(image));
        expect(out.shape).toEqual([1, ...stored(`expected.${config}.${image}`).shape]);
        // Same 8-bit pixels as Pillow, then the same float32 operations as torch: equal bit for bit.
        expect(maxAbsDiff(out.dataSync() as Float32Array, expected)).toBe(0);
      }
    });
  }

  it("images loaded from files (float32 k / 255) match exactly, as 8-bit images", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tc-preprocess-"));
    const t = stored("image.wide");
    writeFileSync(join(dir, "wide.png"), encode({ width: t.shape[1], height: t.shape[0], data: t.data as Uint8Array, channels: 3, depth: 8 }));
    const loaded = data.loadImages(join(dir, "wide.png"));
    expect(loaded.images.dtype).toBe("float32");
    const out = models.preprocess(configOf("bicubic"), loaded);
    expect(maxAbsDiff(out.dataSync() as Float32Array, toFloat32(stored("expected.bicubic.wide")))).toBe(0);
    loaded.dispose();
  });

  it("other float images (0..1) agree within Pillow's 8-bit rounding between passes", () => {
    const worst: Record<string, number> = {};
    for (const config of ["bicubic", "bilinear", "nearest"]) {
      for (const image of ["wide", "tall", "square"]) {
        // Off the 8-bit levels by up to 1e-5 (so that the float path runs): at most 5e-5 after normalising.
        const eight = image8(image);
        const float = tf.tidy(() => tf.div(eight.toFloat(), 255).add(tf.randomUniform(eight.shape, 0, 1e-5, "float32", 3)).clipByValue(0, 1));
        const out = models.preprocess(configOf(config), float);
        worst[config] = Math.max(worst[config] ?? 0, maxAbsDiff(out.dataSync() as Float32Array, toFloat32(stored(`expected.${config}.${image}`))));
      }
    }
    // Pillow rounds each pass to 8 bits: up to 1 level (1/255) after the two passes, ~0.0171 after
    // dividing by the smallest std (0.229). Nearest copies pixels: no rounding at all (only the offset).
    expect(worst.nearest).toBeLessThan(1e-4);
    expect(worst.bicubic).toBeLessThan(1.01 / 255 / 0.224);
    expect(worst.bilinear).toBeLessThan(1.01 / 255 / 0.224);
    console.log("float-input max abs difference from timm (normalised units):", worst);
  });

  it("resnet18's own config (224, bicubic, crop 0.95) by model and by name", () => {
    const expected = toFloat32(stored("expected.resnet18.photo.every8"));
    const net = models.create("resnet18", { numClasses: 10 });
    for (const source of [net, "resnet18"] as const) {
      const out = models.preprocess(source, image8("photo"));
      expect(out.shape).toEqual([1, 224, 224, 3]);
      const every8 = tf.tidy(() => tf.stridedSlice(out, [0, 0, 0, 0], [1, 224, 224, 3], [1, 8, 8, 1]).dataSync() as Float32Array);
      expect(maxAbsDiff(every8, expected)).toBe(0);
    }
    net.dispose();
  });

  it("takes batches, lists of different sizes, grey and RGBA images, and datasets", () => {
    const config = configOf("bicubic");
    const wide = image8("wide");
    const singles = ["wide", "tall", "square"].map((name) => toFloat32(stored(`expected.bicubic.${name}`)));
    const list = models.preprocess(config, [wide, image8("tall"), image8("square")]);
    expect(list.shape).toEqual([3, 24, 24, 3]);
    expect(maxAbsDiff(list.dataSync() as Float32Array, Float32Array.from([...singles[0], ...singles[1], ...singles[2]]))).toBe(0);
    const batch = models.preprocess(config, tf.stack([wide, wide]));
    expect(batch.shape).toEqual([2, 24, 24, 3]);
    const rgba = models.preprocess(config, tf.concat([wide, tf.fill([37, 53, 1], 255, "int32")], 2));
    expect(maxAbsDiff(rgba.dataSync() as Float32Array, singles[0])).toBe(0);
    const grey = models.preprocess(config, wide.slice([0, 0, 0], [-1, -1, 1]));
    const greyRgb = models.preprocess(config, tf.tile(wide.slice([0, 0, 0], [-1, -1, 1]), [1, 1, 3]));
    expect(maxAbsDiff(grey.dataSync() as Float32Array, greyRgb.dataSync() as Float32Array)).toBe(0);
    const dataset = { images: tf.stack([wide.toFloat().div(255), wide.toFloat().div(255)]) };
    expect(models.preprocess(config, dataset).shape).toEqual([2, 24, 24, 3]);
  });

  it("bad inputs get one-line errors", () => {
    const config = configOf("bicubic");
    const wide = image8("wide");
    const cases: [() => unknown, RegExp][] = [
      [() => models.preprocess(config, tf.zeros([5, 5]) as tf.Tensor), /images must be \[height, width, channels\] or \[batch, height, width, channels\], got shape \[5, 5\]/],
      [() => models.preprocess(config, wide.toFloat()), /value \d+; float32 images must be 0\.\.1 \(divide by 255, or pass tf\.cast\(images, "int32"\)/],
      [() => models.preprocess(config, tf.fill([8, 8, 3], 300, "int32")), /value 300; int32 images must hold 0\.\.255/],
      [() => models.preprocess(config, tf.zeros([8, 8, 2])), /image 0 has 2 channels; expected 1 \(grey\), 3 \(RGB\) or 4 \(RGBA\)/],
      [() => models.preprocess(config, []), /the list of images is empty/],
      [() => models.preprocess(config, [wide, tf.zeros([2, 8, 8, 3])]), /image 1 of the list must be a \[height, width, channels\] tf\.Tensor, got shape \[2, 8, 8, 3\]/],
      [() => models.preprocess(config, "cat.png" as never), /images must be a tf\.Tensor .* got string "cat\.png"/],
      [() => models.preprocess({ ...config, interpolation: "lanczos" as never }, wide), /interpolation must be one of bicubic, bilinear, nearest, got "lanczos"/],
      [() => models.preprocess({ ...config, cropPct: 0 }, wide), /cropPct must be a number in \(0, 2\], got 0/],
      [() => models.preprocess({ ...config, cropMode: "border" }, wide), /cropMode "border" is not supported/],
      [() => models.preprocess({ ...config, inputShape: [24, 32, 3] }, wide), /not square/],
      [() => models.preprocess({ ...config, std: [0.2, 0, 0.2] }, wide), /std must be positive/],
      [() => models.preprocess({ ...config, mean: [0.5] as never }, wide), /mean must be 3 numbers/],
      [() => models.preprocess(42 as never, wide), /the first argument must be a model, a model name or a pretrained config/],
      [() => models.preprocess("resnet20", wide), /"resnet20" has no published pretrained weights/],
    ];
    for (const [run, message] of cases) expectOneLineError(run, message);
  });
});
