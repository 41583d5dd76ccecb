/**
 * BatchMatMul for wasm. tfjs-backend-wasm sends only the plain A·B case to XNNPACK; with
 * transposeA or transposeB it runs a scalar loop, 20-50x slower (measured:
 * [64,1024]ᵀ·[64,512] 57 ms against 2.7 ms). Dense-layer gradients are exactly those two
 * cases (xᵀ·dy and dy·Wᵀ), so a transposed product that tensorcell's kernel does not take
 * (below) materialises the transposes (wasm's Transpose is a copy) and multiplies plainly,
 * choosing between op(A)·op(B) and (op(B)ᵀ·op(A)ᵀ)ᵀ by the number of elements that have
 * to be copied.
 *
 * tensorcell's SIMD kernel `matMul` (lib/backend/wasm/asm/matmul.ts) computes, on every
 * thread and with no packing of an operand:
 * - products over a batch of matrices, any transposes (attention: scores q·kᵀ, weighted
 *   values, their gradients). tfjs-backend-wasm computes them in a scalar C loop on one
 *   thread: about 10 ms for ViT-Ti/4's [16, 3, 65, 65]·[16, 3, 65, 64] at batch 16,
 *   against about 1 ms here; ViT-Ti/4 trained 1.15-1.25x and inferred 1.31-1.82x faster
 *   in one process (bench/vit/attention-ab.ts);
 * - Aᵀ·B from K = 256 rows up (a dense layer's weight gradient xᵀ·dy), A read in place.
 *   A GCN's first layer on the Cora-sized graph ([2708, 1433]ᵀ·[2708, 16]) took 17 ms
 *   through XNNPACK (transposing and packing the changing [2708, 1433] operand each call,
 *   on one thread);
 * - plain A·B whose B is new (a dense layer's forward pass in training: XNNPACK packs the
 *   new weights on one thread every step).
 * Each output element sums its K products in order, as XNNPACK's kernel does: the same
 * bits here.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { asTensor, existingConfigs, withNativeFallback } from "./kernel-helpers.js";
import { chunkCount, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/**
 * Aᵀ·B reads A in place on tensorcell's kernel from this K (rows summed over) up. Below it,
 * transposing A and then the plain product (on the same kernel) is faster: a dense layer's
 * xᵀ·dy at batch 64 ([64, 1024]ᵀ·[64, 512]) took 3.06 / 1.81 ms in place against 2.08 /
 * 1.34 ms transposed (1 / 2 threads), at K = 256 2.42 / 1.52 against 2.58 / 1.76; at
 * K = 2708 (GCN) in place is 1.9-2.2x XNNPACK's transposed product (bench/train/matmul-ab.ts).
 */
const MIN_TRANSPOSED_A_ROWS = 256;
/** About this many multiply-adds per chunk of a product. */
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

/** Matrices in a tensor of rank 2 or more (the product of its leading axes). */
function matrixCount(t: tf.TensorInfo): number {
  return tf.util.sizeFromShape(t.shape.slice(0, -2));
}

/**
 * op(A)·op(B) on tensorcell's kernel `matMul` (float32; equal batch shapes, or one side a
 * single matrix broadcast over the other's batch): a transposed A is read in place, a
 * transposed B is copied once. Null for other shapes, on an inner-size mismatch (the native
 * kernel then throws tfjs's own error), or without a kernel pool.
 */
