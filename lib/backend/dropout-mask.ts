/**
 * Dropout masks from a counter-based hash instead of tf.randomUniform.
 *
 * tf.dropout draws one seedrandom number per element in JavaScript: a GCN
 * epoch's input dropout ([2708, 1433], 3.9 M elements) spent about 43 ms of
 * its 80 ms there on wasm (a CPU profile of bench/gnn-style training). Here
 * element i of the mask is 1 / keep where the top 24 bits of
 * mix(mix(i ^ seedA) + seedB) (murmur3's 32-bit finaliser) reach rate * 2^24,
 * else 0: the wasm backend fills it with tensorcell's SIMD kernel on every
 * thread (DROPOUT_MASK), any other backend with the same formula in
 * JavaScript, so a seed gives the same mask on every backend and thread count.
 *
 * The seeds come from the library's random stream (lib/repro/seed.ts
 * `nextSeed`): a seeded run draws the same masks every time.
 */
import * as tf from "@tensorflow/tfjs";
import { nextSeed } from "../repro/seed.js";

/** Name of tensorcell's dropout-mask kernel (registered on wasm). */
export const DROPOUT_MASK = "TensorcellDropoutMask";

/** Attributes of DROPOUT_MASK: the mask's shape and the values {@link dropoutMaskValues} takes. */
export interface DropoutMaskAttrs {
  shape: number[];
  seedA: number;
  seedB: number;
  /** round(rate * 2^24): elements whose hash's top 24 bits are below it are dropped. */
  threshold: number;
  /** 1 - rate, as float32. */
  keep: number;
}

/** murmur3's 32-bit finaliser. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The mask's values (see the file comment) for `size` elements, in JavaScript. */
export function dropoutMaskValues(size: number, attrs: Omit<DropoutMaskAttrs, "shape">): Float32Array {
  const out = new Float32Array(size);
  // float32 division 1 / keep, as the wasm kernel and tf.dropout's div compute it.
  const scale = Math.fround(1 / attrs.keep);
  for (let i = 0; i < size; i++) {
    const h = mix((mix((i ^ attrs.seedA) >>> 0) + attrs.seedB) >>> 0);
    out[i] = h >>> 8 >= attrs.threshold ? scale : 0;
  }
  return out;
}

/**
 * The attributes of one mask of `shape` for `rate` in [0, 1): seeds from `seed` when
 * given (the same mask on every call, as tf.dropout's seed), else from the library's
 * random stream.
 */
export function dropoutMaskAttrs(shape: number[], rate: number, seed?: number): DropoutMaskAttrs {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}.`);
  const seedA = seed === undefined ? nextSeed() : mix(seed >>> 0);
  const seedB = seed === undefined ? nextSeed() : mix(seedA ^ 0x9e3779b9);
  return { shape, seedA, seedB, threshold: Math.round(rate * 16777216), keep: Math.fround(1 - rate) };
}

/** A float32 mask of `shape`: 1 / (1 - rate) for kept elements, 0 for dropped ones (see the file comment). */
export function dropoutMask(shape: number[], rate: number, seed?: number): tf.Tensor {
  const attrs = dropoutMaskAttrs(shape, rate, seed);
  if (tf.getKernel(DROPOUT_MASK, tf.getBackend())) {
    return tf.engine().runKernel(DROPOUT_MASK, {}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tensor(dropoutMaskValues(tf.util.sizeFromShape(shape), attrs), shape, "float32");
}

/**
 * tf.dropout with a hashed mask (see the file comment): x times the mask of
 * `noiseShape` (x's shape by default; a 1 broadcasts), or x itself at rate 0.
 */
export function fastDropout(x: tf.Tensor, rate: number, noiseShape?: number[], seed?: number): tf.Tensor {
  if (x.dtype !== "float32") throw new Error(`dropout needs a float32 tensor, got ${x.dtype}.`);
  if (rate === 0) return x.clone();
  return tf.tidy(() => tf.mul(x, dropoutMask(noiseShape ?? x.shape, rate, seed)));
}
