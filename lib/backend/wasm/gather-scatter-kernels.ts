/**
 * GatherV2 and ScatterNd for wasm on tensorcell's kernel pool (the SIMD kernels
 * `gatherRows` and `scatterAddRows`, lib/backend/wasm/asm/gather-scatter.ts):
 * the message passing of every graph network in the library (gather the
 * source nodes' rows onto the edges, scatter-sum the edges into their targets;
 * lib/layers/graph_segment.ts), and embedding lookups and batching by index.
 *
 * Why: tfjs-backend-wasm's Gather works out every element's position by
 * divisions over the strides, and its ScatterNd is a scalar loop: gathering
 * the Cora-sized graph's 13,264 edges of 16 features took 7.5 ms, the
 * scatter-sum about as long, and they were half of a GCN epoch, on one thread.
 * Here a gather copies whole rows (on every thread, rows split between them),
 * and a scatter-sum adds rows four floats at a time, the columns split between
 * threads in units of 16.
 *
 * Values: a gather copies bits; a scatter-sum adds every element's updates in
 * the updates' order from zero, as tfjs's kernels do, so the bits equal the
 * cpu backend's at every thread count. Indices are checked first: a gather
 * index outside the axis gets tfjs's own error (the native kernel raises it),
 * a scatter index outside the output throws the cpu backend's "Invalid
 * indices" error (wasm's native ScatterNd writes outside its output).
 * Other cases (batchDims, dtypes other than float32 / int32, scatter
 * indices of more than one dimension) use the native kernels.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { existingConfigs, type KernelArgs, withNativeFallback } from "./kernel-helpers.js";
import { chunkCount, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** A chunk of work per this many elements at most: smaller copies are not worth waking a thread. */
const ELEMENTS_PER_CHUNK = 16384;
/** Floats per unit of a scatter-sum's column split (a 64-byte cache line). */
const COLUMN_UNIT = 16;

/** Where the first index outside [0, size) stands in `indices`, or -1 when every index lies inside. */
function firstOutside(indices: Int32Array, size: number): number {
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (index < 0 || index >= size) return i;
  }
  return -1;
}

interface GatherAttrs {
  axis: number;
  batchDims: number;
}

/** tf.gather of 4-byte elements along one axis, rows copied on the pool; null for the native kernel. */
function gatherOnPool(args: KernelArgs): tf.TensorInfo | null {
  const { x, indices } = args.inputs;
  const { axis, batchDims } = args.attrs as unknown as GatherAttrs;
  const backend = args.backend as BackendWasm;
  if (!x || !indices || (x.dtype !== "float32" && x.dtype !== "int32") || indices.dtype !== "int32" || batchDims !== 0) return null;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const dim = x.shape[parsedAxis]!;
  // Out-of-range indices: the native kernel raises tfjs's own error.
  if (firstOutside(backend.typedArrayFromHeap(indices) as Int32Array, dim) >= 0) return null;
  const count = tf.util.sizeFromShape(indices.shape);
  const outer = tf.util.sizeFromShape(x.shape.slice(0, parsedAxis));
  const inner = tf.util.sizeFromShape(x.shape.slice(parsedAxis + 1));
  const out = backend.makeOutput([...x.shape.slice(0, parsedAxis), ...indices.shape, ...x.shape.slice(parsedAxis + 1)], x.dtype);
  const rows = outer * count;
  if (rows === 0 || inner === 0) return out;
  const chunks = chunkCount(pool, rows, Math.ceil((rows * inner) / ELEMENTS_PER_CHUNK));
  // Arguments: x, indices, out, rows [begin, end), then the geometry.
  runChunksOnTensors(pool, backend, "gatherRows", { read: [x, indices], written: [out] }, { total: rows, chunks, rangeAt: 3 },
    ([xAt, indicesAt, outAt]) => [xAt!, indicesAt!, outAt!, 0, 0, count, dim, inner]);
  return out;
}

interface ScatterAttrs {
  shape: number[];
}

/** tf.scatterND of float32 rows (one index per update), summed on the pool; null for the native kernel. */
function scatterOnPool(args: KernelArgs): tf.TensorInfo | null {
  const { indices, updates } = args.inputs;
  const { shape } = args.attrs as unknown as ScatterAttrs;
  const backend = args.backend as BackendWasm;
  if (!indices || !updates || updates.dtype !== "float32" || indices.dtype !== "int32") return null;
  const sliceRank = indices.shape.length > 1 ? indices.shape[indices.shape.length - 1] : 1;
  if (sliceRank !== 1 || shape.length === 0) return null;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  const rows = shape[0]!;
  const columns = tf.util.sizeFromShape(shape.slice(1));
  const count = tf.util.sizeFromShape(indices.shape);
  if (tf.util.sizeFromShape(updates.shape) !== count * columns) return null;
  const ids = backend.typedArrayFromHeap(indices) as Int32Array;
  const outside = firstOutside(ids, rows);
  if (outside >= 0) throw new Error(`Invalid indices: ${ids[outside]} does not index into ${shape}`);
  const out = backend.makeOutput(shape, "float32");
  if (rows === 0 || columns === 0) return out;
  const units = Math.ceil(columns / COLUMN_UNIT);
  const chunks = chunkCount(pool, units, Math.ceil(((count + rows) * columns) / ELEMENTS_PER_CHUNK));
  // Arguments: indices, updates, out, column units [begin, end), then the geometry.
  runChunksOnTensors(pool, backend, "scatterAddRows", { read: [indices, updates], written: [out] }, { total: units, chunks, rangeAt: 3 },
    ([indicesAt, updatesAt, outAt]) => [indicesAt!, updatesAt!, outAt!, 0, 0, rows, columns, count]);
  return out;
}

/** Kernel configs for 'wasm': GatherV2 and ScatterNd on tensorcell's kernel pool. */
export function gatherScatterKernels(): tf.KernelConfig[] {
  return existingConfigs([withNativeFallback("GatherV2", gatherOnPool), withNativeFallback("ScatterNd", scatterOnPool)]);
}
