// AssemblyScript source (part of dist/asm/kernels.wasm; excluded from the TypeScript project).

/** Below this many words, vector loops beat memory.fill / memory.copy (a call each: ResNet's channel pads copy rows of 16-32 floats). */
const BULK_WORDS = 64;

/** `count` 32-bit words of `valueBits` from byte offset `at`. */
@inline function fillWords(at: usize, count: i32, valueBits: i32): void {
  if (valueBits == 0 && count >= BULK_WORDS) {
    memory.fill(at, 0, <usize>count << 2);
    return;
  }
  const value = i32x4.splat(valueBits);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(at + (<usize>i << 2), value);
  for (; i < count; i++) store<i32>(at + (<usize>i << 2), valueBits);
}

/** `count` 32-bit words from byte offset `from` to `to` (the ranges do not overlap). */
@inline function copyWords(to: usize, from: usize, count: i32): void {
  if (count >= BULK_WORDS) {
    memory.copy(to, from, <usize>count << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(to + (<usize>i << 2), v128.load(from + (<usize>i << 2)));
  for (; i < count; i++) store<i32>(to + (<usize>i << 2), load<i32>(from + (<usize>i << 2)));
}

/**
 * Rows [rowBegin, rowEnd) of out [o0][o1][o2][o3], the 32-bit values x [d0][d1][d2][d3]
 * padded with `valueBits` (a float32's or int32's bits): b0..b3 before each axis and the
 * rest of the output's size after it. A row is the last axis: the padding before it, x's
 * row copied whole, the padding after it; rows outside x are padding throughout. Byte
 * offsets into the memory the caller imports.
 */
export function padRows(
  x: usize, out: usize, rowBegin: i32, rowEnd: i32, d0: i32, d1: i32, d2: i32, d3: i32,
  b0: i32, b1: i32, b2: i32, b3: i32, o1: i32, o2: i32, o3: i32, valueBits: i32,
): void {
  const after = o3 - b3 - d3;
  // The row's index over the first three axes, advanced row by row (no division per row).
  let i2 = rowBegin % o2;
  let i1 = (rowBegin / o2) % o1;
  let i0 = rowBegin / o2 / o1;
  for (let r = rowBegin; r < rowEnd; r++) {
    const at = out + (<usize>r * <usize>o3 << 2);
    const j0 = i0 - b0, j1 = i1 - b1, j2 = i2 - b2;
    if (<u32>j0 < <u32>d0 && <u32>j1 < <u32>d1 && <u32>j2 < <u32>d2) {
      fillWords(at, b3, valueBits);
      copyWords(at + (<usize>b3 << 2), x + (<usize>((j0 * d1 + j1) * d2 + j2) * <usize>d3 << 2), d3);
      fillWords(at + (<usize>(b3 + d3) << 2), after, valueBits);
    } else {
      fillWords(at, o3, valueBits);
    }
    if (++i2 == o2) {
      i2 = 0;
      if (++i1 == o1) {
        i1 = 0;
        i0++;
      }
    }
  }
}
