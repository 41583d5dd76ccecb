// AssemblyScript source (compiled by scripts/build.mjs into dist/asm/kernels.wasm;
// excluded from the TypeScript project). One thread's share of a 3x3, stride-1 Conv2D by
// Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, 2016): each 2x2 block of output
// pixels takes 16 multiplies per channel pair instead of 36.
//
// float32, NHWC, raw byte offsets into the memory the caller imports:
//   x [N, H, W, Ci], out [N, OH, OW, Co], bias [Co] (0: none), u the transformed filter
//   [16][Ci][Co] (G g Gᵀ per channel pair, worked out by the caller), scratch this thread's
//   own 16 * block * (Ci + Co) floats. Ci % 4 == 0 and Co % 16 == 0.
// The caller gives each thread a range of tile rows (2 output rows each) over the whole batch.
// Tiles are taken `block` at a time along one row pair of the output: the block's transformed
// input V [16][block][Ci] and products M [16][block][Co] stay in cache between the three steps.

import { madd } from "./simd";

/** V[p] = (Bᵀ d B)[p] for the 4x4 input tile at (iy, ix), four channels from c; zeros outside the image. */
@inline function transformInput(
  x: usize, tmp: usize, v: usize, vStride: usize, iy: i32, ix: i32, h: i32, w: i32, ci: i32, rowFloats: i32,
): void {
  // Columns first: t[r][k] = (Bᵀ d)[r] of column k, kept in tmp (16 vectors).
  for (let k = 0; k < 4; k++) {
    const col = ix + k;
    const colValid = col >= 0 && col < w;
    let d0 = f32x4.splat(0), d1 = f32x4.splat(0), d2 = f32x4.splat(0), d3 = f32x4.splat(0);
    if (colValid) {
      const p = x + (<usize>(iy * rowFloats + col * ci) << 2);
      const rowBytes = <usize>rowFloats << 2;
      if (iy >= 0 && iy < h) d0 = v128.load(p);
      if (iy + 1 >= 0 && iy + 1 < h) d1 = v128.load(p + rowBytes);
      if (iy + 2 >= 0 && iy + 2 < h) d2 = v128.load(p + 2 * rowBytes);
      if (iy + 3 >= 0 && iy + 3 < h) d3 = v128.load(p + 3 * rowBytes);
    }
    const at = tmp + (<usize>k << 4);
    v128.store(at, f32x4.sub(d0, d2));
    v128.store(at, f32x4.add(d1, d2), 64);
    v128.store(at, f32x4.sub(d2, d1), 128);
    v128.store(at, f32x4.sub(d1, d3), 192);
  }
  // Then rows: V[r*4 + j] = (t B)[r][j].
  for (let r = 0; r < 4; r++) {
    const row = tmp + (<usize>r << 6);
    const t0 = v128.load(row), t1 = v128.load(row, 16), t2 = v128.load(row, 32), t3 = v128.load(row, 48);
    const at = v + <usize>(r * 4) * vStride;
    v128.store(at, f32x4.sub(t0, t2));
    v128.store(at + vStride, f32x4.add(t1, t2));
    v128.store(at + 2 * vStride, f32x4.sub(t2, t1));
    v128.store(at + 3 * vStride, f32x4.sub(t1, t3));
  }
}

