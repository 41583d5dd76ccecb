// AssemblyScript source (part of dist/asm/kernels.wasm): matrix products on the kernel pool.
// One kernel serves single products (a dense layer's forward pass), Aᵀ·B read in place (its
// weight gradient xᵀ·dy) and batched products (attention's scores and weighted values).
// Each output element sums its K products in k's order, whatever the split between
// threads or the walk over K, so every thread count gives the same bits.

import { sumTwoBySixteen } from "./simd";

/** Rows of B per step over K: a step's block of B (64 x 16 floats) and of A stay in cache over the rows. */
const K_STEP = 64;

/**
 * Output rows [2 * pairBegin, 2 * pairEnd) (an odd M's last pair is one row) and columns
 * [columnBegin, columnEnd) of one matrix of the product. Column blocks of 16 are outside,
 * then steps of K_STEP rows of B, each adding onto the pairs' partial sums; the last
 * columns short of a block are summed one at a time.
 */
function productBlock(
  a: usize, b: usize, out: usize, pairBegin: i32, pairEnd: i32, columnBegin: i32, columnEnd: i32,
  m: i32, k: i32, n: i32, aRow: usize, aStep: usize,
): void {
  const nBytes = <usize>n << 2;
  let o = columnBegin;
  for (; o + 16 <= columnEnd; o += 16) {
    for (let first = 0; first < k; first += K_STEP) {
      const rows = min(K_STEP, k - first);
      const aFirst = a + <usize>first * aStep, bBlock = b + <usize>first * nBytes + (<usize>o << 2);
      for (let p = pairBegin; p < pairEnd; p++) {
        const row = p * 2;
        // The lone last row of an odd M is summed twice into the same place (same values).
        const next: usize = row + 1 < m ? 1 : 0;
        const at = out + <usize>row * nBytes + (<usize>o << 2);
        sumTwoBySixteen(at, at + next * nBytes, aFirst + <usize>row * aRow, next * aRow, aStep, bBlock, nBytes, rows, first == 0);
      }
    }
  }
  for (; o < columnEnd; o++) {
    const column = b + (<usize>o << 2);
    for (let p = pairBegin; p < pairEnd; p++) {
      const row = p * 2;
      const next: usize = row + 1 < m ? 1 : 0;
      const a0 = a + <usize>row * aRow, a1 = a0 + next * aRow;
      let s0: f32 = 0, s1: f32 = 0;
      for (let i = 0; i < k; i++) {
        const value = load<f32>(column + <usize>i * nBytes);
        s0 += load<f32>(a0 + <usize>i * aStep) * value;
        s1 += load<f32>(a1 + <usize>i * aStep) * value;
      }
      store<f32>(out + <usize>row * nBytes + (<usize>o << 2), s0);
      store<f32>(out + (<usize>row + next) * nBytes + (<usize>o << 2), s1);
    }
  }
}

/**
 * Units [unitBegin, unitEnd) of out[b] = A[b]·B[b] (out [batch, M, N]; B[b] [K, N] row-major,
 * `bBatchBytes` apart; A[b]'s element (m, k) at `aRowBytes` * m + `aStepBytes` * k from its
 * start, `aBatchBytes` apart, so a transposed A is read in place; a batch stride of 0
 * broadcasts one matrix).
 *
 * With `byColumns` 0 a unit is a pair of output rows of one batch element; with 1 it is a
 * block of 16 output columns (the last one may be shorter) of one batch element, all rows.
 * A unit reads its share of one operand and all of the other: split by rows when A is the
 * larger operand, by columns when B is (a dense layer's weights), so that the larger one
 * is read from memory once.
 */
export function matMul(
  a: usize, b: usize, out: usize, unitBegin: i32, unitEnd: i32,
  m: i32, k: i32, n: i32, aBatchBytes: i32, bBatchBytes: i32, aRowBytes: i32, aStepBytes: i32, byColumns: i32,
): void {
  const pairs = (m + 1) >> 1;
  const perBatch = byColumns ? (n + 15) >> 4 : pairs;
  let unit = unitBegin;
  while (unit < unitEnd) {
    const batch = unit / perBatch;
    const first = unit - batch * perBatch;
    const last = min(perBatch, first + unitEnd - unit);
    const aAt = a + <usize>batch * <usize>aBatchBytes;
    const bAt = b + <usize>batch * <usize>bBatchBytes;
    const outAt = out + <usize>batch * <usize>m * (<usize>n << 2);
    if (byColumns) productBlock(aAt, bAt, outAt, 0, pairs, first * 16, min(n, last * 16), m, k, n, aRowBytes, aStepBytes);
    else productBlock(aAt, bAt, outAt, first, last, 0, n, m, k, n, aRowBytes, aStepBytes);
    unit += last - first;
  }
}