export function productOnPool(backend: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo | null {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) return null;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const [batchA, batchB] = [matrixCount(a), matrixCount(b)];
  if (batchA > 1 && batchB > 1 && !tf.util.arraysEqual(outerA, outerB)) return null;
  const [rowsA, columnsA] = a.shape.slice(-2) as [number, number];
  const [rowsB, columnsB] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [columnsA, rowsA] : [rowsA, columnsA];
  const n = transposeB ? rowsB : columnsB;
  if ((transposeB ? columnsB : rowsB) !== k) return null;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput([...tf.backend_util.assertAndGetBroadcastShape(outerA, outerB), m, n], "float32");
  if (batch * m * n === 0) return out;
  // The kernel reads B as [K, N] rows: a transposed B is copied once.
  const bRows = transposeB ? tf.tidy(() => swapLastTwo(asTensor(b))) : null;
  try {
    // Split so that the larger operand is read once: by column blocks when B [K, N] is larger than A [M, K].
    const byColumns = n > m;
    const units = batch * (byColumns ? Math.ceil(n / 16) : Math.ceil(m / 2));
    const chunks = chunkCount(pool, units, Math.ceil((batch * m * n * k) / PRODUCTS_PER_CHUNK));
    // Arguments: a, b, out, units [begin, end), M, K, N, batch strides of A and B, A's row and step (bytes), split.
    runChunksOnTensors(pool, backend, "matMul", { read: [a, bRows ?? b], written: [out] }, { total: units, chunks, rangeAt: 3 },
      ([aAt, bAt, outAt]) => [aAt!, bAt!, outAt!, 0, 0, m, k, n, batchA > 1 ? m * k * 4 : 0, batchB > 1 ? k * n * 4 : 0,
        transposeA ? 4 : k * 4, transposeA ? m * 4 : 4, byColumns ? 1 : 0]);
  } finally {
    bRows?.dispose();
  }
  return out;
}

/**
 * B operands of single plain products already computed once. XNNPACK keeps a packed copy of
 * each B it is given (tfjs caches its operator per B tensor), so a B seen again (a layer's
 * weights at inference) goes to XNNPACK, which then packs it once; a B seen for the first
 * time (weights in training are a new tensor every step) goes to tensorcell's kernel, which
 * needs no packing. Keyed by dataId, so a disposed tensor's entry goes with it.
 */
const plainProductOperands = new WeakSet<object>();

/**
 * Whether tensorcell's kernel should compute op(A)·op(B): every product over a batch;
 * single products with N % 16 == 0 (whole column blocks) that are Aᵀ·B summing at least
 * MIN_TRANSPOSED_A_ROWS rows, or plain A·B with a B not seen before. A single A·Bᵀ keeps
 * XNNPACK (matMulWithoutTransposeFlags), whose plain product then comes back here.
 *
 * Measured in one process (bench/train/matmul-ab.ts, XNNPACK / tensorcell, 1 and 2 threads):
 * the reference CNN's dense forward product in training 1.60x / 1.44x, and with a B XNNPACK
 * already packed 0.89x / 0.72x; Aᵀ·B at K = 2708 (GCN) 1.94x / 2.15x (bench/README).
 */
function productGoesToPool(a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  if (Math.max(matrixCount(a), matrixCount(b)) > 1) return true;
  if (transposeB || b.shape[b.shape.length - 1]! % 16 !== 0) return false;
  if (transposeA) return a.shape[a.shape.length - 2]! >= MIN_TRANSPOSED_A_ROWS;
  if (plainProductOperands.has(b.dataId)) return false;
  plainProductOperands.add(b.dataId);
  return true;
}

/** Kernel configs for 'wasm': BatchMatMul on tensorcell's kernel where it is faster (productGoesToPool), else without transpose flags on XNNPACK. */
export function matMulKernels(): tf.KernelConfig[] {
  return existingConfigs([
    withNativeFallback("BatchMatMul", (args) => {
      const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
      const { a, b } = args.inputs;
      if (a && b && productGoesToPool(a, b, transposeA, transposeB)) {
        const onPool = productOnPool(args.backend as BackendWasm, a, b, transposeA, transposeB);
        if (onPool) return onPool;
      }
      if (!transposeA && !transposeB) return null;
      return tf.tidy(() => matMulWithoutTransposeFlags(asTensor(args.inputs.a), asTensor(args.inputs.b), transposeA, transposeB));
    }),
  ]);
}
