/**
 * Per-channel elementwise kernels for wasm with tensorcell's SIMD kernels
 * (lib/backend/wasm/asm/channel-ops.ts) on every wasm thread: FusedBatchNorm,
 * and Add / Sub / Multiply / RealDiv of a tensor and a vector along its last
 * axis (a [C] or [1, ..., 1, C] operand; the shape of every batch-norm
 * gradient's per-channel term).
 *
 * Why: tfjs-backend-wasm's FusedBatchNorm is a scalar loop with a square root
 * and a division per element (4.6 ms for ResNet-20's 64x32x32x16 activation,
 * where a same-shape Multiply takes 0.3 ms), and XNNPACK's broadcasting
 * arithmetic over a 16-float inner axis takes 1.2-3.6 ms for the same size.
 * Measured with bench/train/op-costs.ts.
 *
 * Results: batch norm is (x - mean) * k + offset in float32 with
 * k = scale / sqrt(variance + epsilon) rounded once per channel (the native
 * kernel divides per element), so values can differ from it by float32
 * rounding. The arithmetic kernels round exactly as the native ones.
 * Tensors below MIN_ELEMENTS, other dtypes and other broadcasts use the
 * native kernels.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { BATCH_NORM_GRADIENT, type BatchNormGradientAttrs, composedBatchNormGradients } from "../batch-norm-gradient.js";
import { composedReluGradient, RELU_GRADIENT } from "../gradients.js";
import { asTensor, channelPeriod, existingConfigs, type KernelArgs, repeatVectors, withNativeFallback } from "./kernel-helpers.js";
import { columnSumPlan, columnTotals } from "./column-sums.js";
import { chunkCount, type KernelPool, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** Below this many elements the native kernels are fast enough and the setup is overhead. */
const MIN_ELEMENTS = 4096;
/** At least about this many elements per chunk, so small tensors do not pay for waking threads. */
const ELEMENTS_PER_CHUNK = 32768;

/**
 * Runs a channel kernel over `inputs` (float32, same shape, rows of `period`) with the
 * per-channel `vectors`, each repeated to `period` floats in a heap scratch tensor; the
 * output has the inputs' shape.
 */
function runChannelKernel(
  pool: KernelPool, backend: BackendWasm, kernel: "channelAffine" | "channelBinary" | "batchNormGradient", inputs: tf.TensorInfo[],
  vectors: ArrayLike<number>[], channels: number, period: number, extraArgs: number[],
): tf.TensorInfo {
  const shape = inputs[0]!.shape;
  const size = tf.util.sizeFromShape(shape);
  const rows = size / period;
  const chunks = chunkCount(pool, rows, Math.round(size / ELEMENTS_PER_CHUNK));
  const scratch = backend.makeOutput([vectors.length * period], "float32");
  const out = backend.makeOutput(shape, "float32");
  try {
    repeatVectors(vectors, channels, period, backend.typedArrayFromHeap(scratch) as Float32Array);
    // Arguments: the inputs, the vectors, out, rows [begin, end), then the row length and the kernel's own.
    const work = { total: rows, chunks, rangeAt: inputs.length + vectors.length + 1 };
    runChunksOnTensors(pool, backend, kernel, { read: [...inputs, scratch], written: [out] }, work, (offsets) => {
      const vAt = offsets[inputs.length]!;
      const vectorAt = vectors.map((_, v) => vAt + v * period * 4);
      return [...offsets.slice(0, inputs.length), ...vectorAt, offsets[inputs.length + 1]!, 0, 0, period, ...extraArgs];
    });
    return out;
  } finally {
    backend.disposeData(scratch.dataId);
  }
}

/** Values of a float32 tensor's data in the heap. */
function heapValues(backend: BackendWasm, t: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(t) as Float32Array;
}

interface BatchNormAttrs {
  varianceEpsilon: number;
}

