import * as tf from "@tensorflow/tfjs";
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectOneLineError } from "../../helpers/one-line-error.js";
import { DataFileError, data } from "../../../lib/data/index.js";
import { clearRecordedDataFiles, recordedDataFiles } from "../../../lib/repro/index.js";

let dir: string;

/** A w x h greyscale PNG whose pixel (x, y) is (x + 10 * y) * step. */
function greyPng(width: number, height: number, step: number): Uint8Array {
  const pixels = Uint8Array.from({ length: width * height }, (_, i) => ((i % width) + 10 * Math.floor(i / width)) * step);
  return encodePng({ width, height, data: pixels, channels: 1, depth: 8 });
}

beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "tc-images-"));
  mkdirSync(join(dir, "classes", "cat"), { recursive: true });
  mkdirSync(join(dir, "classes", "dog"), { recursive: true });
  writeFileSync(join(dir, "classes", "cat", "a.png"), greyPng(4, 3, 10));
  writeFileSync(join(dir, "classes", "cat", "b.PNG"), greyPng(4, 3, 5));
  // An RGB JPEG, flat red: JPEG is lossy, so compare loosely.
  const red = new Uint8Array(4 * 3 * 4);
  for (let i = 0; i < 12; i++) red.set([250, 0, 0, 255], i * 4);
  writeFileSync(join(dir, "classes", "dog", "c.jpg"), jpeg.encode({ width: 4, height: 3, data: red }, 95).data);
  writeFileSync(join(dir, "classes", "notes.txt"), "not an image, and outside any class folder");

  mkdirSync(join(dir, "flat"));
  writeFileSync(join(dir, "flat", "one.png"), greyPng(4, 3, 1));
  writeFileSync(join(dir, "flat", "two.png"), greyPng(5, 3, 1));
  // 16-bit RGBA and 1-bit grey PNGs.
  const rgba16 = Uint16Array.from([65535, 0, 0, 65535, 0, 32768, 0, 0]);
  writeFileSync(join(dir, "rgba16.png"), encodePng({ width: 2, height: 1, data: rgba16, channels: 4, depth: 16 }));
  writeFileSync(join(dir, "bits.png"), encodePng({ width: 3, height: 1, data: Uint8Array.from([0b10100000]), channels: 1, depth: 1 }));
  writeFileSync(join(dir, "broken.png"), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
  writeFileSync(join(dir, "text.png"), "hello");
  mkdirSync(join(dir, "empty"));
});

describe("loadImages", () => {
  it("reads a folder of class subfolders into images, labels and class names", () => {
    clearRecordedDataFiles();
    const loaded = data.loadImages(join(dir, "classes"));
    expect(loaded.classNames).toEqual(["cat", "dog"]);
    expect(loaded.images.shape).toEqual([3, 3, 4, 3]); // colour present, so RGB
    expect(Array.from(loaded.labels!.dataSync())).toEqual([0, 0, 1]);
    expect(loaded.paths.map((path) => path.slice(dir.length))).toEqual(["/classes/cat/a.png", "/classes/cat/b.PNG", "/classes/dog/c.jpg"]);
    const first = loaded.images.slice([0, 1, 0, 0], [1, 1, 4, 1]).dataSync();
    expect(Array.from(first, (v) => Math.round(v * 255))).toEqual([100, 110, 120, 130]);
    const jpegPixel = Array.from(loaded.images.slice([2, 1, 1, 0], [1, 1, 1, 3]).dataSync(), (v) => v * 255);
    expect(Math.abs(jpegPixel[0]! - 250)).toBeLessThan(8);
    expect(jpegPixel[1]!).toBeLessThan(8);
    expect(loaded.oneHot().shape).toEqual([3, 2]);
    expect(recordedDataFiles()).toHaveLength(3);
    loaded.dispose();
  });

  it("converts channels, resizes and keeps 0..255 when asked", () => {
    const grey = data.loadImages(join(dir, "classes", "cat", "a.png"), { channels: 1, normalize: false });
    expect(grey.images.shape).toEqual([1, 3, 4, 1]);
    expect(grey.labels).toBeNull();
    expect(Array.from(grey.images.dataSync()).slice(0, 4)).toEqual([0, 10, 20, 30]);
    const resized = data.loadImages(join(dir, "flat"), { size: [6, 8], channels: 1 });
    expect(resized.images.shape).toEqual([2, 6, 8, 1]);
    const rgba = data.loadImages(join(dir, "rgba16.png"), { channels: 4 });
    expect(Array.from(rgba.images.dataSync()).map((v) => Math.round(v * 1000) / 1000)).toEqual([1, 0, 0, 1, 0, 0.5, 0, 0]);
    const bits = data.loadImages(join(dir, "bits.png"));
    expect(Array.from(bits.images.dataSync())).toEqual([1, 0, 1]);
    for (const loaded of [grey, resized, rgba, bits]) loaded.dispose();
  });

  it("fails with one line naming the file and the problem", () => {
    const cases: Array<[string, RegExp]> = [
      [join(dir, "missing"), /^loadImages: .*missing: no such file or folder/],
      [join(dir, "broken.png"), /^loadImages: .*broken\.png: is not a valid PNG/],
      [join(dir, "text.png"), /^loadImages: .*text\.png: is neither a PNG nor a JPEG/],
      [join(dir, "empty"), /^loadImages: .*empty: has no \.png\/\.jpg\/\.jpeg images/],
      [join(dir, "flat"), /^loadImages: .*two\.png: is 5x3 but the first image is 4x3; pass \{ size: \[height, width\] \}/],
    ];
    for (const [path, expected] of cases) {
      expectOneLineError(() => data.loadImages(path), expected, DataFileError);
    }
  });
});
