/**
 * The idx file format of MNIST (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"):
 * two zero bytes, a type byte, a dimension count, then one big-endian uint32
 * per dimension and the values in row-major order. Only unsigned bytes (type
 * 0x08) are used by MNIST-style datasets, so only that type is read.
 */
import { gunzipSync } from "node:zlib";
import { DataFileError, readDataFile } from "./errors.js";

/** The contents of an idx file of unsigned bytes. */
export interface IdxArray {
  /** Dimensions, e.g. [60000, 28, 28] for MNIST training images. */
  shape: number[];
  /** The values in row-major order (a view into the file's bytes). */
  values: Uint8Array;
  /** The file's raw bytes as read (before gunzip), for re-recording its hash. */
  fileBytes: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/**
 * Reads an idx file (gzipped or not) of unsigned bytes, and records it for
 * `environmentInfo().dataFiles`. Throws a {@link DataFileError} naming the file
 * when it is missing, truncated or not idx.
 */
export function readIdx(path: string, loader = "readIdx"): IdxArray {
  const raw = readDataFile(loader, path);
  let bytes = raw;
  if (raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (error) {
      throw new DataFileError(loader, path, `looks gzipped but does not decompress (${(error as Error).message})`);
    }
  }
  return { ...parseIdx(bytes, path, loader), fileBytes: raw };
}

/** Parses idx bytes already in memory; `path` is only used in error messages. */
export function parseIdx(bytes: Uint8Array, path: string, loader = "parseIdx"): Omit<IdxArray, "fileBytes"> {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFileError(loader, path, "is not an idx file (its first two bytes must be zero)");
  }
  const type = bytes[2];
  const rank = bytes[3]!;
  if (type !== UNSIGNED_BYTE) {
    throw new DataFileError(loader, path, `holds idx type 0x${type?.toString(16)}; only unsigned bytes (0x08) are supported`);
  }
  const headerLength = 4 + 4 * rank;
  if (rank === 0 || bytes.length < headerLength) {
    throw new DataFileError(loader, path, `has a truncated idx header (${bytes.length} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerLength + count) {
    throw new DataFileError(
      loader,
      path,
      `is truncated or padded: shape [${shape.join(", ")}] needs ${headerLength + count} bytes, the file has ${bytes.length}`,
    );
  }
  return { shape, values: bytes.subarray(headerLength) };
}
