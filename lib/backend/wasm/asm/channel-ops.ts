// AssemblyScript source (compiled by scripts/build.mjs into dist/asm/kernels.wasm;
// excluded from the TypeScript project). Per-channel elementwise kernels over a float32
// tensor seen as rows of `period` floats, `period` a multiple of 4 (the caller repeats a
// C-float channel vector until its length is one): each thread takes rows [rowBegin, rowEnd).
// Byte offsets into the shared memory the caller imports.

/** out = (x - mean) * k + offset, channel by channel: a batch norm with k = scale / sqrt(variance + epsilon). */
export function channelAffine(
  x: usize, mean: usize, k: usize, offset: usize, out: usize,
  rowBegin: i32, rowEnd: i32, period: i32,
): void {
  const rowBytes = <usize>period << 2;
  for (let row = rowBegin; row < rowEnd; row++) {
    const from = x + <usize>row * rowBytes;
    const to = out + <usize>row * rowBytes;
    for (let at: usize = 0; at < rowBytes; at += 16) {
      const centred = f32x4.sub(v128.load(from + at), v128.load(mean + at));
      v128.store(to + at, f32x4.add(f32x4.mul(centred, v128.load(k + at)), v128.load(offset + at)));
    }
  }
}

/** Operations of channelBinary, numbered as the caller passes them. */
const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;

/**
 * out = x (op) v channel by channel, or v (op) x when `channelFirst` is 1 (for SUB and DIV):
 * op 0 add, 1 subtract, 2 multiply, 3 divide.
 */
export function channelBinary(
  x: usize, v: usize, out: usize,
  rowBegin: i32, rowEnd: i32, period: i32, op: i32, channelFirst: i32,
): void {
  const rowBytes = <usize>period << 2;
  for (let row = rowBegin; row < rowEnd; row++) {
    const from = x + <usize>row * rowBytes;
    const to = out + <usize>row * rowBytes;
    // One loop per operation, so the choice is made once per row, not per vector.
    if (op == ADD) {
      for (let at: usize = 0; at < rowBytes; at += 16) v128.store(to + at, f32x4.add(v128.load(from + at), v128.load(v + at)));
    } else if (op == MUL) {
      for (let at: usize = 0; at < rowBytes; at += 16) v128.store(to + at, f32x4.mul(v128.load(from + at), v128.load(v + at)));
    } else if (op == SUB && channelFirst == 0) {
      for (let at: usize = 0; at < rowBytes; at += 16) v128.store(to + at, f32x4.sub(v128.load(from + at), v128.load(v + at)));
    } else if (op == SUB) {
      for (let at: usize = 0; at < rowBytes; at += 16) v128.store(to + at, f32x4.sub(v128.load(v + at), v128.load(from + at)));
    } else if (op == DIV && channelFirst == 0) {
      for (let at: usize = 0; at < rowBytes; at += 16) v128.store(to + at, f32x4.div(v128.load(from + at), v128.load(v + at)));
    } else {
      for (let at: usize = 0; at < rowBytes; at += 16) v128.store(to + at, f32x4.div(v128.load(v + at), v128.load(from + at)));
    }
  }
}

/** elementwiseBinary's op beyond channelBinary's: ReLU's gradient, x·step(y). */
const RELU_GRADIENT = 4;

/**
 * out = x (op) y element by element, for same-shape tensors: floats [4 * begin, 4 * end)
 * (the caller's units are vectors of 4 floats). op as channelBinary's, or RELU_GRADIENT:
 * out = x·step(y), step(y) = 1 where y > 0, NaN where y is NaN, else 0 (tfjs's
 * mul(dy, step(x)), a multiply by that step value, so the same bits).
 */
export function elementwiseBinary(x: usize, y: usize, out: usize, begin: i32, end: i32, op: i32): void {
  const from: usize = <usize>begin << 4, to: usize = <usize>end << 4;
  if (op == RELU_GRADIENT) {
    const zero = f32x4.splat(0), one = f32x4.splat(1);
    for (let at = from; at < to; at += 16) {
      const b = v128.load(y + at);
      const step = v128.bitselect(b, v128.bitselect(one, zero, f32x4.gt(b, zero)), f32x4.ne(b, b));
      v128.store(out + at, f32x4.mul(v128.load(x + at), step));
    }
  } else if (op == ADD) {
    for (let at = from; at < to; at += 16) v128.store(out + at, f32x4.add(v128.load(x + at), v128.load(y + at)));
  } else if (op == SUB) {
    for (let at = from; at < to; at += 16) v128.store(out + at, f32x4.sub(v128.load(x + at), v128.load(y + at)));
  } else if (op == MUL) {
    for (let at = from; at < to; at += 16) v128.store(out + at, f32x4.mul(v128.load(x + at), v128.load(y + at)));
  } else {
    for (let at = from; at < to; at += 16) v128.store(out + at, f32x4.div(v128.load(x + at), v128.load(y + at)));
  }
}

