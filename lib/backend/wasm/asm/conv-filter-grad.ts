// AssemblyScript source (compiled by scripts/build.mjs into dist/asm/kernels.wasm;
// excluded from the TypeScript project). One worker's share of a Conv2D filter gradient:
//   acc[ky,kx,c,o] = sum over images n in [nBegin, nEnd) and output pixels (oy, ox) of
//                    x[n, oy*sh + ky*dh - pt, ox*sw + kx*dw - pl, c] * dy[n, oy, ox, o]
// float32, NHWC, raw byte offsets into the shared memory the caller imports. Each worker
// sums into its own acc, so the positions (the long reduction) are split between threads
// and every thread's acc stays in its core's cache; the caller adds the accs up.

import { sumTwoBySixteen } from "./simd";

/** Valid output columns [lo, hi) for one filter column: 0 <= ox*sw + off < w. */
@inline function columnsFrom(off: i32, sw: i32): i32 {
  return off >= 0 ? 0 : (-off + sw - 1) / sw;
}
@inline function columnsTo(off: i32, sw: i32, w: i32, ow: i32): i32 {
  if (w - off <= 0) return 0;
  const hi = (w - off + sw - 1) / sw;
  return hi < ow ? hi : ow;
}

export function filterGradient(
  x: usize, dy: usize, acc: usize,
  nBegin: i32, nEnd: i32,
  h: i32, w: i32, ci: i32,
  oh: i32, ow: i32, co: i32,
  kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
): void {
  const rowBytes = <usize>co << 2;
  memory.fill(acc, 0, <usize>(kh * kw * ci) * rowBytes);
  const blocked = (co & 15) == 0 && (ci & 1) == 0;
  for (let n = nBegin; n < nEnd; n++) {
    for (let oy = 0; oy < oh; oy++) {
      // One output row at a time: its dy (ow*co floats) stays in cache while every
      // (filter tap, 2 input channels, 16 output channels) block sums over it in registers.
      const dyRowStart = dy + ((<usize>((n * oh + oy) * ow) * <usize>co) << 2);
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh + ky * dh - pt;
        if (iy < 0 || iy >= h) continue;
        const xLine = x + ((<usize>((n * h + iy) * w) * <usize>ci) << 2);
        for (let kx = 0; kx < kw; kx++) {
          const off = kx * dw - pl;
          const lo = columnsFrom(off, sw);
          const hi = columnsTo(off, sw, w, ow);
          if (lo >= hi) continue;
          const tapAcc = acc + <usize>((ky * kw + kx) * ci) * rowBytes;
          if (blocked) {
            for (let c = 0; c < ci; c += 2) {
              for (let o = 0; o < co; o += 16) {
                const a0 = tapAcc + <usize>c * rowBytes + (<usize>o << 2);
                const d = dyRowStart + ((<usize>(lo * co + o)) << 2);
                const xp = xLine + ((<usize>((lo * sw + off) * ci + c)) << 2);
                sumTwoBySixteen(a0, a0 + rowBytes, xp, 4, <usize>(sw * ci) << 2, d, <usize>co << 2, hi - lo, false);
              }
            }
          } else {
            for (let ox = lo; ox < hi; ox++) {
              const d = dyRowStart + ((<usize>(ox * co)) << 2);
              const xp = xLine + ((<usize>((ox * sw + off) * ci)) << 2);
              let accRow = tapAcc;
              for (let c = 0; c < ci; c++) {
                const value = load<f32>(xp + (<usize>c << 2));
                const s = f32x4.splat(value);
                let j = 0;
                for (; j + 4 <= co; j += 4) {
                  const at = accRow + (<usize>j << 2);
                  v128.store(at, f32x4.add(v128.load(at), f32x4.mul(s, v128.load(d + (<usize>j << 2)))));
                }
                for (; j < co; j++) {
                  const at = accRow + (<usize>j << 2);
                  store<f32>(at, load<f32>(at) + value * load<f32>(d + (<usize>j << 2)));
                }
                accRow += rowBytes;
              }
            }
          }
        }
      }
    }
  }
}
