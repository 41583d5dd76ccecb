/**
 * The register of data files the library has read, with their SHA-256, so a
 * run can record exactly which bytes it trained on.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/** One data file the library loaded: absolute path, size and content hash. */
export interface DataFileRecord {
  /** Absolute path of the file. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

const recorded = new Map<string, DataFileRecord>();
// Loaders that cache a file's bytes pass the same array again; hash it once.
const hashCache = new WeakMap<Uint8Array, string>();

/** Lower-case hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Records that a data file was loaded, so `environmentInfo().dataFiles` lists
 * it with its hash. Every loader must call it. Pass the bytes already read to
 * avoid reading the file twice; without them the file is read here.
 *
 * @param path the file's path (made absolute against the current directory).
 * @param bytes the file's raw bytes as read from disk (before any decompression).
 * @returns the record stored.
 */
export function recordDataFile(path: string, bytes?: Uint8Array): DataFileRecord {
  const absolutePath = resolve(path);
  const content = bytes ?? readFileSync(absolutePath);
  let sha256 = hashCache.get(content);
  if (sha256 === undefined) {
    sha256 = sha256Hex(content);
    hashCache.set(content, sha256);
  }
  const record: DataFileRecord = { path: absolutePath, bytes: content.byteLength, sha256 };
  recorded.set(absolutePath, record);
  return record;
}

/** Every data file recorded so far, sorted by path. */
export function recordedDataFiles(): DataFileRecord[] {
  return [...recorded.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** Forgets every recorded data file (for a fresh run in the same process). */
export function clearRecordedDataFiles(): void {
  recorded.clear();
}
