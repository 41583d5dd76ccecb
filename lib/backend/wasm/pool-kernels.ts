/**
 * MaxPoolGrad for wasm: tensorcell's SIMD kernel `maxPoolGradient`
 * (lib/backend/wasm/asm/max-pool-grad.ts) on every wasm thread, each thread
 * taking its share of the images.
 *
 * tfjs-backend-wasm's MaxPoolGrad is a scalar C loop that, for every input
 * pixel, re-finds the argmax of every window covering it (about 17 ms for the
 * reference CNN's 64x24x24x32 pooling, single-threaded). Here each window's
 * argmax is found once, four channels at a time (NHWC keeps channels
 * contiguous), and its dy is added to that one input position.
 *
 * Tie-breaking equals tfjs's cpu kernel: within a window, positions are
 * scanned row by row, column by column, and the first strictly largest value
 * wins (NaN never wins; a window of only NaN / -Infinity gets no gradient).
 * Overlapping windows (stride < pool size) accumulate in float32, where the
 * cpu kernel accumulates in float64: results can differ by float32 rounding.
 * Every thread count gives the same bits (images are split, never windows).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type KernelPool, kernelPoolFor, runOnTensors, shareOfBatch } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** The input gradient of a float32 NHWC max pool, images shared between `pool`'s threads. */
function maxPoolGradOnThreads(pool: KernelPool, backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const dx = backend.makeOutput(x.shape, "float32");
  const shares = Math.max(1, Math.min(pool.threads, info.batchSize));
  const geometry = [info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.effectiveFilterHeight, info.effectiveFilterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left];
  runOnTensors(pool, backend, "maxPoolGradient", { read: [x, dy], written: [dx] }, shares, ([xAt, dyAt, dxAt], share) =>
    [xAt!, dyAt!, dxAt!, ...shareOfBatch(info.batchSize, shares, share), ...geometry]);
  return dx;
}

/** Kernel configs for 'wasm': MaxPoolGrad with tensorcell's SIMD kernel (float32 only; others, or no dist/asm build, use the native kernel). */
export function poolKernels(): tf.KernelConfig[] {
  const native = tf.getKernel("MaxPoolGrad", "wasm");
  if (!native) return [];
  return [
    {
      kernelName: "MaxPoolGrad",
      backendName: "wasm",
      // The native kernel's setup binds its wasm function; it must run when the backend initialises.
      setupFunc: native.setupFunc,
      kernelFunc: (args) => {
        const { dy, input } = args.inputs;
        const backend = args.backend as BackendWasm;
        const pool = kernelPoolFor(backend, wasmThreadCount());
        if (!pool || !dy || !input || input.dtype !== "float32" || dy.dtype !== "float32") return native.kernelFunc(args);
        const a = args.attrs as unknown as MaxPoolGradAttrs;
        const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
        return maxPoolGradOnThreads(pool, backend, input, dy, info);
      },
    },
  ];
}
