// AssemblyScript source (compiled by scripts/build.mjs into dist/asm/kernels.wasm;
// excluded from the TypeScript project). One worker's share of max pooling or of a pooling
// input gradient: the output or dx for images n in [nBegin, nEnd). float32, NHWC, byte
// offsets. Images are independent, so shares of images never write the same place, and
// every thread count gives the same bits.

/** poolWindows' kinds: max pooling's gradient, average pooling's, max pooling itself. */
const MAX: i32 = 0;
const AVERAGE: i32 = 1;
const MAX_FORWARD: i32 = 2;

/** First in-bounds window row (or column): the corner stepped by the dilation until it is >= 0. */
@inline function firstInside(corner: i32, dilation: i32): i32 {
  let at = corner;
  while (at < 0) at += dilation;
  return at;
}

/** Four channels' largest values over a window (from `at`, a pixel's lane): the first strictly larger wins, NaN never, -Infinity when none is larger. */
@inline function laneMax(at: usize, w: i32, pixelBytes: usize, r0: i32, r1: i32, c0: i32, c1: i32, dh: i32, dw: i32): v128 {
  let best = f32x4.splat(-Infinity);
  for (let r = r0; r < r1; r += dh) {
    for (let col = c0; col < c1; col += dw) {
      const v = v128.load(at + <usize>(r * w + col) * pixelBytes);
      best = v128.bitselect(v, best, f32x4.gt(v, best));
    }
  }
  return best;
}

/**
 * One max-pooling window: its dy goes to the position of its first strictly largest x
 * (scan order: row by row, column by column; NaN never wins; a window of only
 * NaN / -Infinity gets no gradient), as tfjs's cpu kernel picks it.
 */
@inline function maxWindow(
  xImage: usize, dxImage: usize, dyPixel: usize, c: i32, w: i32, pixelBytes: usize,
  r0: i32, r1: i32, c0: i32, c1: i32, dh: i32, dw: i32,
): void {
  const lanes = c & ~3;
  const minusInfinity = f32x4.splat(-Infinity);
  for (let d = 0; d < lanes; d += 4) {
    const lane = <usize>d << 2;
    const best = laneMax(xImage + lane, w, pixelBytes, r0, r1, c0, c1, dh, dw);
    // Only a value above -Infinity ever wins; then the first position equal to it.
    const gradient = v128.and(v128.load(dyPixel + lane), f32x4.gt(best, minusInfinity));
    let taken = i32x4.splat(0);
    for (let r = r0; r < r1; r += dh) {
      for (let col = c0; col < c1; col += dw) {
        const offset = <usize>(r * w + col) * pixelBytes + lane;
        const first = v128.andnot(f32x4.eq(v128.load(xImage + offset), best), taken);
        taken = v128.or(taken, first);
        const at = dxImage + offset;
        v128.store(at, f32x4.add(v128.load(at), v128.and(gradient, first)));
      }
    }
  }
  for (let d = lanes; d < c; d++) {
    const lane = <usize>d << 2;
    let best: f32 = -Infinity;
    let at: usize = 0;
    let found = false;
    for (let r = r0; r < r1; r += dh) {
      for (let col = c0; col < c1; col += dw) {
        const offset = <usize>(r * w + col) * pixelBytes + lane;
        const v = load<f32>(xImage + offset);
        if (v > best) {
          best = v;
          at = dxImage + offset;
          found = true;
        }
      }
    }
    if (found) store<f32>(at, load<f32>(at) + load<f32>(dyPixel + lane));
  }
}

/**
 * One max-pooling window's output: its first strictly largest x (NaN never wins; -Infinity
 * when nothing is larger). The window's pixels are taken one by one, each over all channels
 * (contiguous in NHWC), the running maximum kept in the output pixel.
 */
@inline function maxOfWindow(
  xImage: usize, outPixel: usize, c: i32, w: i32, pixelBytes: usize,
  r0: i32, r1: i32, c0: i32, c1: i32, dh: i32, dw: i32,
): void {
  const lanes = c & ~3;
  const minusInfinity = f32x4.splat(-Infinity);
  for (let d = 0; d < lanes; d += 4) v128.store(outPixel + (<usize>d << 2), minusInfinity);
  for (let d = lanes; d < c; d++) store<f32>(outPixel + (<usize>d << 2), -Infinity);
  for (let r = r0; r < r1; r += dh) {
    for (let col = c0; col < c1; col += dw) {
      const pixel = xImage + <usize>(r * w + col) * pixelBytes;
      for (let d = 0; d < lanes; d += 4) {
        const lane = <usize>d << 2;
        const v = v128.load(pixel + lane), best = v128.load(outPixel + lane);
        v128.store(outPixel + lane, v128.bitselect(v, best, f32x4.gt(v, best)));
      }
      for (let d = lanes; d < c; d++) {
        const lane = <usize>d << 2;
        const v = load<f32>(pixel + lane);
        if (v > load<f32>(outPixel + lane)) store<f32>(outPixel + lane, v);
      }
    }
  }
}

