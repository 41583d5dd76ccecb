/**
 * Seeded pseudo-random numbers for the library: sfc32 (Chris Doty-Humphrey's
 * Small Fast Counter, as in PractRand) seeded through splitmix32, so nearby
 * seeds (1, 2, 3 ...) still give unrelated streams.
 */

/** A function returning uniformly distributed numbers in [0, 1), like `Math.random`. */
export type RandomSource = () => number;

const TWO_POW_32 = 4294967296;

/** Throws unless `value` is a safe integer: seeds are integers so they print and round-trip exactly. */
export function assertSeed(value: unknown, where: string): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new TypeError(`${where}: the seed must be an integer (for example 42), got ${String(value)}`);
  }
}

/** splitmix32 step: turns any 32-bit state into a well-mixed 32-bit output. */
function splitmix32(state: number): number {
  let z = (state + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a hash of a short label, used to derive independent named streams from one seed. */
function hashLabel(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Derives a 32-bit seed for the named sub-stream `label` of `seed`
 * (e.g. `deriveSeed(42, "math")`), so one user seed can feed several
 * independent generators without them sharing numbers.
 */
export function deriveSeed(seed: number, label = ""): number {
  assertSeed(seed, "deriveSeed");
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  return splitmix32(splitmix32(low) ^ splitmix32(high ^ 0x5bd1e995) ^ hashLabel(label));
}

/**
 * Creates a seeded generator of numbers in [0, 1) (sfc32). The same seed
 * always gives the same sequence, on every platform.
 *
 * @example
 * const random = createRandom(42);
 * random(); // 0.0 <= x < 1.0, the same on every run
 */
export function createRandom(seed: number): RandomSource {
  assertSeed(seed, "createRandom");
  let a = deriveSeed(seed, "sfc32:a");
  let b = deriveSeed(seed, "sfc32:b");
  let c = deriveSeed(seed, "sfc32:c");
  let counter = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + counter) | 0;
    counter = (counter + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / TWO_POW_32;
  };
  // Warm up, as the sfc32 reference does, so the first outputs are already mixed.
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniformly distributed integer in [0, n) from `random`. */
export function randomInt(random: RandomSource, n: number): number {
  return Math.floor(random() * n);
}

/**
 * A standard-normal sample (mean 0, std 1) from `random`, by the Box-Muller
 * transform.
 */
export function randomNormal(random: RandomSource): number {
  let u = random();
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A random permutation of 0..n-1 (Fisher-Yates) drawn from `random`. */
export function randomPermutation(n: number, random: RandomSource): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}
