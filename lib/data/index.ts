/**
 * Datasets and data helpers. Cells see `data` (e.g. `data.mnist()`,
 * `data.batches(x, y, { batchSize: 64 })`); each function is also exported by
 * name. Graph datasets live in graphs.ts.
 */
import { batches, fitNormalization, normalize, permutation, shuffle, trainTestSplit } from "./batching.js";
import { loadCsv } from "./csv.js";
import { batchGraphs, karateClub, syntheticCitationGraph, syntheticShapeGraphs } from "./graphs.js";
import { loadImages } from "./images.js";
import { mnist } from "./mnist.js";
import { rotations } from "./rotations.js";
import { shapes } from "./shapes.js";

export * from "./graphs.js";
export { DataFileError } from "./errors.js";
export { type ImageDataset } from "./image_dataset.js";
export { mnist, mnistDataDir, type MnistDataset, type MnistOptions } from "./mnist.js";
export { shapes, SHAPE_CLASSES, type ShapeClass, type ShapesDataset, type ShapesOptions } from "./shapes.js";
export { loadImages, IMAGE_EXTENSIONS, type LoadedImages, type LoadImagesOptions } from "./images.js";
export { loadCsv, type CsvRecord, type CsvTable, type LoadCsvOptions } from "./csv.js";
export { readIdx, parseIdx, type IdxArray } from "./idx.js";
export { rotations, type RotatedImages } from "./rotations.js";
export {
  batches,
  shuffle,
  permutation,
  trainTestSplit,
  normalize,
  fitNormalization,
  type Batches,
  type BatchOptions,
  type SeedOptions,
  type SplitOptions,
  type TrainTestSplit,
  type NormalizationStats,
} from "./batching.js";

/** Datasets (offline) and seeded data helpers, preloaded in every cell. */
export const data = {
  /**
   * MNIST digits from the bundled idx files: `{ images [n,28,28,1] float32 0..1, labels [n] int32, oneHot() }`.
   * Options: `split` ("train" 60,000 | "test" 10,000), `limit`, `normalize` (false keeps 0..255).
   */
  mnist,
  /** Seeded synthetic images of circles, squares, triangles (crosses, rings) with balanced labels: `shapes({ n: 600, size: 32, seed: 1 })`. */
  shapes,
  /** A PNG/JPEG file, a folder of them, or a folder of class-named subfolders (labels) as tensors: `loadImages("pets/", { size: [64, 64] })`. */
  loadImages,
  /** A CSV file (or folder of them) as records plus `x`/`y` tensors: `loadCsv("iris.csv", { label: "species" })`. */
  loadCsv,
  /** Iterate over matching batches: `for (const [xb, yb] of data.batches(x, y, { batchSize: 64, seed: 1 }))`; a new seeded order each pass. */
  batches,
  /** Shuffle tensor rows (x alone, or x and y together) or an array, in a seeded order. */
  shuffle,
  /** A seeded random order of 0..n-1, as an Int32Array. */
  permutation,
  /** Split x, y into `{ xTrain, yTrain, xTest, yTest }`, seeded, optionally stratified by class. */
  trainTestSplit,
  /** (x - mean) / std with given stats (per channel on the last axis), or "standard" / "minmax" fitted on x. */
  normalize,
  /** Fit "standard" or "minmax" statistics on training data, to apply with normalize to any split. */
  fitNormalization,
  /** Zachary's karate club (34 members, 2 factions) as a node-classification graph. */
  karateClub,
  /** A seeded Cora-sized citation-like graph from a stochastic block model (2,708 nodes, 7 classes). */
  syntheticCitationGraph,
  /** A seeded graph-classification set of small graphs (cycles, stars, trees). */
  syntheticShapeGraphs,
  /** Packs small graphs into one disjoint-union batch for graph-level models. */
  batchGraphs,
  /**
   * RotNet's self-supervised task (Gidaris et al. 2018): four copies of square NHWC images rotated by
   * 0, 90, 180, 270 degrees, `{ images [4n,h,w,c], labels [4n] 0-3, oneHot() }`; no class labels needed.
   */
  rotations,
};
