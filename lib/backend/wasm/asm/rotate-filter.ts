// AssemblyScript source (part of dist/asm/kernels.wasm; excluded from the TypeScript project).

/**
 * The filter g [taps][Ci][Co] (HWIO, taps = KH * KW) turned by 180 degrees with its channel
 * axes swapped: out [taps][Co][Ci] with out[taps - 1 - t][o][c] = g[t][c][o]. The input
 * gradient of a convolution is the convolution of dy with this filter. Byte offsets into
 * the memory the caller imports; one thread.
 */
export function rotateFilter(g: usize, out: usize, taps: i32, ci: i32, co: i32): void {
  const pairs = ci * co;
  for (let t = 0; t < taps; t++) {
    const from = g + (<usize>(t * pairs) << 2);
    const to = out + (<usize>((taps - 1 - t) * pairs) << 2);
    for (let c = 0; c < ci; c++) {
      for (let o = 0; o < co; o++) store<f32>(to + (<usize>(o * ci + c) << 2), load<f32>(from + (<usize>(c * co + o) << 2)));
    }
  }
}
