/**
 * MaxPoolGrad for wasm, written in JavaScript over the wasm heap.
 *
 * tfjs-backend-wasm's MaxPoolGrad is a scalar C loop that, for every input
 * pixel, re-finds the argmax of every window covering it (about 17 ms for the
 * reference CNN's 64x24x24x32 pooling). Here each window's argmax is found
 * once, channel-vectorised (NHWC keeps channels contiguous), and its dy is
 * added to that one input position: a few ms for the same shape.
 *
 * Tie-breaking equals tfjs's cpu kernel: within a window, positions are
 * scanned row by row, column by column, and the first strictly largest value
 * wins (NaN never wins; a window of only NaN / -Infinity gets no gradient).
 * Overlapping windows (stride < pool size) accumulate in float32, where the
 * cpu kernel accumulates in float64: results can differ by float32 rounding.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/**
 * Max-pooling input gradient on flat NHWC float32 arrays: `dx` (zeroed by the
 * caller, size of x) receives, at each window's first maximum, that window's dy.
 */
export function maxPoolGradNhwc(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const { top, left } = info.padInfo;
  // Offsets of the window's in-bounds pixels, in scan order (row by row).
  const taps = new Int32Array(Math.ceil(effectiveFilterHeight / dilationHeight) * Math.ceil(effectiveFilterWidth / dilationWidth));
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * channels;
    for (let oh = 0; oh < outHeight; oh++) {
      const rowCorner = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++) {
        const colCorner = ow * strideWidth - left;
        let tapCount = 0;
        for (let wr = 0; wr < effectiveFilterHeight; wr += dilationHeight) {
          const r = rowCorner + wr;
          if (r < 0 || r >= inHeight) continue;
          for (let wc = 0; wc < effectiveFilterWidth; wc += dilationWidth) {
            const c = colCorner + wc;
            if (c < 0 || c >= inWidth) continue;
            taps[tapCount++] = xBatch + (r * inWidth + c) * channels;
          }
        }
        const dyPixel = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let d = 0; d < channels; d++) {
          let best = -Infinity;
          let at = -1;
          for (let t = 0; t < tapCount; t++) {
            const v = x[taps[t] + d];
            if (v > best) {
              best = v;
              at = taps[t] + d;
            }
          }
          if (at >= 0) dx[at] += dy[dyPixel + d];
        }
      }
    }
  }
}

/** Kernel configs for 'wasm': MaxPoolGrad computed in JavaScript on the wasm heap (float32 only; others use the native kernel). */
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
        if (!dy || !input || input.dtype !== "float32" || dy.dtype !== "float32") return native.kernelFunc(args);
        const a = args.attrs as unknown as MaxPoolGradAttrs;
        const backend = args.backend as BackendWasm;
        const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
        const dx = backend.makeOutput(input.shape, "float32");
        // Views are taken after the allocation: growing the heap detaches earlier ones.
        const dxValues = backend.typedArrayFromHeap(dx) as Float32Array;
        dxValues.fill(0);
        maxPoolGradNhwc(backend.typedArrayFromHeap(input) as Float32Array, backend.typedArrayFromHeap(dy) as Float32Array, dxValues, info);
        return dx;
      },
    },
  ];
}