/** M[p][t][o..o+16) for tiles t and t+1: the channel sums of V[p][t][c] * U[p][c][o..o+16). */
@inline function multiplyPair(vp: usize, up: usize, mp: usize, ci: i32, co: i32, t: i32, o: i32): void {
  const coBytes = <usize>co << 2;
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  let va = vp + (<usize>(t * ci) << 2);
  let vb = va + (<usize>ci << 2);
  let wp = up + (<usize>o << 2);
  for (let c = 0; c < ci; c++) {
    const w0 = v128.load(wp), w1 = v128.load(wp, 16), w2 = v128.load(wp, 32), w3 = v128.load(wp, 48);
    const sa = f32x4.splat(load<f32>(va));
    const sb = f32x4.splat(load<f32>(vb));
    a0 = madd(a0, sa, w0);
    a1 = madd(a1, sa, w1);
    a2 = madd(a2, sa, w2);
    a3 = madd(a3, sa, w3);
    b0 = madd(b0, sb, w0);
    b1 = madd(b1, sb, w1);
    b2 = madd(b2, sb, w2);
    b3 = madd(b3, sb, w3);
    va += 4;
    vb += 4;
    wp += coBytes;
  }
  const ma = mp + (<usize>(t * co + o) << 2);
  const mb = ma + coBytes;
  v128.store(ma, a0); v128.store(ma, a1, 16); v128.store(ma, a2, 32); v128.store(ma, a3, 48);
  v128.store(mb, b0); v128.store(mb, b1, 16); v128.store(mb, b2, 32); v128.store(mb, b3, 48);
}

/** Writes the 2x2 output pixels (Aᵀ m A, plus bias, then ReLU if asked) of one tile, four channels from o. */
@inline function transformOutput(
  m: usize, mStride: usize, out: usize, oy: i32, ox: i32, oh: i32, ow: i32, co: i32, bias: v128, relu: bool,
): void {
  // s[0][j] = m0j + m1j + m2j, s[1][j] = m1j - m2j - m3j (m_rj = M[r*4 + j]).
  let s00 = f32x4.splat(0), s01 = s00, s02 = s00, s03 = s00, s10 = s00, s11 = s00, s12 = s00, s13 = s00;
  for (let j = 0; j < 4; j++) {
    const col = m + <usize>j * mStride;
    const m0 = v128.load(col), m1 = v128.load(col + 4 * mStride), m2 = v128.load(col + 8 * mStride), m3 = v128.load(col + 12 * mStride);
    const top = f32x4.add(f32x4.add(m0, m1), m2);
    const bottom = f32x4.sub(f32x4.sub(m1, m2), m3);
    if (j == 0) { s00 = top; s10 = bottom; } else if (j == 1) { s01 = top; s11 = bottom; } else if (j == 2) { s02 = top; s12 = bottom; } else { s03 = top; s13 = bottom; }
  }
  let y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bias);
  let y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bias);
  let y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bias);
  let y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bias);
  if (relu) {
    const zero = f32x4.splat(0);
    y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero); y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero);
  }
  const rowBytes = <usize>(ow * co) << 2;
  const p = out + (<usize>(oy * ow + ox) * <usize>co << 2);
  const right = ox + 1 < ow;
  v128.store(p, y00);
  if (right) v128.store(p + (<usize>co << 2), y01);
  if (oy + 1 < oh) {
    v128.store(p + rowBytes, y10);
    if (right) v128.store(p + rowBytes + (<usize>co << 2), y11);
  }
}

