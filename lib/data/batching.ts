/**
 * Batching, shuffling, splitting and normalisation helpers for tensors whose
 * first axis is the example axis. Everything random takes a `seed`; without
 * one it draws a seed from `seed(n)`'s stream (repeatable once the run is
 * seeded, random otherwise).
 */
import * as tf from "@tensorflow/tfjs";
import { createRandom, deriveSeed, nextSeed, randomPermutation } from "../repro/index.js";

/** Options with an optional seed. */
export interface SeedOptions {
  /** Integer seed; the same seed gives the same order. Default: from `seed(n)`'s stream. */
  seed?: number;
}

/** Options for {@link batches}. */
export interface BatchOptions extends SeedOptions {
  /** Examples per batch. */
  batchSize: number;
  /** Visit examples in a new seeded order each pass (default true, like Keras' fit). */
  shuffle?: boolean;
  /** Leave out the last batch when it is smaller than batchSize (default false). */
  dropRemainder?: boolean;
}

/**
 * Batches you can iterate over with `for ... of`, once per epoch; each pass
 * uses the next seeded order. Each yielded tensor is new: dispose it (or run
 * the loop body in tf.tidy). A shuffled pass reads x and y back into JS
 * memory once (kept while this object lives) and copies batch rows from there.
 */
export interface Batches<B> extends Iterable<B> {
  /** Number of batches per pass. */
  readonly length: number;
  /** Number of examples. */
  readonly size: number;
  /** The seed the orders are drawn from. */
  readonly seed: number;
}

function checkSameLength(where: string, x: tf.Tensor, y: tf.Tensor): void {
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) {
    throw new Error(`${where}: x and y must have the same first (example) dimension, got x [${x.shape.join(", ")}] and y [${y.shape.join(", ")}]`);
  }
}

function exampleCount(where: string, x: tf.Tensor): number {
  if (x.rank === 0) throw new Error(`${where}: expected a tensor with an example axis first, got a scalar`);
  return x.shape[0]!;
}

function gatherRows<T extends tf.Tensor>(x: T, indices: Int32Array): T {
  return takeRows(x, rowTable(x), indices);
}

/** A tensor's values read back once, so rows can be copied out without a kernel per batch. */
interface RowTable {
  values: Float32Array | Int32Array | Uint8Array;
  rowSize: number;
}

/**
 * Reads `x` back for row copying; null for string and complex tensors, which
 * go through tf.gather. Measured on the cpu backend: tf.gather of 64 MNIST
 * rows costs about 8 ms (its generic index arithmetic), a typed-array row copy
 * a few microseconds; on other backends the copy saves one kernel per batch.
 */
function rowTable(x: tf.Tensor): RowTable | null {
  if (x.dtype === "string" || x.dtype === "complex64") return null;
  const values = x.dataSync() as Float32Array | Int32Array | Uint8Array;
  return { values, rowSize: x.shape.slice(1).reduce((a, b) => a * b, 1) };
}

function takeRows<T extends tf.Tensor>(x: T, table: RowTable | null, indices: Int32Array): T {
  if (table === null) return tf.tidy(() => tf.gather(x, tf.tensor1d(indices, "int32")) as T);
  const { values, rowSize } = table;
  const Constructor = values.constructor as new (length: number) => Float32Array | Int32Array | Uint8Array;
  const out = new Constructor(indices.length * rowSize);
  if (rowSize === 1) {
    for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]!]!;
  } else {
    for (let i = 0; i < indices.length; i++) {
      const start = indices[i]! * rowSize;
      out.set(values.subarray(start, start + rowSize), i * rowSize);
    }
  }
  return tf.tensor(out, [indices.length, ...x.shape.slice(1)], x.dtype) as T;
}

/**
 * A seeded random order of `n` indices (0..n-1).
 *
 * @example
 * permutation(5, { seed: 1 }); // Int32Array of 0..4 in a repeatable order
 */
export function permutation(n: number, options: SeedOptions = {}): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`permutation: n must be a non-negative integer, got ${String(n)}`);
  return randomPermutation(n, createRandom(options.seed ?? nextSeed()));
}

/** Shuffles the rows of `x` in a seeded order; returns a new tensor. */
export function shuffle<T extends tf.Tensor>(x: T, options?: SeedOptions): T;
/** Shuffles the rows of `x` and `y` in the same seeded order; returns new tensors. */
export function shuffle<T extends tf.Tensor, U extends tf.Tensor>(x: T, y: U, options?: SeedOptions): [T, U];
/** Returns a shuffled copy of an array, in a seeded order. */
export function shuffle<E>(items: readonly E[], options?: SeedOptions): E[];
export function shuffle(
  x: tf.Tensor | readonly unknown[],
  yOrOptions?: tf.Tensor | SeedOptions,
  maybeOptions?: SeedOptions,
): tf.Tensor | [tf.Tensor, tf.Tensor] | unknown[] {
  const y = yOrOptions instanceof tf.Tensor ? yOrOptions : undefined;
  const options = (y === undefined ? (yOrOptions as SeedOptions | undefined) : maybeOptions) ?? {};
  if (Array.isArray(x)) {
    const order = permutation(x.length, options);
    return Array.from(order, (i) => x[i]);
  }
  const xs = x as tf.Tensor;
  const order = permutation(exampleCount("shuffle", xs), options);
  if (y === undefined) return gatherRows(xs, order);
  checkSameLength("shuffle", xs, y);
  return [gatherRows(xs, order), gatherRows(y, order)];
}

