/**
 * BatchMatMul for wasm with transposed operands and over batches. tfjs-backend-wasm sends only
 * the plain A·B case to XNNPACK; with transposeA or transposeB it runs a scalar
 * loop, 20-50x slower (measured: [64,1024]ᵀ·[64,512] 57 ms against 2.7 ms).
 * Dense-layer gradients are exactly those two cases (xᵀ·dy and dy·Wᵀ), so this
 * kernel materialises the transposes (wasm's Transpose is a copy) and calls
 * the XNNPACK path, choosing between op(A)·op(B) and (op(B)ᵀ·op(A)ᵀ)ᵀ by the
 * number of elements that have to be copied.
 *
 * Aᵀ·B of two float32 matrices with N % 16 == 0 (a dense layer's weight
 * gradient xᵀ·dy) runs tensorcell's SIMD kernel `matMulTransposedA`
 * (lib/backend/wasm/asm/matmul.ts) on every thread instead, from K = 256
 * rows up: no transpose, and no XNNPACK packing of an operand that changes
 * every call. A GCN's first layer on the Cora-sized graph
 * ([2708, 1433]ᵀ·[2708, 16]) took 17 ms through XNNPACK (packing the
 * [2708, 1433] operand each call, on one thread). Each output element sums its
 * K products in order, as XNNPACK's kernel does: the same bits here.
 *
 * Products over a batch of matrices (attention: scores q·kᵀ, weighted values,
 * and their gradients) run tensorcell's kernel `batchedMatMul`, with any
 * transposes: tfjs-backend-wasm computes them in a scalar C loop on one thread
 * (about 10 ms for ViT-Ti/4's [16, 3, 65, 65]·[16, 3, 65, 64] at batch 16,
 * against about 1 ms here), and ViT-Ti/4 trained 1.15-1.25x and inferred
 * 1.31-1.82x faster in one process (bench/vit/attention-ab.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { asTensor, existingConfigs, withNativeFallback } from "./kernel-helpers.js";
import { chunkCount, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/**
 * Aᵀ·B takes tensorcell's kernel from this K (rows summed over) up. Below it the transpose
 * path is faster: a dense layer's xᵀ·dy at batch 64 ([64, 1024]ᵀ·[64, 512]) ran 0.74-0.80x
 * on the kernel, while K = 1040 (ViT-Ti/4 at batch 16) ran 1.06-1.40x and K = 2708 (GCN)
 * 1.6-2.5x (bench/train/matmul-ab.ts).
 */
const MIN_TRANSPOSED_A_ROWS = 256;
/** About this many multiply-adds per chunk of output row pairs. */
const PRODUCTS_PER_CHUNK = 1 << 18;

interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** Swaps the last two axes. */
function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(t, perm);
}

/**
 * op(a)·op(b) using only un-transposed XNNPACK matmuls: either transpose the
 * flagged operands, or compute the transposed product and transpose it back,
 * whichever copies fewer elements.
 */
export function matMulWithoutTransposeFlags(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  return tf.tidy(() => {
    const rows = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2];
    const cols = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
    const batch = Math.max(a.size / (a.shape[a.rank - 1] * a.shape[a.rank - 2]), b.size / (b.shape[b.rank - 1] * b.shape[b.rank - 2]));
    const directCopies = (transposeA ? a.size : 0) + (transposeB ? b.size : 0);
    const swappedCopies = (transposeA ? 0 : a.size) + (transposeB ? 0 : b.size) + batch * rows * cols;
    if (directCopies <= swappedCopies) {
      return tf.matMul(transposeA ? swapLastTwo(a) : a, transposeB ? swapLastTwo(b) : b);
    }
    // (op(a)·op(b))ᵀ = op(b)ᵀ·op(a)ᵀ, and op(x)ᵀ is x itself when x was flagged.
    const product = tf.matMul(transposeB ? b : swapLastTwo(b), transposeA ? a : swapLastTwo(a));
    return swapLastTwo(product);
  });
}

/**
 * Aᵀ·B (a [K, M], b [K, N], N % 16 == 0, float32, one matrix each) on tensorcell's
 * kernel, whatever K; null for other shapes or without a kernel pool.
 */
