/**
 * Per-column totals of a float32 tensor seen as rows of `inner` values, on
 * tensorcell's pool (asm/channel-ops.ts, columnSums): Sum and Mean over leading
 * axes (reduce-kernels.ts) and a training batch norm's mean and variance
 * (BATCH_NORM_MOMENTS, lib/backend/batch-norm-moments.ts), and the sums of its
 * backward pass (channel-kernels.ts).
 *
 * Every thread adds whole blocks of BLOCK_FLOATS floats' worth of rows in float32,
 * row after row; the blocks are then added up here in float64, in block order,
 * and the total is rounded to float32 once (a mean: the float64 total divided by
 * the row count, then rounded). The blocks depend on the shape only, so every
 * thread count gives the same bits.
 *
 * Why: XNNPACK's average pooling (the path before, one output pixel) runs on one
 * thread, and a batch norm's statistics took four passes over the activation
 * (mean, subtract, square, mean), two of them on one thread; the moments kernel
 * takes two on every thread, and writes the centred input the backward pass keeps.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { BATCH_NORM_MOMENTS, composedBatchNormMoments } from "../batch-norm-moments.js";
import { asTensor, channelPeriod, type KernelArgs, repeatVectors } from "./kernel-helpers.js";
import { chunkCount, type KernelPool, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** Floats per block of rows (rounded down to whole rows, at least one). */
const BLOCK_FLOATS = 16384;
/** Below this many elements the native kernels are as fast and the setup is overhead. */
export const MIN_COLUMN_SUM_ELEMENTS = 4096;

/** How a float32 tensor of `size` floats is summed by columns of `inner`: its row length in the kernel and the pool; null when it cannot be. */
export function columnSumPlan(backend: BackendWasm, size: number, inner: number): { pool: KernelPool; period: number } | null {
  const period = size >= MIN_COLUMN_SUM_ELEMENTS ? channelPeriod(inner, size) : null;
  const pool = period === null ? null : kernelPoolFor(backend, wasmThreadCount());
  return pool && period !== null ? { pool, period } : null;
}

/**
 * What columnTotals adds up besides x itself: with `mean`, (x - mean)², writing x - mean
 * to `centred`; with `times`, x·times (a float32 tensor of x's shape).
 */
export type ColumnTerm = { mean: Float32Array; centred: tf.TensorInfo } | { times: tf.TensorInfo };

/**
 * The column totals (`inner` of them, float64) of x (float32, rows of `period` floats,
 * `inner` repeating in each): of x itself, or of the `term` given.
 */
export function columnTotals(
  pool: KernelPool, backend: BackendWasm, x: tf.TensorInfo, inner: number, period: number, term?: ColumnTerm,
): Float64Array {
  const rows = tf.util.sizeFromShape(x.shape) / period;
  const blockRows = Math.max(1, Math.floor(BLOCK_FLOATS / period));
  const blocks = Math.ceil(rows / blockRows);
  const sums = backend.makeOutput([blocks * period], "float32");
  const centre = term && "mean" in term ? term : null;
  const times = term && "times" in term ? term.times : null;
  const mean = centre ? backend.makeOutput([period], "float32") : null;
  try {
    if (mean) repeatVectors([centre!.mean], inner, period, backend.typedArrayFromHeap(mean) as Float32Array);
    // The kernel's mode (asm/channel-ops.ts: 0 x, 1 centred squares, 2 products) and its other tensor.
    const mode = centre ? 1 : times ? 2 : 0;
    const other = centre?.centred ?? times;
    const read = [x, mean, times].filter((t): t is tf.TensorInfo => t !== null);
    const written = centre ? [centre.centred, sums] : [sums];
    // Arguments: x, mean, the other tensor (centred or y), sums (0 for those not passed), blocks [begin, end), the geometry, the mode.
    const work = { total: blocks, chunks: chunkCount(pool, blocks), rangeAt: 4 };
    runChunksOnTensors(pool, backend, "columnSums", { read, written }, work, (offsets) => {
      const at = (t: tf.TensorInfo | null) => (t ? offsets[[...read, ...written].indexOf(t)]! : 0);
      return [at(x), at(mean), at(other), at(sums), 0, 0, blockRows, rows, period, mode];
    });
    const blockSums = backend.typedArrayFromHeap(sums) as Float32Array;
    const totals = new Float64Array(inner);
    for (let b = 0; b < blocks; b++) {
      for (let i = 0; i < period; i++) totals[i % inner] += blockSums[b * period + i]!;
    }
    return totals;
  } finally {
    backend.disposeData(sums.dataId);
    if (mean) backend.disposeData(mean.dataId);
  }
}

/** Float32 means of column `totals` over `count` rows each. */
export function columnMeans(totals: Float64Array, count: number): Float32Array {
  return Float32Array.from(totals, (total) => total / count);
}

/** A float32 tensor of `values` in the heap, shaped `shape`. */
function heapTensor(backend: BackendWasm, values: Float32Array, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).set(values);
  return out;
}

/** [mean, variance, centred] of x over every axis but the last on the pool, or null when the composition should run. */
function batchNormMomentsOnPool(args: KernelArgs): tf.TensorInfo[] | null {
  const { x } = args.inputs;
  const backend = args.backend as BackendWasm;
  if (!x || x.dtype !== "float32" || x.shape.length < 2) return null;
  const channels = x.shape[x.shape.length - 1]!;
  const size = tf.util.sizeFromShape(x.shape);
  const plan = columnSumPlan(backend, size, channels);
  if (!plan) return null;
  const count = size / channels;
  const mean = columnMeans(columnTotals(plan.pool, backend, x, channels, plan.period), count);
  const centred = backend.makeOutput(x.shape, "float32");
  const variance = columnMeans(columnTotals(plan.pool, backend, x, channels, plan.period, { mean, centred }), count);
  return [heapTensor(backend, mean, [channels]), heapTensor(backend, variance, [channels]), centred];
}

/** The wasm config of BATCH_NORM_MOMENTS: on the pool, or composed from tf ops when the pool cannot take it. */
export function batchNormMomentsKernel(): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_MOMENTS,
    backendName: "wasm",
    kernelFunc: (args) => {
      const onPool = batchNormMomentsOnPool(args as KernelArgs);
      if (onPool) return onPool;
      const { mean, variance, centred } = composedBatchNormMoments(asTensor(args.inputs.x as tf.TensorInfo));
      return [mean, variance, centred];
    },
  };
}
