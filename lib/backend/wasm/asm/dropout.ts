// AssemblyScript source (part of dist/asm/kernels.wasm): dropout masks from a counter-based
// hash, so element i's value depends only on (seed, i): every thread count, and the
// JavaScript reference in lib/backend/dropout-mask.ts, give the same mask.

/** murmur3's 32-bit finaliser on four lanes (a bijection that mixes every bit). */
@inline function mixLanes(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

/** The same finaliser on one value. */
@inline function mix(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >> 16);
}

/**
 * Elements [begin, end) of a float32 dropout mask at `out`: element i is 1 / keep (keep as
 * float32 bits) where the top 24 bits of mix(mix(i ^ seedA) + seedB) are at least
 * `threshold` (rate * 2^24), else 0.
 */
export function dropoutMask(out: usize, begin: i32, end: i32, seedA: i32, seedB: i32, threshold: i32, keepBits: i32): void {
  const scale: f32 = <f32>1 / reinterpret<f32>(keepBits);
  const kept = f32x4.splat(scale);
  const limit = i32x4.splat(threshold);
  const a = i32x4.splat(seedA), b = i32x4.splat(seedB);
  let i = begin;
  for (; i + 4 <= end; i += 4) {
    const index = i32x4(i, i + 1, i + 2, i + 3);
    const h = mixLanes(i32x4.add(mixLanes(v128.xor(index, a)), b));
    // Top 24 bits as a signed lane are non-negative, so a signed compare is the unsigned one.
    const keep = i32x4.ge_s(i32x4.shr_u(h, 8), limit);
    v128.store(out + (<usize>i << 2), v128.and(keep, kept));
  }
  for (; i < end; i++) {
    const h = mix(mix(<u32>i ^ <u32>seedA) + <u32>seedB);
    store<f32>(out + (<usize>i << 2), (h >> 8) >= <u32>threshold ? scale : 0);
  }
}