/** out = max(x, 0) over floats [4 * begin, 4 * end); NaN stays NaN. */
export function relu(x: usize, out: usize, begin: i32, end: i32): void {
  const zero = f32x4.splat(0);
  for (let at: usize = <usize>begin << 4; at < <usize>end << 4; at += 16) v128.store(out + at, f32x4.max(v128.load(x + at), zero));
}

/** dx = dy·k + offset - xc·kc channel by channel (a batch norm's input gradient), rows [rowBegin, rowEnd). */
export function batchNormGradient(
  dy: usize, xc: usize, k: usize, offset: usize, kc: usize, out: usize,
  rowBegin: i32, rowEnd: i32, period: i32,
): void {
  const rowBytes = <usize>period << 2;
  for (let row = rowBegin; row < rowEnd; row++) {
    const d = dy + <usize>row * rowBytes, c = xc + <usize>row * rowBytes, to = out + <usize>row * rowBytes;
    for (let at: usize = 0; at < rowBytes; at += 16) {
      const scaled = f32x4.add(f32x4.mul(v128.load(d + at), v128.load(k + at)), v128.load(offset + at));
      v128.store(to + at, f32x4.sub(scaled, f32x4.mul(v128.load(c + at), v128.load(kc + at))));
    }
  }
}

/** What columnSums adds up: x; (x - mean)², writing x - mean; or x·y. */
const PLAIN = 0;
const CENTRED_SQUARES = 1;
const PRODUCTS = 2;

/** The term of x's vector at `p` that columnSums adds (see `mode`); `other` is the same vector's place in the centred output or in y. */
@inline function columnTerm(p: usize, m: v128, other: usize, mode: i32): v128 {
  if (mode == PLAIN) return v128.load(p);
  if (mode == PRODUCTS) return f32x4.mul(v128.load(p), v128.load(other));
  const c = f32x4.sub(v128.load(p), m);
  v128.store(other, c);
  return f32x4.mul(c, c);
}

/**
 * The sums of rows [first, last) of 4 adjacent column vectors `at` bytes into each row,
 * into s + at: even and odd rows in separate float32 sums (two chains of additions in
 * flight), added at the end. A row's vectors in the other tensor (centred or y) lie
 * `otherMinusX` bytes after its x vectors.
 */
@inline function sumFourColumns(
  x: usize, mean: usize, otherMinusX: usize, s: usize, first: i32, last: i32, rowBytes: usize, at: usize, mode: i32,
): void {
  const zero = f32x4.splat(0);
  const centred = mode == CENTRED_SQUARES;
  const m0 = centred ? v128.load(mean + at) : zero, m1 = centred ? v128.load(mean + at, 16) : zero;
  const m2 = centred ? v128.load(mean + at, 32) : zero, m3 = centred ? v128.load(mean + at, 48) : zero;
  let e0 = zero, e1 = zero, e2 = zero, e3 = zero, o0 = zero, o1 = zero, o2 = zero, o3 = zero;
  let row = first;
  for (; row + 1 < last; row += 2) {
    const p = x + <usize>row * rowBytes + at, q = p + rowBytes;
    e0 = f32x4.add(e0, columnTerm(p, m0, p + otherMinusX, mode));
    e1 = f32x4.add(e1, columnTerm(p + 16, m1, p + 16 + otherMinusX, mode));
    e2 = f32x4.add(e2, columnTerm(p + 32, m2, p + 32 + otherMinusX, mode));
    e3 = f32x4.add(e3, columnTerm(p + 48, m3, p + 48 + otherMinusX, mode));
    o0 = f32x4.add(o0, columnTerm(q, m0, q + otherMinusX, mode));
    o1 = f32x4.add(o1, columnTerm(q + 16, m1, q + 16 + otherMinusX, mode));
    o2 = f32x4.add(o2, columnTerm(q + 32, m2, q + 32 + otherMinusX, mode));
    o3 = f32x4.add(o3, columnTerm(q + 48, m3, q + 48 + otherMinusX, mode));
  }
  if (row < last) {
    const p = x + <usize>row * rowBytes + at;
    e0 = f32x4.add(e0, columnTerm(p, m0, p + otherMinusX, mode));
    e1 = f32x4.add(e1, columnTerm(p + 16, m1, p + 16 + otherMinusX, mode));
    e2 = f32x4.add(e2, columnTerm(p + 32, m2, p + 32 + otherMinusX, mode));
    e3 = f32x4.add(e3, columnTerm(p + 48, m3, p + 48 + otherMinusX, mode));
  }
  v128.store(s + at, f32x4.add(e0, o0));
  v128.store(s + at, f32x4.add(e1, o1), 16);
  v128.store(s + at, f32x4.add(e2, o2), 32);
  v128.store(s + at, f32x4.add(e3, o3), 48);
}

