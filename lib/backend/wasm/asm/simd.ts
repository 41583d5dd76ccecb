// AssemblyScript source (part of dist/asm/kernels.wasm): SIMD helpers shared by the kernels.

/** acc + a * b, lane by lane (wasm SIMD has no fused multiply-add: two roundings). */
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * Two rows of 16 floats, a0[0..16) and a1[0..16): their values (or zeros when `fromZero`)
 * plus the sums over `count` steps of x[0] * d[0..16) and x[xPair] * d[0..16) (byte
 * offsets), where x advances `xStep` bytes and d `dStep` bytes per step. The inner loop of
 * the convolution kernels (two scalars by 16 channels, summed over pixels, tiles or input
 * channels), kept in 8 registers.
 */
@inline export function sumTwoBySixteen(
  a0: usize, a1: usize, x: usize, xPair: usize, xStep: usize, d: usize, dStep: usize, count: i32, fromZero: bool,
): void {
  const zero = f32x4.splat(0);
  let s00 = fromZero ? zero : v128.load(a0), s01 = fromZero ? zero : v128.load(a0, 16);
  let s02 = fromZero ? zero : v128.load(a0, 32), s03 = fromZero ? zero : v128.load(a0, 48);
  let s10 = fromZero ? zero : v128.load(a1), s11 = fromZero ? zero : v128.load(a1, 16);
  let s12 = fromZero ? zero : v128.load(a1, 32), s13 = fromZero ? zero : v128.load(a1, 48);
  for (let i = 0; i < count; i++) {
    const x0 = f32x4.splat(load<f32>(x)), x1 = f32x4.splat(load<f32>(x + xPair));
    const d0 = v128.load(d), d1 = v128.load(d, 16), d2 = v128.load(d, 32), d3 = v128.load(d, 48);
    s00 = madd(s00, x0, d0);
    s01 = madd(s01, x0, d1);
    s02 = madd(s02, x0, d2);
    s03 = madd(s03, x0, d3);
    s10 = madd(s10, x1, d0);
    s11 = madd(s11, x1, d1);
    s12 = madd(s12, x1, d2);
    s13 = madd(s13, x1, d3);
    x += xStep;
    d += dStep;
  }
  v128.store(a0, s00); v128.store(a0, s01, 16); v128.store(a0, s02, 32); v128.store(a0, s03, 48);
  v128.store(a1, s10); v128.store(a1, s11, 16); v128.store(a1, s12, 32); v128.store(a1, s13, 48);
}
