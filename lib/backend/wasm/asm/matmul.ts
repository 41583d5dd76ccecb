// AssemblyScript source (part of dist/asm/kernels.wasm): matrix products on the kernel pool.
// The product aᵀ·b of a [K, M] and b [K, N] (float32, row-major, N % 16 == 0), the weight
// gradient of a dense layer (xᵀ·dy), and batched products (attention's scores and
// weighted values). Rows of the output are taken in pairs; each output element sums its K
// products in k's order, so every split between threads gives the same bits.

import { sumTwoBySixteen } from "./simd";

/** Rows of a and b per step over K: a step's rows of a (64 x M floats) stay in cache over the pairs. */
const K_STEP = 64;

/**
 * Output row pairs [pairBegin, pairEnd) (rows 2p and 2p + 1; an odd M's last pair is one
 * row) of out [M, N] = aᵀ·b. Column blocks of 16 are outside, then steps of K_STEP rows of
 * a and b, each adding onto the pairs' partial sums (so elements still sum in k's order).
 */
export function matMulTransposedA(a: usize, b: usize, out: usize, pairBegin: i32, pairEnd: i32, k: i32, m: i32, n: i32): void {
  const mBytes = <usize>m << 2, nBytes = <usize>n << 2;
  for (let o = 0; o < n; o += 16) {
    for (let first = 0; first < k; first += K_STEP) {
      const rows = min(K_STEP, k - first);
      const aRows = a + <usize>first * mBytes, bRows = b + <usize>first * nBytes + (<usize>o << 2);
      for (let p = pairBegin; p < pairEnd; p++) {
        const row = p * 2;
        // The lone last row of an odd M is summed twice into the same place (same values).
        const next: usize = row + 1 < m ? 1 : 0;
        const at = out + <usize>row * nBytes + (<usize>o << 2);
        sumTwoBySixteen(at, at + next * nBytes, aRows + (<usize>row << 2), next << 2, mBytes, bRows, nBytes, rows, first == 0);
      }
    }
  }
}

/**
 * Units [unitBegin, unitEnd) of a batched product out[b] = A[b]·B[b] (out [batch, M, N],
 * B[b] [K, N] row-major, `bBatchBytes` apart; A[b]'s element (m, k) at `aRowBytes` * m +
 * `aStepBytes` * k from its start, `aBatchBytes` apart, so a transposed A is read in
 * place; a batch stride of 0 broadcasts one matrix). A unit is one pair of output rows of
 * one batch element; columns in blocks of 16, the last N % 16 one at a time. Every element
 * sums its K products in k's order, whatever the split between threads.
 */
export function batchedMatMul(
  a: usize, b: usize, out: usize, unitBegin: i32, unitEnd: i32,
  m: i32, k: i32, n: i32, aBatchBytes: i32, bBatchBytes: i32, aRowBytes: i32, aStepBytes: i32,
): void {
  const pairs = (m + 1) >> 1;
  const nBytes = <usize>n << 2, aRow = <usize>aRowBytes, aStep = <usize>aStepBytes;
  for (let unit = unitBegin; unit < unitEnd; unit++) {
    const batch = unit / pairs;
    const row = (unit - batch * pairs) * 2;
    // The lone last row of an odd M is computed twice into the same place (same values).
    const next: usize = row + 1 < m ? 1 : 0;
    const aAt = a + <usize>batch * <usize>aBatchBytes + <usize>row * aRow;
    const bAt = b + <usize>batch * <usize>bBatchBytes;
    const outAt = out + (<usize>batch * <usize>m + <usize>row) * nBytes;
    let o = 0;
    for (; o + 16 <= n; o += 16) {
      const at = <usize>o << 2;
      sumTwoBySixteen(outAt + at, outAt + next * nBytes + at, aAt, next * aRow, aStep, bAt + at, nBytes, k, true);
    }
    for (; o < n; o++) {
      const column = bAt + (<usize>o << 2);
      let s0: f32 = 0, s1: f32 = 0;
      for (let i = 0; i < k; i++) {
        const value = load<f32>(column + <usize>i * nBytes);
        s0 += load<f32>(aAt + <usize>i * aStep) * value;
        s1 += load<f32>(aAt + next * aRow + <usize>i * aStep) * value;
      }
      store<f32>(outAt + (<usize>o << 2), s0);
      store<f32>(outAt + next * nBytes + (<usize>o << 2), s1);
    }
  }
}