/** Iterates over `x` in batches of `batchSize` rows. */
export function batches<X extends tf.Tensor>(x: X, options: BatchOptions): Batches<X>;
/** Iterates over `x` and `y` in matching batches: `for (const [xb, yb] of batches(x, y, { batchSize: 32 }))`. */
export function batches<X extends tf.Tensor, Y extends tf.Tensor>(x: X, y: Y, options: BatchOptions): Batches<[X, Y]>;
export function batches(x: tf.Tensor, yOrOptions: tf.Tensor | BatchOptions, maybeOptions?: BatchOptions): Batches<tf.Tensor | [tf.Tensor, tf.Tensor]> {
  const y = yOrOptions instanceof tf.Tensor ? yOrOptions : undefined;
  const options = y === undefined ? (yOrOptions as BatchOptions) : maybeOptions;
  if (options === undefined) throw new Error("batches: pass options with a batchSize, e.g. batches(x, y, { batchSize: 32 })");
  const { batchSize, shuffle: shuffled = true, dropRemainder = false } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batches: batchSize must be a positive integer, got ${String(batchSize)}`);
  const n = exampleCount("batches", x);
  if (y !== undefined) checkSameLength("batches", x, y);
  const seedValue = options.seed ?? nextSeed();
  const length = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  let epoch = 0;
  // Read back once, on the first shuffled pass, and reuse for every later pass.
  let tables: { x: RowTable | null; y: RowTable | null } | undefined;

  function* iterate(): Generator<tf.Tensor | [tf.Tensor, tf.Tensor]> {
    const order = shuffled ? randomPermutation(n, createRandom(deriveSeed(seedValue, `epoch:${epoch}`))) : null;
    epoch++;
    if (order !== null && tables === undefined) tables = { x: rowTable(x), y: y === undefined ? null : rowTable(y) };
    for (let b = 0; b < length; b++) {
      const start = b * batchSize;
      const end = Math.min(n, start + batchSize);
      const take = (t: tf.Tensor, table: RowTable | null | undefined): tf.Tensor =>
        order === null ? tf.slice(t, [start], [end - start]) : takeRows(t, table ?? null, order.subarray(start, end));
      yield y === undefined ? take(x, tables?.x) : [take(x, tables?.x), take(y, tables?.y)];
    }
  }
  return { length, size: n, seed: seedValue, [Symbol.iterator]: iterate };
}

/** Options for {@link trainTestSplit}. */
export interface SplitOptions extends SeedOptions {
  /** Fraction of examples for the test set (default 0.2). Ignored when testSize is given. */
  testFraction?: number;
  /** Exact number of test examples. */
  testSize?: number;
  /** Shuffle before splitting (default true); false takes the last rows as the test set. */
  shuffle?: boolean;
  /** Keep each class's share equal in both parts (so the test size may differ from the request by rounding); y must hold class indices [n] or one-hot rows [n, k]. */
  stratify?: boolean;
}

/** The four parts {@link trainTestSplit} returns. */
export interface TrainTestSplit<X extends tf.Tensor, Y extends tf.Tensor> {
  xTrain: X;
  yTrain: Y;
  xTest: X;
  yTest: Y;
}

function classIndices(y: tf.Tensor): Int32Array {
  if (y.rank === 1) return Int32Array.from(y.dataSync(), (value) => Math.round(value));
  if (y.rank === 2) return tf.tidy(() => y.argMax(1).dataSync() as Int32Array).slice();
  throw new Error(`trainTestSplit: stratify needs y as class indices [n] or one-hot [n, k], got [${y.shape.join(", ")}]`);
}

/**
 * Splits examples into a training and a test part, shuffled with a seed,
 * optionally stratified by class.
 *
 * @example
 * const { xTrain, yTrain, xTest, yTest } = trainTestSplit(x, y, { testFraction: 0.25, seed: 0 });
 */
export function trainTestSplit<X extends tf.Tensor, Y extends tf.Tensor>(x: X, y: Y, options: SplitOptions = {}): TrainTestSplit<X, Y> {
  checkSameLength("trainTestSplit", x, y);
  const n = x.shape[0]!;
  const fraction = options.testFraction ?? 0.2;
  if (options.testSize === undefined && !(fraction > 0 && fraction < 1)) {
    throw new Error(`trainTestSplit: testFraction must be between 0 and 1 (exclusive), got ${String(fraction)}`);
  }
  const testSize = options.testSize ?? Math.round(n * fraction);
  if (!Number.isInteger(testSize) || testSize < 1 || testSize >= n) {
    throw new Error(`trainTestSplit: the test set must hold between 1 and ${n - 1} of the ${n} examples, got ${String(testSize)}`);
  }
  const random = createRandom(options.seed ?? nextSeed());
  let testIndices: number[];
  let trainIndices: number[];
  if (options.stratify) {
    const labels = classIndices(y);
    const byClass = new Map<number, number[]>();
    labels.forEach((label, i) => {
      const members = byClass.get(label);
      if (members === undefined) byClass.set(label, [i]);
      else members.push(i);
    });
    testIndices = [];
    trainIndices = [];
    for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
      const members = byClass.get(label)!;
      const order = options.shuffle === false ? members : Array.from(randomPermutation(members.length, random), (i) => members[i]!);
      const take = Math.round((members.length * testSize) / n);
      testIndices.push(...order.slice(0, take));
      trainIndices.push(...order.slice(take));
    }
    if (options.shuffle !== false) {
      testIndices = Array.from(randomPermutation(testIndices.length, random), (i) => testIndices[i]!);
      trainIndices = Array.from(randomPermutation(trainIndices.length, random), (i) => trainIndices[i]!);
    }
  } else {
    const order = options.shuffle === false ? Array.from({ length: n }, (_, i) => i) : Array.from(randomPermutation(n, random));
    trainIndices = order.slice(0, n - testSize);
    testIndices = order.slice(n - testSize);
  }
  const train = Int32Array.from(trainIndices);
  const test = Int32Array.from(testIndices);
  const xTable = rowTable(x);
  const yTable = rowTable(y);
  return {
    xTrain: takeRows(x, xTable, train),
    yTrain: takeRows(y, yTable, train),
    xTest: takeRows(x, xTable, test),
    yTest: takeRows(y, yTable, test),
  };
}

/** Per-channel (last axis) or global statistics that {@link normalize} applies as (x - mean) / std. */
export interface NormalizationStats {
  mean: number | number[];
  std: number | number[];
}

/**
 * Computes normalisation statistics over every axis but the last (per feature
 * or channel; over everything for a 1-D tensor): "standard" gives mean and
 * standard deviation, "minmax" gives mean = min and std = max - min so that
 * normalize maps to 0..1. A zero spread becomes 1 so constant columns stay finite.
 * Fit on training data, then apply the same stats to test data.
 */
export function fitNormalization(x: tf.Tensor, method: "standard" | "minmax"): NormalizationStats {
  if (method !== "standard" && method !== "minmax") {
    throw new Error(`fitNormalization: method must be "standard" or "minmax", got ${JSON.stringify(method)}`);
  }
  const axes = x.rank <= 1 ? undefined : Array.from({ length: x.rank - 1 }, (_, i) => i);
  const [centre, spread] = tf.tidy(() => {
    if (method === "standard") {
      const { mean, variance } = tf.moments(x, axes);
      return [Array.from(mean.dataSync()), Array.from(variance.sqrt().dataSync())];
    }
    const min = tf.min(x, axes);
    return [Array.from(min.dataSync()), Array.from(tf.max(x, axes).sub(min).dataSync())];
  });
  const safeSpread = spread.map((value) => (value > 0 && Number.isFinite(value) ? value : 1));
  return x.rank <= 1 ? { mean: centre[0]!, std: safeSpread[0]! } : { mean: centre, std: safeSpread };
}

/**
 * Normalises `x` as (x - mean) / std, broadcasting per-channel arrays along
 * the last axis. Pass stats (e.g. from {@link fitNormalization} on the
 * training set, or MNIST's { mean: 0.1307, std: 0.3081 }), or "standard" /
 * "minmax" to fit them on `x` itself. Returns a new float32 tensor.
 */
export function normalize<T extends tf.Tensor>(x: T, how: NormalizationStats | "standard" | "minmax"): T {
  const stats = typeof how === "string" ? fitNormalization(x, how) : how;
  const channels = x.rank === 0 ? 1 : x.shape[x.rank - 1]!;
  for (const [name, value] of Object.entries(stats) as Array<[string, number | number[]]>) {
    if (Array.isArray(value) && value.length !== channels) {
      throw new Error(`normalize: ${name} has ${value.length} values but the last axis of x has ${channels}; give one per channel or a single number`);
    }
  }
  return tf.tidy(() => {
    const asTensor = (value: number | number[]): tf.Tensor => (Array.isArray(value) ? tf.tensor1d(value) : tf.scalar(value));
    return x.toFloat().sub(asTensor(stats.mean)).div(asTensor(stats.std)) as T;
  });
}
