// AssemblyScript source (compiled by scripts/build.mjs into dist/asm/kernels.wasm;
// excluded from the TypeScript project). One thread's share of a 3x3, stride-1 Conv2D by
// Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray, 2016, interpolation points 0, ±1,
// ±2, ∞): each 4x4 block of output pixels takes 36 multiplies per channel pair instead of 144.
//
//   Bᵀ = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
//         [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
//   G  = [[¼, 0, 0], [-⅙, -⅙, -⅙], [-⅙, ⅙, -⅙], [1/24, 1/12, ⅙], [1/24, -1/12, ⅙], [0, 0, 1]]
//   Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
//
// float32, NHWC, raw byte offsets into the memory the caller imports:
//   x [N, H, W, Ci], out [N, OH, OW, Co], bias [Co] (0: none), u the transformed filter
//   [36][Ci][Co] (G g Gᵀ per channel pair, worked out by the caller), scratch this thread's
//   own TRANSFORM_BYTES + TABLE_BYTES, then Ci floats, then 36 rows of block * Ci floats and
//   36 of block * Co, each row followed by ROW_PAD_BYTES. Ci % 4 == 0 and Co % 16 == 0.
// The caller gives each thread a range of tiles of the batch (4x4 output pixels each).
// Tiles are taken `block` at a time: the block's transformed input
// V [36][block][Ci] and products M [36][block][Co] stay in cache between the three steps.

import { sumTwoBySixteen } from "./simd";

/** Bytes of the transform buffer at the start of each thread's scratch: 36 vectors. */
const TRANSFORM_BYTES: usize = 576;
/** Bytes of the pixel-address table after it: 36 addresses. Then Ci zero floats, then the block's V and M. */
const TABLE_BYTES: usize = 144;
/**
 * Bytes after each point's row of V and M (or E): rows a power of two bytes apart (a block of
 * 16 or 64 tiles at 16 or 32 channels, 2 tiles at 512) put the 36 points' rows in a few cache
 * sets, and the product ran up to 2.3x slower.
 */
const ROW_PAD_BYTES: usize = 64;

