/**
 * 3x3, stride-1 convolutions for wasm by Winograd's minimal filtering on every
 * wasm thread, with tensorcell's SIMD kernels (lib/backend/wasm/asm/winograd.ts,
 * run by kernel-pool.ts): Conv2D, and FusedConv2D with an optional per-channel
 * bias and a linear or ReLU activation, by F(4x4, 3x3); their filter gradient
 * by F(3x3, 4x4) (conv-kernels.ts calls it). The input gradient of a stride-1
 * 3x3 convolution is a Conv2D too (conv-kernels.ts), so a training step uses
 * the Winograd kernels three times per such layer.
 *
 * Why: XNNPACK's convolution on wasm SIMD (no fused multiply-add, 128-bit
 * vectors) computes 144 products per 4x4 output pixels and channel pair; F(4x4,
 * 3x3) computes 36, plus the transforms of tiles in and out. F(2x2, 3x3) (16
 * products per 2x2 pixels, 64 per 4x4) was this file's first tile; against
 * XNNPACK in the same run, F(4x4, 3x3) is 1.08-1.34x faster than it on
 * ResNet-20's convolutions (bench/README, bench/train/conv-ab.ts). The larger
 * tile's transforms have coefficients up to 8, so results carry a few more
 * float32 roundings (about 4e-6 of the largest output at 64 input channels).
 *
 * Results differ from a direct convolution by float32 rounding (the transforms
 * reassociate sums); every thread count gives the same bits (rows of tiles are
 * split between threads, each tile is computed whole by one). Shapes it does
 * not take (other filter sizes, strides or dilations, Ci not a multiple of 4
 * or Co not of 16, NCHW, other dtypes or activations) use the native kernels.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { existingConfigs, type KernelArgs, pair, withNativeFallback } from "./kernel-helpers.js";
import { DerivedDataCache } from "./derived-data.js";
import { chunkCount, type KernelPool, kernelPoolFor, runChunksOnTensors, runOnTensors, shareOfBatch } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** About this many floats of transformed input and products per block of tiles (a core's L2 cache holds them). */
const BLOCK_FLOATS = 65536;
/**
 * Tiles per block at least: each block reads the whole transformed filter U, so blocks of 2
 * tiles (what BLOCK_FLOATS gave at 256 and 512 channels) read it from memory 2 tiles at a
 * time (2.1x slower than 16 at 512 channels, bench/train/winograd-blocks.mjs).
 */
const MIN_BLOCK = 16;
/** At most this many tiles per block: past it, the filter's reuse gains nothing measurable. */
const MAX_BLOCK = 64;
/** Floats after each of a block's 36 rows of V and of M (asm's ROW_PAD_BYTES / 4). */
const ROW_PAD_FLOATS = 16;
/**
 * Floats at the start of each thread's scratch before the block's tiles: the kernel's
 * transform buffer and its table of a tile's 36 pixel addresses (asm's
 * (TRANSFORM_BYTES + TABLE_BYTES) / 4); Ci zero floats follow them.
 */
const HEAD_FLOATS = 180;
/** Output pixels per tile side, and points of the Winograd domain per tile (6x6). */
const TILE = 4;
const POINTS = 36;

/**
 * How the kernels walk `info`'s output: the batch's 4x4 tiles (numbered image by image,
 * row by row), taken `block` at a time (an even number: the forward kernel multiplies
 * tiles in pairs; a block may span rows and images, so small images still fill one),
 * and the floats of scratch each thread needs for one block.
 */
function tiling(info: tf.backend_util.Conv2DInfo): { block: number; threadFloats: number; tiles: number } {
  const { inChannels: ci, outChannels: co } = info;
  const tiles = info.batchSize * Math.ceil(info.outHeight / TILE) * Math.ceil(info.outWidth / TILE);
  const fits = Math.floor(BLOCK_FLOATS / (POINTS * (ci + co)) / 2) * 2;
  const block = Math.min(tiles + (tiles % 2), Math.max(MIN_BLOCK, Math.min(MAX_BLOCK, fits)));
  return { block, threadFloats: HEAD_FLOATS + ci + POINTS * (block * (ci + co) + 2 * ROW_PAD_FLOATS), tiles };
}

/**
 * Winograd-domain filters kept for filters used again (a model's weights at inference), up
 * to this many bytes: ResNet-20's take 3.7 MiB, one 512-channel layer's 36 MiB. The heap
 * guard (memory-guard.ts) counts them. Settable (0 turns keeping off) for same-process A/Bs.
 */
export const transformedFilters = new DerivedDataCache(64 * 1024 ** 2);

/** Channel pairs per thread at least for a filter transform on several threads (below it, one thread: waking the others costs more). */
const PAIRS_PER_SHARE = 4096;

/** How many threads transform a filter of `pairs` channel pairs (fixed shares of whole vectors of 4 pairs). */
function filterShares(pool: KernelPool, pairs: number): number {
  return Math.max(1, Math.min(pool.threads, Math.floor(pairs / PAIRS_PER_SHARE)));
}

