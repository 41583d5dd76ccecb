import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { data, mnistDataDir, readIdx } from "../../../lib/data/index.js";
import { clearRecordedDataFiles, recordedDataFiles } from "../../../lib/repro/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function labelCounts(labels: tf.Tensor1D): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of labels.dataSync()) counts[label]!++;
  return counts;
}

describe("mnist", () => {
  it("loads the 60,000 training images with LeCun's labels and pixels", () => {
    const train = data.mnist();
    expect(train.split).toBe("train");
    expect(train.images.shape).toEqual([60000, 28, 28, 1]);
    expect(train.images.dtype).toBe("float32");
    expect(train.labels.dtype).toBe("int32");
    expect(Array.from(train.labels.dataSync().slice(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(labelCounts(train.labels)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    // Row 5 of the first training image (the "5"), as printed in countless tutorials.
    const row = tf.tidy(() => Array.from(train.images.slice([0, 5, 0, 0], [1, 1, 28, 1]).mul(255).round().dataSync()));
    expect(row).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127, 0, 0, 0, 0]);
    const [min, max] = tf.tidy(() => [train.images.min().dataSync()[0], train.images.max().dataSync()[0]]);
    expect([min, max]).toEqual([0, 1]);
    train.dispose();
  });

  it("loads the 10,000 test images, honours limit and normalize, one-hot encodes", () => {
    const test = data.mnist({ split: "test" });
    expect(test.size).toBe(10000);
    expect(Array.from(test.labels.dataSync().slice(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    expect(labelCounts(test.labels)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    test.dispose();

    const few = data.mnist({ split: "test", limit: 3, normalize: false });
    expect(few.images.shape).toEqual([3, 28, 28, 1]);
    expect(tf.tidy(() => few.images.max().dataSync()[0])).toBe(255);
    const oneHot = few.oneHot();
    expect(oneHot.shape).toEqual([3, 10]);
    expect(Array.from(oneHot.argMax(1).dataSync())).toEqual([7, 2, 1]);
    expect(oneHot.sum().dataSync()[0]).toBe(3);
    oneHot.dispose();
    few.dispose();
    expect(() => data.mnist({ limit: 0 })).toThrow(/limit must be a positive integer/);
    expect(() => data.mnist({ split: "val" as "test" })).toThrow(/"train" or "test"/);
  });

  it("records the idx files it read, with their SHA-256", () => {
    clearRecordedDataFiles();
    data.mnist({ split: "test", limit: 1 }).dispose();
    const files = recordedDataFiles();
    const imagesPath = join(mnistDataDir(), "t10k-images-idx3-ubyte");
    expect(files.map((file) => file.path)).toEqual([imagesPath, join(mnistDataDir(), "t10k-labels-idx1-ubyte")]);
    expect(files[0]!.sha256).toBe(createHash("sha256").update(readFileSync(imagesPath)).digest("hex"));
    expect(files[0]!.bytes).toBe(7840016);
  });
});

describe("readIdx", () => {
  const dir = mkdtempSync(join(tmpdir(), "tc-idx-"));
  const idx = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);

  it("reads plain and gzipped idx files", () => {
    writeFileSync(join(dir, "plain.idx"), idx);
    writeFileSync(join(dir, "packed.idx.gz"), gzipSync(idx));
    for (const name of ["plain.idx", "packed.idx.gz"]) {
      const parsed = readIdx(join(dir, name));
      expect(parsed.shape).toEqual([2, 3]);
      expect(Array.from(parsed.values)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it("names the file and the problem for missing, truncated or foreign files", () => {
    writeFileSync(join(dir, "short.idx"), idx.subarray(0, 15));
    writeFileSync(join(dir, "text.idx"), "hello world");
    writeFileSync(join(dir, "float.idx"), Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]));
    expect(() => readIdx(join(dir, "absent.idx"))).toThrow(/absent\.idx: no such file/);
    expect(() => readIdx(join(dir, "short.idx"))).toThrow(/short\.idx: is truncated or padded: shape \[2, 3\] needs 18 bytes, the file has 15/);
    expect(() => readIdx(join(dir, "text.idx"))).toThrow(/text\.idx: is not an idx file/);
    expect(() => readIdx(join(dir, "float.idx"))).toThrow(/float\.idx: holds idx type 0xd/);
  });
});
