/**
 * BatchMatMul for wasm with transposed operands. tfjs-backend-wasm sends only
 * the plain A·B case to XNNPACK; with transposeA or transposeB it runs a scalar
 * loop, 20-50x slower (measured: [64,1024]ᵀ·[64,512] 57 ms against 2.7 ms).
 * Dense-layer gradients are exactly those two cases (xᵀ·dy and dy·Wᵀ), so this
 * kernel materialises the transposes (wasm's Transpose is a copy) and calls
 * the XNNPACK path, choosing between op(A)·op(B) and (op(B)ᵀ·op(A)ᵀ)ᵀ by the
 * number of elements that have to be copied.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor, existingConfigs, withNativeFallback } from "./kernel-helpers.js";

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

/** Kernel configs for 'wasm': BatchMatMul with a fast path for transposed operands (the plain case stays native). */
export function matMulKernels(): tf.KernelConfig[] {
  return existingConfigs([
    withNativeFallback("BatchMatMul", (args) => {
      const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
      if (!transposeA && !transposeB) return null;
      return tf.tidy(() => matMulWithoutTransposeFlags(asTensor(args.inputs.a), asTensor(args.inputs.b), transposeA, transposeB));
    }),
  ]);
}