/** sumFourColumns for one column vector (the last 1-3 vectors of a row whose length is not a multiple of 16 floats). */
@inline function sumOneColumn(
  x: usize, mean: usize, otherMinusX: usize, s: usize, first: i32, last: i32, rowBytes: usize, at: usize, mode: i32,
): void {
  const zero = f32x4.splat(0);
  const m = mode == CENTRED_SQUARES ? v128.load(mean + at) : zero;
  let e = zero, o = zero;
  let row = first;
  for (; row + 1 < last; row += 2) {
    const p = x + <usize>row * rowBytes + at, q = p + rowBytes;
    e = f32x4.add(e, columnTerm(p, m, p + otherMinusX, mode));
    o = f32x4.add(o, columnTerm(q, m, q + otherMinusX, mode));
  }
  if (row < last) {
    const p = x + <usize>row * rowBytes + at;
    e = f32x4.add(e, columnTerm(p, m, p + otherMinusX, mode));
  }
  v128.store(s + at, f32x4.add(e, o));
}

/** columnSums' blocks for one mode (a separate copy of the loops for each). */
@inline function columnSumBlocks(
  x: usize, mean: usize, other: usize, sums: usize, blockBegin: i32, blockEnd: i32, blockRows: i32, rows: i32, period: i32, mode: i32,
): void {
  const rowBytes = <usize>period << 2;
  const whole = rowBytes & ~(<usize>63);
  const otherMinusX = other - x;
  for (let b = blockBegin; b < blockEnd; b++) {
    const s = sums + <usize>b * rowBytes;
    const first = b * blockRows, last = min(rows, first + blockRows);
    for (let at: usize = 0; at < whole; at += 64) sumFourColumns(x, mean, otherMinusX, s, first, last, rowBytes, at, mode);
    for (let at = whole; at < rowBytes; at += 16) sumOneColumn(x, mean, otherMinusX, s, first, last, rowBytes, at, mode);
  }
}

/**
 * Column sums of x (rows of `period` floats) by fixed blocks of `blockRows` rows: sums[b]
 * (period floats) = the float32 sum of block b's rows (even and odd rows summed apart, then
 * added), for the blocks [blockBegin, blockEnd) (the last one may be short: `rows` rows in
 * all). The blocks depend on the shape only, so every thread count adds the same numbers
 * in the same order; the caller adds the blocks up. `mode` 0 sums x; 1 centres each row
 * first, c = x - mean, writes c to `other` and sums c * c (a batch's variance, as
 * tf.moments: the same sums as mode 0 over the squares); 2 sums x * y, y at `other` (a
 * batch norm's Σ dy·xc).
 */
export function columnSums(
  x: usize, mean: usize, other: usize, sums: usize,
  blockBegin: i32, blockEnd: i32, blockRows: i32, rows: i32, period: i32, mode: i32,
): void {
  if (mode == PLAIN) columnSumBlocks(x, 0, x, sums, blockBegin, blockEnd, blockRows, rows, period, PLAIN);
  else if (mode == CENTRED_SQUARES) columnSumBlocks(x, mean, other, sums, blockBegin, blockEnd, blockRows, rows, period, CENTRED_SQUARES);
  else columnSumBlocks(x, 0, other, sums, blockBegin, blockEnd, blockRows, rows, period, PRODUCTS);
}
