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

/**
 * out = x (op) y element by element, for same-shape tensors: floats [4 * begin, 4 * end)
 * (the caller's units are vectors of 4 floats). op as channelBinary's.
 */
export function elementwiseBinary(x: usize, y: usize, out: usize, begin: i32, end: i32, op: i32): void {
  const from: usize = <usize>begin << 4, to: usize = <usize>end << 4;
  if (op == ADD) {
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

/** Rows summed into a zeroed block sum before it is added to the thread's total (two-level sums: smaller rounding). */
const SUM_BLOCK_ROWS = 64;

/**
 * Per-channel sums for a batch norm's backward pass over rows [rowBegin, rowEnd) of dy and
 * xc (x minus the batch mean): sums[0..period) = Σ dy, sums[period..2 period) = Σ dy·xc,
 * into this thread's own `sums` (zeroed first); `block` is 2 * period floats of its own
 * scratch. The caller adds the threads' sums up.
 */
export function batchNormGradientSums(
  dy: usize, xc: usize, sums: usize, block: usize, rowBegin: i32, rowEnd: i32, period: i32,
): void {
  const rowBytes = <usize>period << 2;
  memory.fill(sums, 0, 2 * rowBytes);
  for (let first = rowBegin; first < rowEnd; first += SUM_BLOCK_ROWS) {
    const last = min(rowEnd, first + SUM_BLOCK_ROWS);
    memory.fill(block, 0, 2 * rowBytes);
    for (let row = first; row < last; row++) {
      const d = dy + <usize>row * rowBytes, c = xc + <usize>row * rowBytes;
      for (let at: usize = 0; at < rowBytes; at += 16) {
        const g = v128.load(d + at);
        v128.store(block + at, f32x4.add(v128.load(block + at), g));
        v128.store(block + rowBytes + at, f32x4.add(v128.load(block + rowBytes + at), f32x4.mul(g, v128.load(c + at))));
      }
    }
    for (let at: usize = 0; at < 2 * rowBytes; at += 16) v128.store(sums + at, f32x4.add(v128.load(sums + at), v128.load(block + at)));
  }
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

/** x's vector at `p`, or with `squares` its centred value c = x - m, written to `to`, squared. */
@inline function columnTerm(p: usize, m: v128, to: usize, squares: bool): v128 {
  if (!squares) return v128.load(p);
  const c = f32x4.sub(v128.load(p), m);
  v128.store(to, c);
  return f32x4.mul(c, c);
}

/**
 * The sums of rows [first, last) of 4 adjacent column vectors `at` bytes into each row,
 * into s + at: even and odd rows in separate float32 sums (two chains of additions in
 * flight), added at the end. `centredMinusX` is centred - x, so a row's centred vectors
 * lie that many bytes after its x vectors.
 */
@inline function sumFourColumns(
  x: usize, mean: usize, centredMinusX: usize, s: usize, first: i32, last: i32, rowBytes: usize, at: usize, squares: bool,
): void {
  const zero = f32x4.splat(0);
  const m0 = squares ? v128.load(mean + at) : zero, m1 = squares ? v128.load(mean + at, 16) : zero;
  const m2 = squares ? v128.load(mean + at, 32) : zero, m3 = squares ? v128.load(mean + at, 48) : zero;
  let e0 = zero, e1 = zero, e2 = zero, e3 = zero, o0 = zero, o1 = zero, o2 = zero, o3 = zero;
  let row = first;
  for (; row + 1 < last; row += 2) {
    const p = x + <usize>row * rowBytes + at, q = p + rowBytes;
    e0 = f32x4.add(e0, columnTerm(p, m0, p + centredMinusX, squares));
    e1 = f32x4.add(e1, columnTerm(p + 16, m1, p + 16 + centredMinusX, squares));
    e2 = f32x4.add(e2, columnTerm(p + 32, m2, p + 32 + centredMinusX, squares));
    e3 = f32x4.add(e3, columnTerm(p + 48, m3, p + 48 + centredMinusX, squares));
    o0 = f32x4.add(o0, columnTerm(q, m0, q + centredMinusX, squares));
    o1 = f32x4.add(o1, columnTerm(q + 16, m1, q + 16 + centredMinusX, squares));
    o2 = f32x4.add(o2, columnTerm(q + 32, m2, q + 32 + centredMinusX, squares));
    o3 = f32x4.add(o3, columnTerm(q + 48, m3, q + 48 + centredMinusX, squares));
  }
  if (row < last) {
    const p = x + <usize>row * rowBytes + at;
    e0 = f32x4.add(e0, columnTerm(p, m0, p + centredMinusX, squares));
    e1 = f32x4.add(e1, columnTerm(p + 16, m1, p + 16 + centredMinusX, squares));
    e2 = f32x4.add(e2, columnTerm(p + 32, m2, p + 32 + centredMinusX, squares));
    e3 = f32x4.add(e3, columnTerm(p + 48, m3, p + 48 + centredMinusX, squares));
  }
  v128.store(s + at, f32x4.add(e0, o0));
  v128.store(s + at, f32x4.add(e1, o1), 16);
  v128.store(s + at, f32x4.add(e2, o2), 32);
  v128.store(s + at, f32x4.add(e3, o3), 48);
}

/** sumFourColumns for one column vector (the last 1-3 vectors of a row whose length is not a multiple of 16 floats). */
@inline function sumOneColumn(
  x: usize, mean: usize, centredMinusX: usize, s: usize, first: i32, last: i32, rowBytes: usize, at: usize, squares: bool,
): void {
  const zero = f32x4.splat(0);
  const m = squares ? v128.load(mean + at) : zero;
  let e = zero, o = zero;
  let row = first;
  for (; row + 1 < last; row += 2) {
    const p = x + <usize>row * rowBytes + at, q = p + rowBytes;
    e = f32x4.add(e, columnTerm(p, m, p + centredMinusX, squares));
    o = f32x4.add(o, columnTerm(q, m, q + centredMinusX, squares));
  }
  if (row < last) {
    const p = x + <usize>row * rowBytes + at;
    e = f32x4.add(e, columnTerm(p, m, p + centredMinusX, squares));
  }
  v128.store(s + at, f32x4.add(e, o));
}

/** columnSums' blocks, with or without centring (a separate copy of the loops for each). */
@inline function columnSumBlocks(
  x: usize, mean: usize, centred: usize, sums: usize, blockBegin: i32, blockEnd: i32, blockRows: i32, rows: i32, period: i32, squares: bool,
): void {
  const rowBytes = <usize>period << 2;
  const whole = rowBytes & ~(<usize>63);
  const centredMinusX = centred - x;
  for (let b = blockBegin; b < blockEnd; b++) {
    const s = sums + <usize>b * rowBytes;
    const first = b * blockRows, last = min(rows, first + blockRows);
    for (let at: usize = 0; at < whole; at += 64) sumFourColumns(x, mean, centredMinusX, s, first, last, rowBytes, at, squares);
    for (let at = whole; at < rowBytes; at += 16) sumOneColumn(x, mean, centredMinusX, s, first, last, rowBytes, at, squares);
  }
}

/**
 * Column sums of x (rows of `period` floats) by fixed blocks of `blockRows` rows: sums[b]
 * (period floats) = the float32 sum of block b's rows (even and odd rows summed apart, then
 * added), for the blocks [blockBegin, blockEnd) (the last one may be short: `rows` rows in
 * all). The blocks depend on the shape only, so every thread count adds the same numbers
 * in the same order; the caller adds the blocks up. With `mean` (not 0), each row is first
 * centred, c = x - mean, c is written to `centred`, and the sums are of c * c (a batch's
 * variance, as tf.moments): the same sums as this kernel's plain ones over the squares.
 */
export function columnSums(
  x: usize, mean: usize, centred: usize, sums: usize,
  blockBegin: i32, blockEnd: i32, blockRows: i32, rows: i32, period: i32,
): void {
  if (mean == 0) columnSumBlocks(x, 0, x, sums, blockBegin, blockEnd, blockRows, rows, period, false);
  else columnSumBlocks(x, mean, centred, sums, blockBegin, blockEnd, blockRows, rows, period, true);
}