export function transposedAProduct(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  const single = (t: tf.TensorInfo) => t.shape.length >= 2 && tf.util.sizeFromShape(t.shape.slice(0, -2)) === 1;
  if (!single(a) || !single(b)) return null;
  const [k, m] = a.shape.slice(-2) as [number, number];
  const [kb, n] = b.shape.slice(-2) as [number, number];
  if (k !== kb || n % 16 !== 0) return null;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  const rank = Math.max(a.shape.length, b.shape.length);
  const out = backend.makeOutput([...Array<number>(rank - 2).fill(1), m, n], "float32");
  const pairs = Math.ceil(m / 2);
  const chunks = chunkCount(pool, pairs, Math.ceil((m * n * k) / PRODUCTS_PER_CHUNK));
  // Arguments: a, b, out, output row pairs [begin, end), then K, M, N.
  runChunksOnTensors(pool, backend, "matMulTransposedA", { read: [a, b], written: [out] }, { total: pairs, chunks, rangeAt: 3 },
    ([aAt, bAt, outAt]) => [aAt!, bAt!, outAt!, 0, 0, k, m, n]);
  return out;
}

/**
 * op(A)·op(B) over a batch of more than one matrix (float32; equal batch shapes, or one side
 * a single matrix) on tensorcell's kernel `batchedMatMul`: a transposed A is read in place,
 * a transposed B is copied once; null for other shapes or without a kernel pool.
 */
export function batchedProduct(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo | null {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const [batchA, batchB] = [tf.util.sizeFromShape(outerA), tf.util.sizeFromShape(outerB)];
  if (Math.max(batchA, batchB) < 2 || (batchA > 1 && batchB > 1 && !tf.util.arraysEqual(outerA, outerB))) return null;
  const [rowsA, columnsA] = a.shape.slice(-2) as [number, number];
  const [rowsB, columnsB] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [columnsA, rowsA] : [rowsA, columnsA];
  const n = transposeB ? rowsB : columnsB;
  // A mismatch of inner sizes: the native kernel throws tfjs's own error.
  if ((transposeB ? columnsB : rowsB) !== k) return null;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput([...tf.backend_util.assertAndGetBroadcastShape(outerA, outerB), m, n], "float32");
  if (batch * m * n === 0) return out;
  // The kernel reads B as [K, N] rows: a transposed B is copied once.
  const bRows = transposeB ? tf.tidy(() => swapLastTwo(asTensor(b))) : null;
  try {
    const units = batch * Math.ceil(m / 2);
    const chunks = chunkCount(pool, units, Math.ceil((batch * m * n * k) / PRODUCTS_PER_CHUNK));
    // Arguments: a, b, out, units [begin, end), M, K, N, batch strides of A and B, A's row and step (bytes).
    runChunksOnTensors(pool, backend, "batchedMatMul", { read: [a, bRows ?? b], written: [out] }, { total: units, chunks, rangeAt: 3 },
      ([aAt, bAt, outAt]) => [aAt!, bAt!, outAt!, 0, 0, m, k, n, batchA > 1 ? m * k * 4 : 0, batchB > 1 ? k * n * 4 : 0,
        transposeA ? 4 : k * 4, transposeA ? m * 4 : 4]);
  } finally {
    bRows?.dispose();
  }
  return out;
}

/** Kernel configs for 'wasm': BatchMatMul with fast paths for batches and transposed operands (a plain single product stays native). */
export function matMulKernels(): tf.KernelConfig[] {
  return existingConfigs([
    withNativeFallback("BatchMatMul", (args) => {
      const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
      const { a, b } = args.inputs;
      if (a && b) {
        const batched = batchedProduct(args.backend as BackendWasm, a, b, transposeA, transposeB);
        if (batched) return batched;
      }
      if (!transposeA && !transposeB) return null;
      if (transposeA && !transposeB && a && b && a.shape[a.shape.length - 2]! >= MIN_TRANSPOSED_A_ROWS) {
        const onPool = transposedAProduct(args.backend as BackendWasm, a, b);
        if (onPool) return onPool;
      }
      return tf.tidy(() => matMulWithoutTransposeFlags(asTensor(args.inputs.a), asTensor(args.inputs.b), transposeA, transposeB));
    }),
  ]);
}