/** The six rows of Bᵀ d for a column d0..d5, stored `stride` bytes apart from `at`. */
@inline function inputRows(at: usize, stride: usize, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  const p = f32x4.sub(d4, f32x4.mul(four, d2)), q = f32x4.sub(d3, f32x4.mul(four, d1));
  const r = f32x4.sub(d4, d2), s = f32x4.mul(two, f32x4.sub(d3, d1));
  v128.store(at, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(at + stride, f32x4.add(p, q));
  v128.store(at + 2 * stride, f32x4.sub(p, q));
  v128.store(at + 3 * stride, f32x4.add(r, s));
  v128.store(at + 4 * stride, f32x4.sub(r, s));
  v128.store(at + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/**
 * V[p] = (Bᵀ d B)[p] for one 6x6 input tile, four channels `c` bytes into each pixel: `table`
 * holds the 36 pixels' addresses, row by row (the zero pixel for those outside the image).
 */
@inline function transformInput(table: usize, c: usize, tmp: usize, v: usize, vStride: usize): void {
  // Columns first: tmp[r][k] = (Bᵀ d)[r] of column k (tmp rows are 6 vectors, 96 bytes).
  for (let k = 0; k < 6; k++) {
    const column = table + (<usize>k << 2);
    inputRows(tmp + (<usize>k << 4), 96,
      v128.load(<usize>load<u32>(column) + c), v128.load(<usize>load<u32>(column, 24) + c),
      v128.load(<usize>load<u32>(column, 48) + c), v128.load(<usize>load<u32>(column, 72) + c),
      v128.load(<usize>load<u32>(column, 96) + c), v128.load(<usize>load<u32>(column, 120) + c));
  }
  // Then rows: V[r*6 + j] = (tmp B)[r][j].
  for (let r = 0; r < 6; r++) {
    const row = tmp + <usize>(r * 96);
    inputRows(v + <usize>(r * 6) * vStride, vStride,
      v128.load(row), v128.load(row, 16), v128.load(row, 32), v128.load(row, 48), v128.load(row, 64), v128.load(row, 80));
  }
}

// Tiles are numbered over the whole batch, image by image, row by row: tile g is at tile
// row (g % perImage) / tilesX, column (g % perImage) % tilesX of image g / perImage.

/** Where tile `tile`'s image starts in an NHWC tensor at `base` whose images are `pixels` x `channels` floats. */
@inline function tileImage(base: usize, tile: i32, perImage: i32, pixels: i32, channels: i32): usize {
  return base + (<usize>((tile / perImage) * pixels) * <usize>channels << 2);
}

/** The first output row of tile `tile`. */
@inline function tileRow(tile: i32, perImage: i32, tilesX: i32): i32 {
  return 4 * ((tile % perImage) / tilesX);
}

/** The first output column of tile `tile`. */
@inline function tileColumn(tile: i32, perImage: i32, tilesX: i32): i32 {
  return 4 * ((tile % perImage) % tilesX);
}

/**
 * V[p][t][0..Ci) for the `count` tiles of the batch from tile `first`. `table` has room for
 * 36 addresses, and `zeros` holds Ci zero floats (the pixel outside the image).
 */
@inline function transformInputTiles(
  x: usize, tmp: usize, table: usize, zeros: usize, v: usize, vStride: usize, first: i32, count: i32, tilesY: i32, tilesX: i32,
  pt: i32, pl: i32, h: i32, w: i32, ci: i32,
): void {
  const perImage = tilesY * tilesX;
  const pixelBytes = <usize>ci << 2;
  for (let t = 0; t < count; t++) {
    const tile = first + t;
    const xImage = tileImage(x, tile, perImage, h * w, ci);
    const iy = tileRow(tile, perImage, tilesX) - pt, ix = tileColumn(tile, perImage, tilesX) - pl;
    // The bounds are checked once per tile, not per channel: each pixel's address, or the zero pixel.
    for (let r = 0; r < 6; r++) {
      const y = iy + r;
      const rowInside = y >= 0 && y < h;
      const rowAt = xImage + <usize>(y * w) * pixelBytes;
      for (let k = 0; k < 6; k++) {
        const col = ix + k;
        store<u32>(table + (<usize>(r * 6 + k) << 2), <u32>(rowInside && col >= 0 && col < w ? rowAt + <usize>col * pixelBytes : zeros));
      }
    }
    for (let c = 0; c < ci; c += 4) {
      transformInput(table, <usize>c << 2, tmp, v + (<usize>(t * ci + c) << 2), vStride);
    }
  }
}

/** M[p][t][o..o+16) for tiles t and t+1: the channel sums of V[p][t][c] * U[p][c][o..o+16). */
@inline function multiplyPair(vp: usize, up: usize, mp: usize, ci: i32, co: i32, t: i32, o: i32): void {
  const ma = mp + (<usize>(t * co + o) << 2);
  const ciBytes = <usize>ci << 2;
  sumTwoBySixteen(ma, ma + (<usize>co << 2), vp + <usize>t * ciBytes, ciBytes, 4, up + (<usize>o << 2), <usize>co << 2, ci, true);
}


/** y + bias, then ReLU when asked: the last step of each output pixel. */
@inline function finish(y: v128, bias: v128, relu: bool): v128 {
  const biased = f32x4.add(y, bias);
  return relu ? f32x4.max(biased, f32x4.splat(0)) : biased;
}

/**
 * The four rows of Aᵀ m for m0..m5, stored `stride` bytes apart from `at`; with `last`
 * (output pixels), each plus bias and then ReLU when `relu`.
 */
@inline function outputRows(
  at: usize, stride: usize, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, last: bool, bias: v128, relu: bool,
): void {
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  const y0 = f32x4.add(f32x4.add(m0, a), c), y1 = f32x4.add(b, f32x4.mul(f32x4.splat(2), d));
  const y2 = f32x4.add(a, f32x4.mul(f32x4.splat(4), c)), y3 = f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5);
  v128.store(at, last ? finish(y0, bias, relu) : y0);
  v128.store(at + stride, last ? finish(y1, bias, relu) : y1);
  v128.store(at + 2 * stride, last ? finish(y2, bias, relu) : y2);
  v128.store(at + 3 * stride, last ? finish(y3, bias, relu) : y3);
}

/** Writes the in-image pixels of one tile's 4x4 output (Aᵀ m A, plus bias, then ReLU if asked), four channels from o. */
@inline function transformOutput(
  m: usize, mStride: usize, tmp: usize, out: usize, oy: i32, ox: i32, oh: i32, ow: i32, co: i32, bias: v128, relu: bool,
): void {
  // Columns first: tmp[i][j] = (Aᵀ m)[i] of column j (tmp rows are 6 vectors, 96 bytes).
  for (let j = 0; j < 6; j++) {
    const col = m + <usize>j * mStride;
    outputRows(tmp + (<usize>j << 4), 96, v128.load(col), v128.load(col + 6 * mStride), v128.load(col + 12 * mStride),
      v128.load(col + 18 * mStride), v128.load(col + 24 * mStride), v128.load(col + 30 * mStride), false, bias, relu);
  }
  // Then rows: y[i][k] = (tmp A)[i][k]. A whole tile goes straight out.
  const rows = min(4, oh - oy), cols = min(4, ow - ox);
  const zero = f32x4.splat(0);
  const coBytes = <usize>co << 2;
  if (rows == 4 && cols == 4) {
    for (let i = 0; i < 4; i++) {
      const row = tmp + <usize>(i * 96);
      outputRows(out + (<usize>((oy + i) * ow + ox) * coBytes), coBytes,
        v128.load(row), v128.load(row, 16), v128.load(row, 32), v128.load(row, 48), v128.load(row, 64), v128.load(row, 80), true, bias, relu);
    }
    return;
  }
  // A tile at the image's edge: rows in place into tmp's first four vectors of each row, then the pixels inside.
  for (let i = 0; i < rows; i++) {
    const row = tmp + <usize>(i * 96);
    outputRows(row, 16, v128.load(row), v128.load(row, 16), v128.load(row, 32), v128.load(row, 48), v128.load(row, 64), v128.load(row, 80), false, bias, relu);
    const p = out + (<usize>((oy + i) * ow + ox) * coBytes);
    for (let k = 0; k < cols; k++) {
      let y = f32x4.add(v128.load(row + (<usize>k << 4)), bias);
      if (relu) y = f32x4.max(y, zero);
      v128.store(p + <usize>k * coBytes, y);
    }
  }
}

export function winogradConv3x3(
  x: usize, u: usize, bias: usize, out: usize, scratch: usize,
  tileBegin: i32, tileEnd: i32,
  h: i32, w: i32, ci: i32,
  oh: i32, ow: i32, co: i32,
  pt: i32, pl: i32, relu: i32, block: i32,
): void {
  const tmp = scratch, table = scratch + TRANSFORM_BYTES, zeros = table + TABLE_BYTES;
  memory.fill(zeros, 0, <usize>ci << 2);
  const v = zeros + (<usize>ci << 2);
  const vStride = (<usize>(block * ci) << 2) + ROW_PAD_BYTES;
  const m = v + 36 * vStride;
  const mStride = (<usize>(block * co) << 2) + ROW_PAD_BYTES;
  const tilesY = (oh + 3) >> 2, tilesX = (ow + 3) >> 2, perImage = tilesY * tilesX;
  // Tiles [tileBegin, tileEnd) of the batch, `block` at a time (a block may span rows and images).
  for (let first = tileBegin; first < tileEnd; first += block) {
    const count = min(block, tileEnd - first);
    // Pairs of tiles in the product: an odd block's last pair reads one stale tile, never written out.
    const paired = (count + 1) & ~1;
    transformInputTiles(x, tmp, table, zeros, v, vStride, first, count, tilesY, tilesX, pt, pl, h, w, ci);
    for (let p = 0; p < 36; p++) {
      const vp = v + <usize>p * vStride;
      const up = u + (<usize>(p * ci * co) << 2);
      const mp = m + <usize>p * mStride;
      // Output channels outside: U's Ci x 16 column block stays in the L1 cache over the tiles.
      for (let o = 0; o < co; o += 16) {
        for (let t = 0; t < paired; t += 2) multiplyPair(vp, up, mp, ci, co, t, o);
      }
    }
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const outImage = tileImage(out, tile, perImage, oh * ow, co);
      const oy = tileRow(tile, perImage, tilesX), ox = tileColumn(tile, perImage, tilesX);
      for (let o = 0; o < co; o += 4) {
        const b = bias == 0 ? f32x4.splat(0) : v128.load(bias + (<usize>o << 2));
        transformOutput(m + (<usize>(t * co + o) << 2), mStride, tmp, outImage + (<usize>o << 2), oy, ox, oh, ow, co, b, relu != 0);
      }
    }
  }
}

/** Row r of G a for a filter column a0..a2. */
@inline function filterRow(r: i32, a0: v128, a1: v128, a2: v128): v128 {
  if (r == 0) return f32x4.mul(a0, f32x4.splat(0.25));
  if (r == 5) return a2;
  const sixth = f32x4.splat(1.0 / 6.0);
  if (r < 3) {
    // -(a0 ± a1 + a2) / 6
    const even = f32x4.add(a0, a2);
    return f32x4.neg(f32x4.mul(r == 1 ? f32x4.add(even, a1) : f32x4.sub(even, a1), sixth));
  }
  // (a0/4 + a2) / 6 ± a1/12
  const outer = f32x4.mul(f32x4.add(f32x4.mul(a0, f32x4.splat(0.25)), a2), sixth);
  const middle = f32x4.mul(a1, f32x4.splat(1.0 / 12.0));
  return r == 3 ? f32x4.add(outer, middle) : f32x4.sub(outer, middle);
}

/**
 * The Winograd-domain filter U[36][pairs] = G g Gᵀ of an HWIO [3, 3, Ci, Co] filter g
 * (pairs = Ci * Co, a multiple of 4), for the channel pairs [4 * begin, 4 * end).
 */
export function winogradFilter3x3(g: usize, u: usize, pairs: i32, begin: i32, end: i32): void {
  const stride = <usize>pairs << 2;
  for (let i = begin << 2; i < end << 2; i += 4) {
    const at = g + (<usize>i << 2);
    const g00 = v128.load(at), g01 = v128.load(at + stride), g02 = v128.load(at + 2 * stride);
    const g10 = v128.load(at + 3 * stride), g11 = v128.load(at + 4 * stride), g12 = v128.load(at + 5 * stride);
    const g20 = v128.load(at + 6 * stride), g21 = v128.load(at + 7 * stride), g22 = v128.load(at + 8 * stride);
    const to = u + (<usize>i << 2);
    for (let r = 0; r < 6; r++) {
      // Row r of G g, then its row of (G g) Gᵀ.
      const a0 = filterRow(r, g00, g10, g20), a1 = filterRow(r, g01, g11, g21), a2 = filterRow(r, g02, g12, g22);
      for (let j = 0; j < 6; j++) v128.store(to + <usize>(r * 6 + j) * stride, filterRow(j, a0, a1, a2));
    }
  }
}

/** The six rows of A e for a dy column e0..e3, stored `stride` bytes apart from `at`. */
@inline function gradientRows(at: usize, stride: usize, e0: v128, e1: v128, e2: v128, e3: v128): void {
  const even = f32x4.add(e0, e2), odd = f32x4.add(e1, e3);
  const even4 = f32x4.add(e0, f32x4.mul(f32x4.splat(4), e2));
  const odd4 = f32x4.add(f32x4.mul(f32x4.splat(2), e1), f32x4.mul(f32x4.splat(8), e3));
  v128.store(at, e0);
  v128.store(at + stride, f32x4.add(even, odd));
  v128.store(at + 2 * stride, f32x4.sub(even, odd));
  v128.store(at + 3 * stride, f32x4.add(even4, odd4));
  v128.store(at + 4 * stride, f32x4.sub(even4, odd4));
  v128.store(at + 5 * stride, e3);
}

/** E[p] = (A e Aᵀ)[p] for the 4x4 dy tile at output (oy, ox), four channels; zeros outside the output. */
@inline function transformGradient(dy: usize, tmp: usize, e: usize, eStride: usize, oy: i32, ox: i32, oh: i32, ow: i32, co: i32): void {
  const coBytes = <usize>co << 2;
  const rowBytes = <usize>ow * coBytes;
  const rows = min(4, oh - oy), cols = min(4, ow - ox);
  const zero = f32x4.splat(0);
  // Columns first: tmp[r][k] = (A e)[r] of dy column k (tmp rows are 4 vectors, 64 bytes).
  if (rows == 4 && cols == 4) {
    // A whole tile: no pixel outside the output.
    for (let k = 0; k < 4; k++) {
      const p = dy + (<usize>(oy * ow + ox + k) * coBytes);
      gradientRows(tmp + (<usize>k << 4), 64, v128.load(p), v128.load(p + rowBytes), v128.load(p + 2 * rowBytes), v128.load(p + 3 * rowBytes));
    }
  } else for (let k = 0; k < 4; k++) {
    const p = dy + (<usize>(oy * ow + ox + k) * coBytes);
    const inside = k < cols;
    gradientRows(tmp + (<usize>k << 4), 64,
      inside ? v128.load(p) : zero,
      inside && rows > 1 ? v128.load(p + rowBytes) : zero,
      inside && rows > 2 ? v128.load(p + 2 * rowBytes) : zero,
      inside && rows > 3 ? v128.load(p + 3 * rowBytes) : zero);
  }
  // Then rows: E[r*6 + j] = (tmp Aᵀ)[r][j].
  for (let r = 0; r < 6; r++) {
    const row = tmp + <usize>(r * 64);
    gradientRows(e + <usize>(r * 6) * eStride, eStride, v128.load(row), v128.load(row, 16), v128.load(row, 32), v128.load(row, 48));
  }
}

/**
 * One thread's share of a 3x3, stride-1 Conv2D filter gradient by Winograd's F(3x3, 4x4),
 * the transpose of the forward F(4x4, 3x3): dW = Gᵀ [sum over tiles of V ⊙ E] G per channel
 * pair, with V = Bᵀ d B the forward's input transform and E = A e Aᵀ of the 4x4 dy tile.
 * This kernel sums V[p][t][c] * E[p][t][o] over the tiles [tileBegin, tileEnd) into
 * its own acc [36][Ci][Co] (zeroed first); winogradGradientFilter3x3 adds the threads' accs
 * up and transforms them. dy [N, OH, OW, Co]; scratch laid out as the forward's (E in
 * place of M); any block size.
 */
export function winogradFilterGradient(
  x: usize, dy: usize, acc: usize, scratch: usize,
  tileBegin: i32, tileEnd: i32,
  h: i32, w: i32, ci: i32,
  oh: i32, ow: i32, co: i32,
  pt: i32, pl: i32, block: i32,
): void {
  const tmp = scratch, table = scratch + TRANSFORM_BYTES, zeros = table + TABLE_BYTES;
  memory.fill(zeros, 0, <usize>ci << 2);
  const v = zeros + (<usize>ci << 2);
  const vStride = (<usize>(block * ci) << 2) + ROW_PAD_BYTES;
  const e = v + 36 * vStride;
  const eStride = (<usize>(block * co) << 2) + ROW_PAD_BYTES;
  const coBytes = <usize>co << 2;
  memory.fill(acc, 0, <usize>(36 * ci) * coBytes);
  const tilesY = (oh + 3) >> 2, tilesX = (ow + 3) >> 2, perImage = tilesY * tilesX;
  for (let first = tileBegin; first < tileEnd; first += block) {
    const count = min(block, tileEnd - first);
    transformInputTiles(x, tmp, table, zeros, v, vStride, first, count, tilesY, tilesX, pt, pl, h, w, ci);
    for (let t = 0; t < count; t++) {
      const tile = first + t;
      const dyImage = tileImage(dy, tile, perImage, oh * ow, co);
      const oy = tileRow(tile, perImage, tilesX), ox = tileColumn(tile, perImage, tilesX);
      for (let o = 0; o < co; o += 4) {
        transformGradient(dyImage + (<usize>o << 2), tmp, e + (<usize>(t * co + o) << 2), eStride, oy, ox, oh, ow, co);
      }
    }
    // acc[p][c..c+2)[o..o+16) += sum over the block's tiles of V[p][t][c] * E[p][t][o..o+16).
    for (let p = 0; p < 36; p++) {
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

/** The three rows of Gᵀ m for a column m0..m5, stored `stride` bytes apart from `at`. */
@inline function gradientFilterRows(at: usize, stride: usize, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128): void {
  const sixth = f32x4.splat(1.0 / 6.0);
  const a = f32x4.mul(f32x4.add(m1, m2), sixth), b = f32x4.mul(f32x4.sub(m1, m2), sixth);
  const c = f32x4.mul(f32x4.add(m3, m4), sixth), d = f32x4.mul(f32x4.sub(m3, m4), f32x4.splat(1.0 / 12.0));
  const quarter = f32x4.splat(0.25);
  // Gᵀ = [[¼, -⅙, -⅙, 1/24, 1/24, 0], [0, -⅙, ⅙, 1/12, -1/12, 0], [0, -⅙, -⅙, ⅙, ⅙, 1]]
  v128.store(at, f32x4.add(f32x4.sub(f32x4.mul(m0, quarter), a), f32x4.mul(c, quarter)));
  v128.store(at + stride, f32x4.add(f32x4.neg(b), d));
  v128.store(at + 2 * stride, f32x4.add(f32x4.sub(c, a), m5));
}

/**
 * The filter gradient dW [3, 3, pairs] (pairs = Ci * Co, a multiple of 4) from `threads`
 * accumulators [36][pairs], `accBytes` apart: their sum M, then Gᵀ M G, for the channel
 * pairs [4 * begin, 4 * end).
 */
export function winogradGradientFilter3x3(acc: usize, threads: i32, accBytes: usize, out: usize, pairs: i32, begin: i32, end: i32): void {
  const stride = <usize>pairs << 2;
  for (let i = begin << 2; i < end << 2; i += 4) {
    const at = acc + (<usize>i << 2);
    // Columns first: r[k][j] = (Gᵀ M)[k][j], k < 3, for the 6 columns j; kept in the first thread's acc (read before written).
    for (let j = 0; j < 6; j++) {
      let m0 = f32x4.splat(0), m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0;
      for (let s = 0; s < threads; s++) {
        const col = at + <usize>s * accBytes + <usize>j * stride;
        m0 = f32x4.add(m0, v128.load(col));
        m1 = f32x4.add(m1, v128.load(col + 6 * stride));
        m2 = f32x4.add(m2, v128.load(col + 12 * stride));
        m3 = f32x4.add(m3, v128.load(col + 18 * stride));
        m4 = f32x4.add(m4, v128.load(col + 24 * stride));
        m5 = f32x4.add(m5, v128.load(col + 30 * stride));
      }
      gradientFilterRows(at + <usize>j * stride, 6 * stride, m0, m1, m2, m3, m4, m5);
    }
    // Then rows: dW[k][l] = (r G)[k][l].
    for (let k = 0; k < 3; k++) {
      const row = at + <usize>(k * 6) * stride;
      gradientFilterRows(out + (<usize>i << 2) + <usize>(k * 3) * stride, stride,
        v128.load(row), v128.load(row + stride), v128.load(row + 2 * stride), v128.load(row + 3 * stride), v128.load(row + 4 * stride), v128.load(row + 5 * stride));
    }
  }
}
