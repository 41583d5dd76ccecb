/**
 * Reproducibility: `seed(n)` for deterministic runs, a seeded PRNG for other
 * modules, and `environmentInfo()` with the data files the library loaded.
 */
export { seed, currentSeed, unseed, nextSeed, attachRealm, type RandomRealm } from "./seed.js";
export {
  createRandom,
  deriveSeed,
  randomInt,
  randomNormal,
  randomPermutation,
  type RandomSource,
} from "./random.js";
export { recordDataFile, recordedDataFiles, clearRecordedDataFiles, sha256Hex, type DataFileRecord } from "./datafiles.js";
export { environmentInfo, type EnvironmentInfo, type LockfileRecord } from "./environment.js";
export { record, RECORD_MIME, type RecordedValue, type RecordPayload } from "./record.js";
