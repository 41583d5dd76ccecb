// AssemblyScript source (part of dist/asm/kernels.wasm): the product aᵀ·b of a [K, M] and
// b [K, N] (float32, row-major, N % 16 == 0), the weight gradient of a dense layer
// (xᵀ·dy). Rows of the output are taken in pairs; each output element sums its K
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
