/**
 * 3x3, stride-1 convolutions for wasm by Winograd's F(2x2, 3x3) on every wasm
 * thread, with tensorcell's SIMD kernel `winogradConv3x3`
 * (lib/backend/wasm/asm/winograd.ts, run by kernel-pool.ts): Conv2D, and
 * FusedConv2D with an optional per-channel bias and a linear or ReLU
 * activation. The input gradient of a stride-1 3x3 convolution is one of these
 * too (conv-kernels.ts turns it into a Conv2D), so training uses it both ways.
 *
 * Why: XNNPACK's convolution on wasm SIMD (no fused multiply-add, 128-bit
 * vectors) computes 36 products per 2x2 output pixels and channel pair; F(2x2,
 * 3x3) computes 16, plus additions to transform tiles in and out.
 *
 * Results differ from a direct convolution by float32 rounding (the transforms
 * reassociate sums); every thread count gives the same bits (rows of tiles are
 * split between threads, each tile is computed whole by one). Shapes it does not take (other filter sizes,
 * strides or dilations, Ci not a multiple of 4 or Co not of 16, NCHW, other
 * dtypes or activations) use the native kernels.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { existingConfigs, type KernelArgs, pair, withNativeFallback } from "./kernel-helpers.js";
import { chunkCount, type KernelPool, kernelPoolFor, runChunksOnTensors, runOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** About this many floats of transformed input and products per block of tiles (fits a core's L2 cache). */
const BLOCK_FLOATS = 32768;
/** Floats of the kernel's own transform buffer at the start of each thread's scratch. */
const TRANSFORM_FLOATS = 64;

/** Whether a conv of these shapes and attributes is one the Winograd kernel computes. */
function fits(x: tf.TensorInfo, filter: tf.TensorInfo, strides: [number, number], dilations: [number, number], dataFormat: string | undefined): boolean {
  const [kh, kw, ci, co] = filter.shape;
  return x.dtype === "float32" && filter.dtype === "float32" && x.shape.length === 4 && (dataFormat ?? "NHWC") === "NHWC"
    && kh === 3 && kw === 3 && ci! % 4 === 0 && co! % 16 === 0 && x.shape[3] === ci
    && strides[0] === 1 && strides[1] === 1 && dilations[0] === 1 && dilations[1] === 1;
}

/**
 * x (NHWC) convolved with the 3x3 filter as `info` describes (stride 1), plus `bias`
 * (Co floats, or none), then ReLU when `relu`, on `pool`'s threads.
 */
export function winogradConvOnThreads(
  pool: KernelPool, backend: BackendWasm, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | null,
  info: tf.backend_util.Conv2DInfo, relu: boolean,
): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co } = info;
  const out = backend.makeOutput([batchSize, outHeight, outWidth, co], "float32");
  if (out.shape.some((d) => d === 0)) return out;
  const tilesX = Math.ceil(outWidth / 2);
  // Tiles go through the kernel in pairs: a block is even.
  const block = Math.max(2, Math.min(tilesX + (tilesX % 2), Math.floor(BLOCK_FLOATS / (16 * (ci + co)) / 2) * 2));
  const threadFloats = TRANSFORM_FLOATS + 16 * block * (ci + co);
  const tileRows = batchSize * Math.ceil(outHeight / 2);
  const threads = Math.min(pool.threads, tileRows);
  // The Winograd-domain filter U[16][Ci][Co] = G g Gᵀ, made anew per call: training gives every step new filters.
  const u = backend.makeOutput([16, ci, co], "float32");
  const scratch = backend.makeOutput([threads * threadFloats], "float32");
  try {
    runOnTensors(pool, backend, "winogradFilter3x3", { read: [filter], written: [u] }, 1, ([gAt, uAt]) => [gAt!, uAt!, ci * co]);
    const read = bias ? [x, u, bias] : [x, u];
    // Arguments: x, u, bias, out, scratch, rows of tiles [begin, end), then the geometry.
    const work = { total: tileRows, chunks: chunkCount(pool, tileRows), rangeAt: 5, scratch: { at: 4, bytesPerThread: threadFloats * 4 } };
    runChunksOnTensors(pool, backend, "winogradConv3x3", { read, written: [out, scratch] }, work, (offsets) => {
      const [xAt, uAt] = offsets;
      const [outAt, scratchAt] = offsets.slice(-2);
      return [xAt!, uAt!, bias ? offsets[2]! : 0, outAt!, scratchAt!, 0, 0, inHeight, inWidth, ci, outHeight, outWidth, co,
        info.padInfo.top, info.padInfo.left, relu ? 1 : 0, block];
    });
  } finally {
    backend.disposeData(u.dataId);
    backend.disposeData(scratch.dataId);
  }
  return out;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  activation?: string;
}

/** Conv2D or FusedConv2D on the Winograd kernel, or null when the native kernel should run. */
function convOnPool(args: KernelArgs): tf.TensorInfo | null {
  const { x, filter, bias, preluActivationWeights } = args.inputs;
  const a = args.attrs as unknown as ConvAttrs;
  const activation = a.activation ?? "linear";
  if (!x || !filter || preluActivationWeights || (activation !== "linear" && activation !== "relu")) return null;
  const strides = pair(a.strides);
  const dilations = pair(a.dilations);
  if (!fits(x, filter, strides, dilations, a.dataFormat)) return null;
  const co = filter.shape[3]!;
  if (bias && (bias.dtype !== "float32" || tf.util.sizeFromShape(bias.shape) !== co)) return null;
  const backend = args.backend as BackendWasm;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, dilations, a.pad, a.dimRoundingMode);
  if (info.padInfo.top < 0 || info.padInfo.left < 0) return null;
  return winogradConvOnThreads(pool, backend, x, filter, bias ?? null, info, activation === "relu");
}

/** Kernel configs for 'wasm': Conv2D and FusedConv2D with the Winograd path for 3x3 stride-1 filters. */
export function winogradKernels(): tf.KernelConfig[] {
  return existingConfigs([withNativeFallback("Conv2D", convOnPool), withNativeFallback("FusedConv2D", convOnPool)]);
}