/** One average-pooling window: its dy is added to each of its in-bounds positions (scaled per image afterwards). */
@inline function averageWindow(
  dxImage: usize, dyPixel: usize, c: i32, w: i32, pixelBytes: usize,
  r0: i32, r1: i32, c0: i32, c1: i32, dh: i32, dw: i32,
): void {
  const lanes = c & ~3;
  for (let r = r0; r < r1; r += dh) {
    for (let col = c0; col < c1; col += dw) {
      const at = dxImage + <usize>(r * w + col) * pixelBytes;
      let d = 0;
      for (; d < lanes; d += 4) {
        const lane = <usize>d << 2;
        v128.store(at + lane, f32x4.add(v128.load(at + lane), v128.load(dyPixel + lane)));
      }
      for (; d < c; d++) {
        const lane = <usize>d << 2;
        store<f32>(at + lane, load<f32>(at + lane) + load<f32>(dyPixel + lane));
      }
    }
  }
}

/** dx of one image times `multiplier`. */
@inline function scaleImage(dxImage: usize, imageBytes: usize, multiplier: f32): void {
  const scale = f32x4.splat(multiplier);
  const end = dxImage + imageBytes;
  let at = dxImage;
  for (; at + 16 <= end; at += 16) v128.store(at, f32x4.mul(v128.load(at), scale));
  for (; at < end; at += 4) store<f32>(at, load<f32>(at) * multiplier);
}

/**
 * Every window of images [nBegin, nEnd) in order (the order of tfjs's cpu kernels, so
 * overlapping windows sum alike); `perWindow` holds a value per window ([n][oh][ow][c]).
 * Gradients, into dx (zeroed first): max pooling (MAX) routes each window's dy to its
 * maximum of x; average pooling (AVERAGE) routes it to every position, then scales dx by
 * 1 / `area` (the filter's height * width, padding included, as tfjs's cpu kernel: it sums
 * the covering windows' dy, then multiplies). MAX_FORWARD writes each window's maximum of
 * x to `perWindow` (dx unused).
 */
function poolWindows(
  kind: i32, x: usize, perWindow: usize, dx: usize, nBegin: i32, nEnd: i32,
  h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, area: i32,
): void {
  const pixelBytes = <usize>c << 2;
  const imageBytes = <usize>(h * w) * pixelBytes;
  if (nEnd <= nBegin) return;
  if (kind != MAX_FORWARD) memory.fill(dx + <usize>nBegin * imageBytes, 0, <usize>(nEnd - nBegin) * imageBytes);
  for (let n = nBegin; n < nEnd; n++) {
    const xImage = x + <usize>n * imageBytes;
    const dxImage = dx + <usize>n * imageBytes;
    for (let oy = 0; oy < oh; oy++) {
      // The window's in-bounds rows [r0, r1) and columns [c0, c1), in steps of the dilation.
      const rowCorner = oy * sh - pt;
      const r0 = firstInside(rowCorner, dh);
      const r1 = min(rowCorner + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const colCorner = ox * sw - pl;
        const c0 = firstInside(colCorner, dw);
        const c1 = min(colCorner + kw, w);
        const windowPixel = perWindow + <usize>((n * oh + oy) * ow + ox) * pixelBytes;
        if (kind == MAX) maxWindow(xImage, dxImage, windowPixel, c, w, pixelBytes, r0, r1, c0, c1, dh, dw);
        else if (kind == AVERAGE) averageWindow(dxImage, windowPixel, c, w, pixelBytes, r0, r1, c0, c1, dh, dw);
        else maxOfWindow(xImage, windowPixel, c, w, pixelBytes, r0, r1, c0, c1, dh, dw);
      }
    }
    if (kind == AVERAGE) scaleImage(dxImage, imageBytes, <f32>(1.0 / <f64>area));
  }
}

/** MaxPool's input gradient (see poolWindows). */
export function maxPoolGradient(
  x: usize, dy: usize, dx: usize, nBegin: i32, nEnd: i32,
  h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
): void {
  poolWindows(MAX, x, dy, dx, nBegin, nEnd, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, 1);
}

/** AvgPool's input gradient (see poolWindows); it reads no x. */
export function avgPoolGradient(
  dy: usize, dx: usize, nBegin: i32, nEnd: i32,
  h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32, area: i32,
): void {
  poolWindows(AVERAGE, 0, dy, dx, nBegin, nEnd, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, area);
}

/**
 * Max pooling of images [nBegin, nEnd) into out [n][oh][ow][c] (see poolWindows): each
 * output value is the first strictly largest x of its window, so NaN never wins and a
 * window with nothing above -Infinity gives -Infinity, as tfjs's cpu kernel (and the
 * gradient above) decides.
 */
export function maxPool(
  x: usize, out: usize, nBegin: i32, nEnd: i32,
  h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
): void {
  poolWindows(MAX_FORWARD, x, out, 0, nBegin, nEnd, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, 1);
}
