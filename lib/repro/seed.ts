/**
 * `seed(n)`: one call makes a run repeatable.
 *
 * tfjs has no global seed. Checked in tfjs-core 4.22's source: randomUniform,
 * randomNormal, truncatedNormal, randomGamma, randomStandardNormal,
 * randomUniformInt and dropout (through randomUniform) build a seedrandom
 * generator from `Math.random()` when given no seed; multinomial does
 * `seed || Math.random()`; tf.util.shuffle / shuffleCombo / randUniform call
 * Math.random directly; tfjs-layers' initializers, Dropout, GaussianNoise and
 * model.fit's shuffling go through those. So seeding Math.random covers them.
 * The one path that does not is tfjs-data's `Dataset.shuffle`, which seeds
 * from the clock (`util.now()`); it is patched below to take its seed from
 * this module while a seed is set.
 */
import * as tf from "@tensorflow/tfjs";
import { assertSeed, createRandom, deriveSeed, type RandomSource } from "./random.js";

/** The parts of a JavaScript global object that seeding touches. */
export interface RandomRealm {
  Math: Math;
}

const originalRandom = new Map<Math, () => number>();
const realms: RandomRealm[] = [globalThis];
let activeSeed: number | undefined;
let libraryRandom: RandomSource | undefined;
let datasetShufflePatched = false;

function installSeededRandom(realm: RandomRealm, index: number, seedValue: number): void {
  if (!originalRandom.has(realm.Math)) originalRandom.set(realm.Math, realm.Math.random);
  // Realm 0 (this one) uses stream "math"; realms attached later get their own streams.
  realm.Math.random = createRandom(deriveSeed(seedValue, index === 0 ? "math" : `math:${index}`));
}

function restoreRandom(realm: RandomRealm): void {
  const original = originalRandom.get(realm.Math);
  if (original !== undefined) realm.Math.random = original;
}

/**
 * tfjs-data's Dataset.shuffle falls back to the clock, not Math.random, when
 * given no seed; give it one from the seeded library stream instead.
 */
function patchDatasetShuffle(): void {
  if (datasetShufflePatched) return;
  const prototype = tf.data.Dataset.prototype;
  const originalShuffle = prototype.shuffle;
  prototype.shuffle = function shuffleWithLibrarySeed(
    this: tf.data.Dataset<tf.TensorContainer>,
    bufferSize: number,
    seedString?: string,
    reshuffleEachIteration?: boolean,
  ) {
    const effectiveSeed = seedString ?? (activeSeed === undefined ? undefined : String(nextSeed()));
    return originalShuffle.call(this, bufferSize, effectiveSeed, reshuffleEachIteration);
  };
  datasetShufflePatched = true;
}

/**
 * Makes the rest of the run deterministic: replaces `Math.random` (in this
 * realm and in every realm passed to {@link attachRealm}) with a seeded
 * generator, which every unseeded tfjs random op, initializer, dropout and
 * shuffle draws from; gives tf.data's shuffle a seed; and makes the data
 * helpers (`data.batches`, `data.shuffle`, `data.shapes` ...) default to seeds
 * drawn from it. Call it again with the same number to replay the same
 * random sequence from that point.
 *
 * @param n an integer seed, e.g. `seed(42)`.
 */
export function seed(n: number): void {
  assertSeed(n, "seed");
  activeSeed = n;
  libraryRandom = createRandom(deriveSeed(n, "library"));
  realms.forEach((realm, index) => installSeededRandom(realm, index, n));
  patchDatasetShuffle();
}

/** The seed last passed to {@link seed}, or `undefined` when the run is not seeded. */
export function currentSeed(): number | undefined {
  return activeSeed;
}

/**
 * Undoes {@link seed}: restores the original `Math.random` in every realm and
 * lets the data helpers draw unseeded again.
 */
export function unseed(): void {
  activeSeed = undefined;
  libraryRandom = undefined;
  realms.forEach(restoreRandom);
}

/**
 * A 32-bit integer seed for a library helper whose caller gave none: from the
 * stream that {@link seed} set up (so the helper is repeatable), or from the
 * original `Math.random` when the run is not seeded.
 */
export function nextSeed(): number {
  const source = libraryRandom ?? originalRandom.get(Math) ?? Math.random;
  return Math.floor(source() * 4294967296) >>> 0;
}

/**
 * Registers another JavaScript realm (for example a `vm` context that runs
 * notebook cells) whose `Math.random` {@link seed} must also replace. If a
 * seed is already set, the realm is seeded at once. Attaching the same realm
 * (or one sharing this realm's `Math`) twice has no further effect.
 */
export function attachRealm(realm: RandomRealm): void {
  if (realms.some((known) => known.Math === realm.Math)) return;
  realms.push(realm);
  if (activeSeed !== undefined) installSeededRandom(realm, realms.length - 1, activeSeed);
}
