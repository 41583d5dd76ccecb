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

import { sumTwoBySixteen } from "./simd";

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

/** V[p][t][0..Ci) for the `count` tiles from column tx0 of tile row ty of one image (xImage). */
@inline function transformInputTiles(
  xImage: usize, tmp: usize, v: usize, vStride: usize, ty: i32, tx0: i32, count: i32, pt: i32, pl: i32, h: i32, w: i32, ci: i32,
): void {
  for (let t = 0; t < count; t++) {
    const iy = 2 * ty - pt, ix = 2 * (tx0 + t) - pl;
    for (let c = 0; c < ci; c += 4) {
      transformInput(xImage + (<usize>c << 2), tmp, v + (<usize>(t * ci + c) << 2), vStride, iy, ix, h, w, ci, w * ci);
    }
  }
}

/** M[p][t][o..o+16) for tiles t and t+1: the channel sums of V[p][t][c] * U[p][c][o..o+16). */
@inline function multiplyPair(vp: usize, up: usize, mp: usize, ci: i32, co: i32, t: i32, o: i32): void {
  const ma = mp + (<usize>(t * co + o) << 2);
  const ciBytes = <usize>ci << 2;
  sumTwoBySixteen(ma, ma + (<usize>co << 2), vp + <usize>t * ciBytes, ciBytes, 4, up + (<usize>o << 2), <usize>co << 2, ci, true);
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
  // Rows of tiles [rowBegin, rowEnd) over the whole batch: row r is tile row r % tilesY of image r / tilesY.
  for (let r = rowBegin; r < rowEnd; r++) {
    const n = r / tilesY, ty = r % tilesY;
    const xImage = x + (<usize>(n * h * w) * <usize>ci << 2);
    const outImage = out + (<usize>(n * oh * ow) * <usize>co << 2);
    for (let tx0 = 0; tx0 < tilesX; tx0 += block) {
      const count = min(block, tilesX - tx0);
      // Pairs of tiles in the product: an odd block's last pair reads one stale tile, never written out.
      const paired = (count + 1) & ~1;
      transformInputTiles(xImage, tmp, v, vStride, ty, tx0, count, pt, pl, h, w, ci);
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

/** E[p] = (A e Aᵀ)[p] for the 2x2 dy tile at output (oy, ox), four channels; zeros outside the output. */
@inline function transformGradient(dy: usize, e: usize, eStride: usize, oy: i32, ox: i32, oh: i32, ow: i32, co: i32): void {
  const zero = f32x4.splat(0);
  const rowBytes = <usize>(ow * co) << 2;
  const p = dy + (<usize>(oy * ow + ox) * <usize>co << 2);
  const right = ox + 1 < ow, below = oy + 1 < oh;
  const e00 = v128.load(p);
  const e01 = right ? v128.load(p + (<usize>co << 2)) : zero;
  const e10 = below ? v128.load(p + rowBytes) : zero;
  const e11 = right && below ? v128.load(p + rowBytes + (<usize>co << 2)) : zero;
  // A = [[1, 0], [1, 1], [1, -1], [0, -1]]: rows a_i of A e, then each row's 4 columns.
  for (let i = 0; i < 4; i++) {
    const a0 = i == 0 ? e00 : i == 1 ? f32x4.add(e00, e10) : i == 2 ? f32x4.sub(e00, e10) : f32x4.neg(e10);
    const a1 = i == 0 ? e01 : i == 1 ? f32x4.add(e01, e11) : i == 2 ? f32x4.sub(e01, e11) : f32x4.neg(e11);
    const at = e + <usize>(i * 4) * eStride;
    v128.store(at, a0);
    v128.store(at + eStride, f32x4.add(a0, a1));
    v128.store(at + 2 * eStride, f32x4.sub(a0, a1));
    v128.store(at + 3 * eStride, f32x4.neg(a1));
  }
}

/**
 * One thread's share of a 3x3, stride-1 Conv2D filter gradient by Winograd's F(3x3, 2x2),
 * the transpose of the forward F(2x2, 3x3): dW = Gᵀ [sum over tiles of V ⊙ E] G per channel
 * pair, with V = Bᵀ d B the forward's input transform and E = A e Aᵀ of the 2x2 dy tile.
 * This kernel sums V[p][t][c] * E[p][t][o] over the tiles of rows [rowBegin, rowEnd) into
 * its own acc [16][Ci][Co] (zeroed first); winogradGradientFilter3x3 adds the threads' accs
 * up and transforms them. dy [N, OH, OW, Co]; scratch as the forward's: 16 * block * (Ci + Co)
 * floats after the transform buffer; any block size.
 */
export function winogradFilterGradient(
  x: usize, dy: usize, acc: usize, scratch: usize,
  rowBegin: i32, rowEnd: i32,
  h: i32, w: i32, ci: i32,
  oh: i32, ow: i32, co: i32,
  pt: i32, pl: i32, block: i32,
): void {
  const tmp = scratch;
  const v = scratch + 256;
  const vStride = <usize>(block * ci) << 2;
  const e = v + 16 * vStride;
  const eStride = <usize>(block * co) << 2;
  const coBytes = <usize>co << 2;
  memory.fill(acc, 0, <usize>(16 * ci) * coBytes);
  const tilesY = (oh + 1) >> 1;
  const tilesX = (ow + 1) >> 1;
  for (let r = rowBegin; r < rowEnd; r++) {
    const n = r / tilesY, ty = r % tilesY;
    const xImage = x + (<usize>(n * h * w) * <usize>ci << 2);
    const dyImage = dy + (<usize>(n * oh * ow) * <usize>co << 2);
    for (let tx0 = 0; tx0 < tilesX; tx0 += block) {
      const count = min(block, tilesX - tx0);
      transformInputTiles(xImage, tmp, v, vStride, ty, tx0, count, pt, pl, h, w, ci);
      for (let t = 0; t < count; t++) {
        for (let o = 0; o < co; o += 4) {
          transformGradient(dyImage + (<usize>o << 2), e + (<usize>(t * co + o) << 2), eStride, 2 * ty, 2 * (tx0 + t), oh, ow, co);
        }
      }
      // acc[p][c..c+2)[o..o+16) += sum over the block's tiles of V[p][t][c] * E[p][t][o..o+16).
      for (let p = 0; p < 16; p++) {
        const vp = v + <usize>p * vStride;
        const ep = e + <usize>p * eStride;
        const ap = acc + <usize>(p * ci) * coBytes;
        for (let c = 0; c < ci; c += 2) {
          for (let o = 0; o < co; o += 16) {
            const a0 = ap + <usize>c * coBytes + (<usize>o << 2);
            sumTwoBySixteen(a0, a0 + coBytes, vp + (<usize>c << 2), 4, <usize>ci << 2, ep + (<usize>o << 2), coBytes, count, false);
          }
        }
      }
    }
  }
}

/**
 * The filter gradient dW [3, 3, pairs] (pairs = Ci * Co, a multiple of 4) from `threads`
 * accumulators [16][pairs], `accBytes` apart: their sum M, then Gᵀ M G with
 * Gᵀ = [[1, ½, ½, 0], [0, ½, -½, 0], [0, ½, ½, 1]].
 */
export function winogradGradientFilter3x3(acc: usize, threads: i32, accBytes: usize, out: usize, pairs: i32): void {
  const stride = <usize>pairs << 2;
  const half = f32x4.splat(0.5);
  for (let i = 0; i < pairs; i += 4) {
    const at = acc + (<usize>i << 2);
    // Rows first: r[k][j] = (Gᵀ M)[k][j], k < 3, for the 4 columns j; kept in the first thread's acc (read before written).
    for (let j = 0; j < 4; j++) {
      let m0 = f32x4.splat(0), m1 = m0, m2 = m0, m3 = m0;
      for (let s = 0; s < threads; s++) {
        const col = at + <usize>s * accBytes + <usize>j * stride;
        m0 = f32x4.add(m0, v128.load(col));
        m1 = f32x4.add(m1, v128.load(col + 4 * stride));
        m2 = f32x4.add(m2, v128.load(col + 8 * stride));
        m3 = f32x4.add(m3, v128.load(col + 12 * stride));
      }
      const middle = f32x4.mul(f32x4.add(m1, m2), half);
      const col = at + <usize>j * stride;
      v128.store(col, f32x4.add(m0, middle));
      v128.store(col + 4 * stride, f32x4.mul(f32x4.sub(m1, m2), half));
      v128.store(col + 8 * stride, f32x4.add(middle, m3));
    }
    // Then columns: dW[k][l] = (r Gᵀᵀ)[k][l] = (r G)[k][l].
    for (let k = 0; k < 3; k++) {
      const row = at + <usize>(k * 4) * stride;
      const r0 = v128.load(row), r1 = v128.load(row + stride), r2 = v128.load(row + 2 * stride), r3 = v128.load(row + 3 * stride);
      const middle = f32x4.mul(f32x4.add(r1, r2), half);
      const to = out + (<usize>i << 2) + <usize>(k * 3) * stride;
      v128.store(to, f32x4.add(r0, middle));
      v128.store(to + stride, f32x4.mul(f32x4.sub(r1, r2), half));
      v128.store(to + 2 * stride, f32x4.add(middle, r3));
    }
  }
}