/** FusedBatchNorm on the pool, or null when the native kernel should run. */
function batchNormOnPool(args: KernelArgs): tf.TensorInfo | null {
  const { x, mean, variance, offset, scale } = args.inputs;
  const backend = args.backend as BackendWasm;
  if (!x || !mean || !variance || x.shape.length === 0) return null;
  const channels = x.shape[x.shape.length - 1]!;
  const size = tf.util.sizeFromShape(x.shape);
  const params = [mean, variance, offset, scale].filter((t): t is tf.TensorInfo => t !== undefined);
  const perChannel = (t: tf.TensorInfo) => t.dtype === "float32" && [1, channels].includes(tf.util.sizeFromShape(t.shape));
  const period = channelPeriod(channels, size);
  if (x.dtype !== "float32" || size < MIN_ELEMENTS || period === null || !params.every(perChannel)) return null;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  const epsilon = (args.attrs as unknown as BatchNormAttrs).varianceEpsilon;
  const at = (values: Float32Array | null, c: number, fallback: number) => (values === null ? fallback : values[values.length === 1 ? 0 : c]!);
  const meanValues = heapValues(backend, mean);
  const varianceValues = heapValues(backend, variance);
  const scaleValues = scale ? heapValues(backend, scale) : null;
  const offsetValues = offset ? heapValues(backend, offset) : null;
  const k = new Float32Array(channels);
  const m = new Float32Array(channels);
  const o = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    k[c] = at(scaleValues, c, 1) / Math.sqrt(at(varianceValues, c, 0) + epsilon);
    m[c] = at(meanValues, c, 0);
    o[c] = at(offsetValues, c, 0);
  }
  return runChannelKernel(pool, backend, "channelAffine", [x], [m, k, o], channels, period, []);
}

/** The channel kernel's number for each arithmetic kernel (asm/channel-ops.ts). */
const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;
type BinaryKernel = keyof typeof BINARY_OPS;

/** Whether `v` is a vector along the last axis of `full`: shape [C] or [1, ..., 1, C] of no higher rank, C > 1. */
function isChannelVector(v: tf.TensorInfo, full: tf.TensorInfo): boolean {
  const channels = full.shape[full.shape.length - 1];
  if (channels === undefined || channels < 2 || v.shape.length > full.shape.length) return false;
  return v.shape[v.shape.length - 1] === channels && v.shape.slice(0, -1).every((d) => d === 1);
}

/**
 * An elementwise kernel over `inputs` (float32, same shape, a multiple of 4 floats) on the
 * pool: `kernel` gets their offsets, the output's, the range of 4-float vectors, then
 * `extraArgs`. Null (run the native kernel) below MIN_ELEMENTS.
 */
function elementwiseOnPool(
  backend: BackendWasm, kernel: "elementwiseBinary" | "relu", inputs: tf.TensorInfo[], extraArgs: number[],
): tf.TensorInfo | null {
  const size = tf.util.sizeFromShape(inputs[0]!.shape);
  if (size < MIN_ELEMENTS || size % 4 !== 0) return null;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  const out = backend.makeOutput(inputs[0]!.shape, "float32");
  const vectors = size / 4;
  const work = { total: vectors, chunks: chunkCount(pool, vectors, Math.round(size / ELEMENTS_PER_CHUNK)), rangeAt: inputs.length + 1 };
  runChunksOnTensors(pool, backend, kernel, { read: inputs, written: [out] }, work, (offsets) => [...offsets, 0, 0, ...extraArgs]);
  return out;
}

/** Relu of a float32 tensor on the pool, or null when the native kernel should run. */
function reluOnPool(args: KernelArgs): tf.TensorInfo | null {
  const { x } = args.inputs;
  if (!x || x.dtype !== "float32") return null;
  return elementwiseOnPool(args.backend as BackendWasm, "relu", [x], []);
}

/** A binary kernel of a tensor and a channel vector, or of two same-shape tensors, on the pool; null when the native kernel should run. */
function channelBinaryOnPool(kernel: BinaryKernel, args: KernelArgs): tf.TensorInfo | null {
  const { a, b } = args.inputs;
  const backend = args.backend as BackendWasm;
  if (!a || !b || a.dtype !== "float32" || b.dtype !== "float32") return null;
  if (tf.util.arraysEqual(a.shape, b.shape)) return elementwiseOnPool(backend, "elementwiseBinary", [a, b], [BINARY_OPS[kernel]]);
  const channelFirst = isChannelVector(a, b) && !isChannelVector(b, a);
  const [full, vector] = channelFirst ? [b, a] : [a, b];
  if (!isChannelVector(vector, full)) return null;
  const channels = full.shape[full.shape.length - 1]!;
  const size = tf.util.sizeFromShape(full.shape);
  const period = channelPeriod(channels, size);
  if (size < MIN_ELEMENTS || period === null) return null;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  // A copy: the view would detach when the outputs grow the heap.
  const vectorValues = heapValues(backend, vector).slice();
  return runChannelKernel(pool, backend, "channelBinary", [full], [vectorValues], channels, period, [BINARY_OPS[kernel], channelFirst ? 1 : 0]);
}

/**
 * A training batch norm's backward pass (lib/backend/batch-norm-gradient.ts) on the pool:
 * the per-channel sums of dy and dy·xc (column-sums.ts: the same bits at every thread
 * count), then dx in one pass; null when the composition should run.
 */
