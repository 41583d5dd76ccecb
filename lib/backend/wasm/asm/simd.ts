// AssemblyScript source (part of dist/asm/kernels.wasm): SIMD helpers shared by the kernels.

/** acc + a * b, lane by lane (wasm SIMD has no fused multiply-add: two roundings). */
@inline export function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}
