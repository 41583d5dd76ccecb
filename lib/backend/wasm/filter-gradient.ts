/**
 * Conv2D filter gradients on every wasm thread, with tensorcell's SIMD kernel
 * `filterGradient` (lib/backend/wasm/asm/conv-filter-grad.ts, run by
 * kernel-pool.ts): the convolutions winograd-conv.ts does not take (other
 * filter sizes, strides, dilations or channel counts).
 *
 * Why: as one XNNPACK convolution (conv-kernels.ts), the filter gradient's long
 * reduction over batch and pixels runs inside each output tile, and every tile
 * streams a packed operand larger than a core's cache: the kernel is bound by
 * memory traffic and a second thread does not speed it up. Here the positions
 * are split between threads instead: each thread sums its share of the images
 * into its own small accumulator (KH*KW*Ci*Co floats, cache resident), and the
 * accumulators are added at the end.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { type KernelPool, runOnTensors, shareOfBatch } from "./kernel-pool.js";

/**
 * The filter gradient [KH, KW, Ci, Co] of float32 NHWC x and dy for the convolution
 * `info` describes, on `pool`'s threads.
 */
export function filterGradientOnThreads(
  pool: KernelPool, backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const accFloats = info.filterHeight * info.filterWidth * info.inChannels * info.outChannels;
  const out = backend.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels], "float32");
  const shares = Math.min(pool.threads, info.batchSize);
  if (shares === 0 || info.outHeight === 0 || info.outWidth === 0) {
    (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
    return out;
  }
  // One accumulator per share, in the heap, so the kernel writes it where it works.
  const scratch = backend.makeOutput([shares * accFloats], "float32");
  try {
    const geometry = [info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels,
      info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
      info.padInfo.top, info.padInfo.left];
    runOnTensors(pool, backend, "filterGradient", { read: [x, dy], written: [scratch] }, shares, ([xAt, dyAt, accAt], share) =>
      [xAt!, dyAt!, accAt! + share * accFloats * 4, ...shareOfBatch(info.batchSize, shares, share), ...geometry]);
    // Views are taken after every allocation: growing the heap detaches earlier ones.
    const sums = backend.typedArrayFromHeap(scratch) as Float32Array;
    const result = backend.typedArrayFromHeap(out) as Float32Array;
    result.set(sums.subarray(0, accFloats));
    for (let share = 1; share < shares; share++) {
      const part = sums.subarray(share * accFloats, (share + 1) * accFloats);
      for (let i = 0; i < accFloats; i++) result[i] += part[i]!;
    }
  } finally {
    backend.disposeData(scratch.dataId);
  }
  return out;
}