function batchNormGradientOnPool(args: KernelArgs): tf.TensorInfo[] | null {
  const { dy, xc, variance, gamma } = args.inputs;
  const backend = args.backend as BackendWasm;
  if (!dy || !xc || !variance || !gamma || dy.shape.length === 0) return null;
  const channels = dy.shape[dy.shape.length - 1]!;
  const size = tf.util.sizeFromShape(dy.shape);
  const perChannel = (t: tf.TensorInfo) => t.dtype === "float32" && tf.util.sizeFromShape(t.shape) === channels;
  if (dy.dtype !== "float32" || !tf.util.arraysEqual(dy.shape, xc.shape) || xc.dtype !== "float32" || !perChannel(variance) || !perChannel(gamma)) return null;
  const plan = columnSumPlan(backend, size, channels);
  if (!plan) return null;
  const { pool, period } = plan;
  // Copies: the views would detach when the outputs grow the heap.
  const varianceValues = heapValues(backend, variance).slice();
  const gammaValues = heapValues(backend, gamma).slice();
  const sumDy = columnTotals(pool, backend, dy, channels, period);
  const sumDyXc = columnTotals(pool, backend, dy, channels, period, { times: xc });
  const epsilon = (args.attrs as unknown as BatchNormGradientAttrs).varianceEpsilon;
  const n = size / channels;
  const k = new Float32Array(channels);
  const offset = new Float32Array(channels);
  const kc = new Float32Array(channels);
  const dgamma = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const r = 1 / Math.sqrt(varianceValues[c]! + epsilon);
    const gr = gammaValues[c]! * r;
    k[c] = gr;
    offset[c] = (-gr / n) * sumDy[c]!;
    kc[c] = ((gr * r * r) / n) * sumDyXc[c]!;
    dgamma[c] = sumDyXc[c]! * r;
  }
  const dx = runChannelKernel(pool, backend, "batchNormGradient", [dy, xc], [k, offset, kc], channels, period, []);
  const vectorOutput = (values: ArrayLike<number>) => {
    const out = backend.makeOutput([channels], "float32");
    heapValues(backend, out).set(values);
    return out;
  };
  return [dx, vectorOutput(dgamma), vectorOutput(sumDy)];
}

/** The wasm config of BATCH_NORM_GRADIENT: on the pool, or composed from tf ops when the pool cannot take it. */
function batchNormGradientKernel(): tf.KernelConfig {
  return {
    kernelName: BATCH_NORM_GRADIENT,
    backendName: "wasm",
    kernelFunc: (args) => {
      const onPool = batchNormGradientOnPool(args as KernelArgs);
      if (onPool) return onPool;
      const { dy, xc, variance, gamma } = args.inputs;
      const epsilon = (args.attrs as unknown as BatchNormGradientAttrs).varianceEpsilon;
      return composedBatchNormGradients(asTensor(dy as tf.TensorInfo), asTensor(xc as tf.TensorInfo), asTensor(variance as tf.TensorInfo), asTensor(gamma as tf.TensorInfo), epsilon);
    },
  };
}

/** elementwiseBinary's op for ReLU's gradient (asm/channel-ops.ts RELU_GRADIENT). */
const RELU_GRADIENT_OP = 4;

/** The wasm config of RELU_GRADIENT: one pass on the pool, or tfjs's step and multiply when the pool cannot take it. */
function reluGradientKernel(): tf.KernelConfig {
  return {
    kernelName: RELU_GRADIENT,
    backendName: "wasm",
    kernelFunc: (args) => {
      const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      return elementwiseOnPool(args.backend as BackendWasm, "elementwiseBinary", [dy, x], [RELU_GRADIENT_OP])
        ?? composedReluGradient(asTensor(dy), asTensor(x));
    },
  };
}

/**
 * Kernel configs for 'wasm': FusedBatchNorm, Relu and its gradient, and per-channel or
 * same-shape Add/Sub/Multiply/RealDiv on the SIMD kernels, the native kernels otherwise.
 */
export function channelKernels(): tf.KernelConfig[] {
  return existingConfigs([
    withNativeFallback("FusedBatchNorm", batchNormOnPool),
    withNativeFallback("Relu", reluOnPool),
    batchNormGradientKernel(),
    reluGradientKernel(),
    ...(Object.keys(BINARY_OPS) as BinaryKernel[]).map((kernelName) => withNativeFallback(kernelName, (args) => channelBinaryOnPool(kernelName, args))),
  ]);
}
