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
