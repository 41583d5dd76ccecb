/**
 * MaxPoolGrad and AvgPoolGrad for wasm, and MaxPool: tensorcell's SIMD kernels
 * `maxPoolGradient`, `avgPoolGradient` and `maxPool` (lib/backend/wasm/asm/pool-grad.ts)
 * on every wasm thread, each thread taking its share of the images.
 *
 * tfjs-backend-wasm's pooling gradients are scalar C loops that, for every
 * input pixel, revisit every window covering it (about 17 ms for the reference
 * CNN's 64x24x24x32 max pooling, and 7 ms for each of ResNet-20's 1x1
 * stride-2 subsamplings, single-threaded). Here each window is visited once,
 * four channels at a time (NHWC keeps channels contiguous).
 *
 * MaxPoolGrad's tie-breaking equals tfjs's cpu kernel: within a window,
 * positions are scanned row by row, column by column, and the first strictly
 * largest value wins (NaN never wins; a window of only NaN / -Infinity gets
 * no gradient). Overlapping windows (stride < pool size) accumulate in
 * float32, where the cpu kernels accumulate in float64: results can differ by
 * float32 rounding. Every thread count gives the same bits (images are split,
 * never windows).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { existingConfigs, withNativeFallback } from "./kernel-helpers.js";
import { chunkCount, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** At least about this many input elements per chunk of a max pooling, so small ones do not pay for waking threads. */
const ELEMENTS_PER_CHUNK = 65536;

/** The attributes of MaxPool and of the pooling gradients that the kernels read. */
interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** The pooling kernels' geometry arguments (asm/pool-grad.ts): sizes, window, strides, dilations, padding. */
function poolGeometry(info: tf.backend_util.Conv2DInfo): number[] {
  return [info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.effectiveFilterHeight, info.effectiveFilterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left];
}

/**
 * MaxPool on the SIMD kernel for float32 NHWC inputs of any size (so the rule for NaN does
 * not depend on the size): each output is its window's first strictly largest value, NaN
 * never wins, as in tfjs's cpu kernel and in MaxPoolGrad's routing above. XNNPACK's
 * pooling, which it replaces, answered -Infinity for a window of [NaN, 1, 2, 3] and 3 for
 * [1, NaN, 2, 3]. Images are split between threads. About as fast as XNNPACK's: 0.32 ms
 * for the reference CNN's [64,24,24,32] at 1 thread (bench/train/max-pool-ab.ts).
 */
function maxPoolKernel(): tf.KernelConfig | null {
  return withNativeFallback("MaxPool", (args) => {
    const { x } = args.inputs;
    const backend = args.backend as BackendWasm;
    const pool = kernelPoolFor(backend, wasmThreadCount());
    if (!pool || !x || x.dtype !== "float32" || x.shape.length !== 4) return null;
    const a = args.attrs as unknown as PoolAttrs;
    const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const out = backend.makeOutput(info.outShape, "float32");
    if (tf.util.sizeFromShape(info.outShape) === 0) return out;
    const work = { total: info.batchSize, chunks: chunkCount(pool, info.batchSize, Math.ceil(tf.util.sizeFromShape(x.shape) / ELEMENTS_PER_CHUNK)), rangeAt: 2 };
    // Arguments: x, out, images [begin, end), then the geometry.
    runChunksOnTensors(pool, backend, "maxPool", { read: [x], written: [out] }, work, ([xAt, outAt]) => [xAt!, outAt!, 0, 0, ...poolGeometry(info)]);
    return out;
  });
}

/** One pooling gradient kernel config: the SIMD kernel for float32 inputs, the native one otherwise (or without a dist/asm build). */
function poolGradKernel(kernelName: "MaxPoolGrad" | "AvgPoolGrad"): tf.KernelConfig | null {
  return withNativeFallback(kernelName, (args) => {
    const { dy, input } = args.inputs;
    const backend = args.backend as BackendWasm;
    const pool = kernelPoolFor(backend, wasmThreadCount());
    if (!pool || !dy || !input || input.dtype !== "float32" || dy.dtype !== "float32") return null;
    const a = args.attrs as unknown as PoolAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const dx = backend.makeOutput(input.shape, "float32");
    // Arguments (after the tensors): images [begin, end), then the geometry.
    const work = (tensorCount: number) => ({ total: info.batchSize, chunks: chunkCount(pool, info.batchSize), rangeAt: tensorCount });
    const geometry = poolGeometry(info);
    if (kernelName === "MaxPoolGrad") {
      runChunksOnTensors(pool, backend, "maxPoolGradient", { read: [input, dy], written: [dx] }, work(3), ([xAt, dyAt, dxAt]) =>
        [xAt!, dyAt!, dxAt!, 0, 0, ...geometry]);
    } else {
      // AvgPoolGrad reads only dy; the input gives the shape.
      runChunksOnTensors(pool, backend, "avgPoolGradient", { read: [dy], written: [dx] }, work(2), ([dyAt, dxAt]) =>
        [dyAt!, dxAt!, 0, 0, ...geometry, info.filterHeight * info.filterWidth]);
    }
    return dx;
  });
}

/** Kernel configs for 'wasm': MaxPool, MaxPoolGrad and AvgPoolGrad with tensorcell's SIMD kernels. */
export function poolKernels(): tf.KernelConfig[] {
  return existingConfigs([maxPoolKernel(), poolGradKernel("MaxPoolGrad"), poolGradKernel("AvgPoolGrad")]);
}