/** Whether the conv `info` describes (x, a filter of `filterShape`) is one the Winograd kernels compute. */
export function winogradFits(
  x: tf.TensorInfo, filterShape: number[], info: tf.backend_util.Conv2DInfo, dataFormat: string | undefined,
): boolean {
  const [kh, kw, ci, co] = filterShape;
  return x.dtype === "float32" && x.shape.length === 4 && (dataFormat ?? "NHWC") === "NHWC"
    && kh === 3 && kw === 3 && ci! % 4 === 0 && co! % 16 === 0 && x.shape[3] === ci
    && info.strideHeight === 1 && info.strideWidth === 1 && info.dilationHeight === 1 && info.dilationWidth === 1
    // Padding cannot be negative in the kernel (the tiles start at -pad).
    && info.padInfo.top >= 0 && info.padInfo.left >= 0;
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
  const { block, threadFloats, tiles } = tiling(info);
  const threads = Math.min(pool.threads, tiles);
  // The Winograd-domain filter U[36][Ci][Co] = G g Gᵀ, kept for a filter used again (inference).
  const transformed = transformedFilters.get(backend, filter, `${ci}x${co}`, [POINTS, ci, co], (u) => {
    const pairShares = filterShares(pool, ci * co);
    runOnTensors(pool, backend, "winogradFilter3x3", { read: [filter], written: [u] }, pairShares, ([gAt, uAt], share) =>
      [gAt!, uAt!, ci * co, ...shareOfBatch(ci * co / 4, pairShares, share)]);
  });
  const u = transformed.data;
  let scratch: tf.TensorInfo | null = null;
  try {
    scratch = backend.makeOutput([threads * threadFloats], "float32");
    const read = bias ? [x, u, bias] : [x, u];
    // Arguments: x, u, bias, out, scratch, tiles [begin, end), then the geometry.
    // At least a block of tiles per chunk: every block reads all of U (37.7 MB at 512 channels).
    const work = { total: tiles, chunks: chunkCount(pool, tiles, Math.ceil(tiles / block)), rangeAt: 5, scratch: { at: 4, bytesPerThread: threadFloats * 4 } };
    runChunksOnTensors(pool, backend, "winogradConv3x3", { read, written: [out, scratch] }, work, (offsets) => {
      const [xAt, uAt] = offsets;
      const [outAt, scratchAt] = offsets.slice(-2);
      return [xAt!, uAt!, bias ? offsets[2]! : 0, outAt!, scratchAt!, 0, 0, inHeight, inWidth, ci, outHeight, outWidth, co,
        info.padInfo.top, info.padInfo.left, relu ? 1 : 0, block];
    });
  } finally {
    transformed.release();
    if (scratch) backend.disposeData(scratch.dataId);
  }
  return out;
}

/**
 * The filter gradient [3, 3, Ci, Co] of a 3x3 stride-1 conv (`info`) from float32 NHWC x and
 * dy, by Winograd's F(3x3, 4x4), on `pool`'s threads. Each thread sums its own share of the
 * tiles (fixed shares, so the sums are associated the same way on every run at a given
 * thread count), then the caller adds the threads' sums up and transforms them.
 */
export function winogradFilterGradientOnThreads(
  pool: KernelPool, backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co } = info;
  const out = backend.makeOutput([3, 3, ci, co], "float32");
  const { block, threadFloats, tiles } = tiling(info);
  const shares = Math.max(1, Math.min(pool.threads, tiles));
  const accFloats = POINTS * ci * co;
  const acc = backend.makeOutput([shares * accFloats], "float32");
  const scratch = backend.makeOutput([shares * threadFloats], "float32");
  try {
    runOnTensors(pool, backend, "winogradFilterGradient", { read: [x, dy], written: [acc, scratch] }, shares, ([xAt, dyAt, accAt, scratchAt], share) =>
      [xAt!, dyAt!, accAt! + share * accFloats * 4, scratchAt! + share * threadFloats * 4, ...shareOfBatch(tiles, shares, share),
        inHeight, inWidth, ci, outHeight, outWidth, co, info.padInfo.top, info.padInfo.left, block]);
    const pairShares = filterShares(pool, ci * co);
    runOnTensors(pool, backend, "winogradGradientFilter3x3", { read: [acc], written: [out] }, pairShares, ([accAt, outAt], share) =>
      [accAt!, shares, accFloats * 4, outAt!, ci * co, ...shareOfBatch(ci * co / 4, pairShares, share)]);
  } finally {
    backend.disposeData(acc.dataId);
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
  if (filter.dtype !== "float32" || x.shape.length !== 4 || filter.shape.length !== 4 || (a.dataFormat ?? "NHWC") !== "NHWC") return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number], pair(a.strides), pair(a.dilations), a.pad, a.dimRoundingMode);
  if (!winogradFits(x, filter.shape, info, a.dataFormat)) return null;
  if (bias && (bias.dtype !== "float32" || tf.util.sizeFromShape(bias.shape) !== info.outChannels)) return null;
  const backend = args.backend as BackendWasm;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  return winogradConvOnThreads(pool, backend, x, filter, bias ?? null, info, activation === "relu");
}

/** Kernel configs for 'wasm': Conv2D and FusedConv2D with the Winograd path for 3x3 stride-1 filters. */
export function winogradKernels(): tf.KernelConfig[] {
  return existingConfigs([withNativeFallback("Conv2D", convOnPool), withNativeFallback("FusedConv2D", convOnPool)]);
}