export function winogradConv3x3(
  x: usize, u: usize, bias: usize, out: usize, scratch: usize,
  rowBegin: i32, rowEnd: i32,
  h: i32, w: i32, ci: i32,
  oh: i32, ow: i32, co: i32,
  pt: i32, pl: i32, relu: i32, block: i32,
): void {
  const tmp = scratch;
  const v = scratch + 256;
  const vStride = <usize>(block * ci) << 2;
  const m = v + 16 * vStride;
  const mStride = <usize>(block * co) << 2;
  const tilesY = (oh + 1) >> 1;
  const tilesX = (ow + 1) >> 1;
  const rowFloats = w * ci;
  // Rows of tiles [rowBegin, rowEnd) over the whole batch: row r is tile row r % tilesY of image r / tilesY.
  for (let r = rowBegin; r < rowEnd; r++) {
    const n = r / tilesY, ty = r % tilesY;
    const xImage = x + (<usize>(n * h) * <usize>rowFloats << 2);
    const outImage = out + (<usize>(n * oh * ow) * <usize>co << 2);
    {
      for (let tx0 = 0; tx0 < tilesX; tx0 += block) {
        const count = min(block, tilesX - tx0);
        // Pairs of tiles in the product: an odd block's last pair reads one stale tile, never written out.
        const paired = (count + 1) & ~1;
        for (let t = 0; t < count; t++) {
          const iy = 2 * ty - pt, ix = 2 * (tx0 + t) - pl;
          for (let c = 0; c < ci; c += 4) {
            const vAt = v + (<usize>(t * ci + c) << 2);
            transformInput(xImage + (<usize>c << 2), tmp, vAt, vStride, iy, ix, h, w, ci, rowFloats);
          }
        }
        for (let p = 0; p < 16; p++) {
          const vp = v + <usize>p * vStride;
          const up = u + (<usize>(p * ci * co) << 2);
          const mp = m + <usize>p * mStride;
          // Output channels outside: U's Ci x 16 column block stays in the L1 cache over the tiles.
          for (let o = 0; o < co; o += 16) {
            for (let t = 0; t < paired; t += 2) multiplyPair(vp, up, mp, ci, co, t, o);
          }
        }
        for (let t = 0; t < count; t++) {
          for (let o = 0; o < co; o += 4) {
            const b = bias == 0 ? f32x4.splat(0) : v128.load(bias + (<usize>o << 2));
            transformOutput(m + (<usize>(t * co + o) << 2), mStride, outImage + (<usize>o << 2), 2 * ty, 2 * (tx0 + t), oh, ow, co, b, relu != 0);
          }
        }
      }
    }
  }
}

/** Row r of G g (a0, a1, a2) as Winograd row r of U: (a0, (a0+a1+a2)/2, (a0-a1+a2)/2, a2), `stride` bytes apart. */
@inline function filterRow(at: usize, stride: usize, a0: v128, a1: v128, a2: v128): void {
  const half = f32x4.splat(0.5);
  v128.store(at, a0);
  v128.store(at + stride, f32x4.mul(f32x4.add(f32x4.add(a0, a1), a2), half));
  v128.store(at + 2 * stride, f32x4.mul(f32x4.add(f32x4.sub(a0, a1), a2), half));
  v128.store(at + 3 * stride, a2);
}

/**
 * The Winograd-domain filter U[16][pairs] = G g Gᵀ of an HWIO [3, 3, Ci, Co] filter g
 * (pairs = Ci * Co, a multiple of 4), with G = [[1, 0, 0], [½, ½, ½], [½, -½, ½], [0, 0, 1]].
 */
export function winogradFilter3x3(g: usize, u: usize, pairs: i32): void {
  const stride = <usize>pairs << 2;
  const half = f32x4.splat(0.5);
  for (let i = 0; i < pairs; i += 4) {
    const at = g + (<usize>i << 2);
    const g00 = v128.load(at), g01 = v128.load(at + stride), g02 = v128.load(at + 2 * stride);
    const g10 = v128.load(at + 3 * stride), g11 = v128.load(at + 4 * stride), g12 = v128.load(at + 5 * stride);
    const g20 = v128.load(at + 6 * stride), g21 = v128.load(at + 7 * stride), g22 = v128.load(at + 8 * stride);
    const to = u + (<usize>i << 2);
    filterRow(to, stride, g00, g01, g02);
    filterRow(to + 4 * stride, stride,
      f32x4.mul(f32x4.add(f32x4.add(g00, g10), g20), half),
      f32x4.mul(f32x4.add(f32x4.add(g01, g11), g21), half),
      f32x4.mul(f32x4.add(f32x4.add(g02, g12), g22), half));
    filterRow(to + 8 * stride, stride,
      f32x4.mul(f32x4.add(f32x4.sub(g00, g10), g20), half),
      f32x4.mul(f32x4.add(f32x4.sub(g01, g11), g21), half),
      f32x4.mul(f32x4.add(f32x4.sub(g02, g12), g22), half));
    filterRow(to + 12 * stride, stride, g20, g21, g22);
  }
}
