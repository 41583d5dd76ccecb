// AssemblyScript source (part of dist/asm/kernels.wasm): row gathers and scatter-sums of
// 4-byte elements (float32, int32), the message passing of graph networks (gather the
// source nodes' rows onto the edges, sum the edges' rows into their target nodes).
// Raw byte offsets into the memory the caller imports; indices are int32, checked by the
// caller (the kernels trust them).

/** Copies `floats` 4-byte elements from `from` to `to`, 16 bytes at a time where it can. */
@inline function copyFloats(to: usize, from: usize, floats: i32): void {
  let i = 0;
  for (; i + 4 <= floats; i += 4) v128.store(to + (<usize>i << 2), v128.load(from + (<usize>i << 2)));
  for (; i < floats; i++) store<i32>(to + (<usize>i << 2), load<i32>(from + (<usize>i << 2)));
}

/**
 * Rows [begin, end) of out [outer, count, inner] = x [outer, dim, inner] at rows
 * indices[0..count) of the middle axis (tf.gather on one axis): out row r is
 * x[r / count][indices[r % count]].
 */
export function gatherRows(x: usize, indices: usize, out: usize, begin: i32, end: i32, count: i32, dim: i32, inner: i32): void {
  const rowBytes = <usize>inner << 2;
  for (let r = begin; r < end; r++) {
    const outerIndex = r / count;
    const row = load<i32>(indices + (<usize>(r - outerIndex * count) << 2));
    copyFloats(out + <usize>r * rowBytes, x + (<usize>outerIndex * <usize>dim + <usize>row) * rowBytes, inner);
  }
}

/**
 * Columns [16 * unitBegin, min(16 * unitEnd, columns)) of out [rows, columns]: zeros, plus
 * updates[e] (a row of `columns` floats) for every e in [0, count) with indices[e] = the row,
 * added in e's order (tf.scatterND with one index per update; float32). Splitting the columns
 * between threads keeps every element's additions in the same order, so every thread count
 * gives the same bits; units of 16 floats keep two threads off one cache line.
 */
export function scatterAddRows(indices: usize, updates: usize, out: usize, unitBegin: i32, unitEnd: i32, rows: i32, columns: i32, count: i32): void {
  const first = unitBegin * 16;
  const last = min(unitEnd * 16, columns);
  const rowBytes = <usize>columns << 2;
  const zero = f32x4.splat(0);
  // Whole vectors while the row keeps them 16-byte aligned; the rest one float at a time.
  const vectorEnd = columns % 4 == 0 ? last : first;
  for (let r = 0; r < rows; r++) {
    const row = out + <usize>r * rowBytes;
    for (let c = first; c < vectorEnd; c += 4) v128.store(row + (<usize>c << 2), zero);
    for (let c = vectorEnd; c < last; c++) store<f32>(row + (<usize>c << 2), 0);
  }
  for (let e = 0; e < count; e++) {
    const to = out + <usize>load<i32>(indices + (<usize>e << 2)) * rowBytes;
    const from = updates + <usize>e * rowBytes;
    for (let c = first; c < vectorEnd; c += 4) {
      const at = <usize>c << 2;
      v128.store(to + at, f32x4.add(v128.load(to + at), v128.load(from + at)));
    }
    for (let c = vectorEnd; c < last; c++) {
      const at = <usize>c << 2;
      store<f32>(to + at, load<f32>(to + at) + load<f32>(from + at));
    }
  }
}
