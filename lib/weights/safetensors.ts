/**
 * The safetensors format (Hugging Face's weight files), read and written here
 * because it is small: an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`,
 * then the tensors' raw little-endian bytes, offsets relative to the end of the
 * header. Every check a truncated or hand-edited file can fail is made before
 * any tensor is used, so a bad file never loads partially.
 */

/** Element types a safetensors file can hold. */
export type SafetensorsDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

/** Largest JSON header accepted (the reference implementation's limit). */
const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a file: its type, shape and raw little-endian bytes (a view into the file). */
export interface StoredTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Uint8Array;
}

/** A parsed file: tensors by name (in file order) and the free-form string metadata. */
export interface SafetensorsFile {
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string>;
}

/** A tensor to write: float32 data, or any typed array with its dtype named. */
export interface TensorToWrite {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | Int16Array | Int8Array | Uint8Array | BigInt64Array | Uint16Array;
  /** Defaults from the array type (Float32Array: F32 ...); give "F16"/"BF16" with a Uint16Array of raw halves. */
  dtype?: SafetensorsDtype;
}

/** A file that is not valid safetensors: the message is one line naming what is wrong. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SafetensorsError";
  }
}

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === "string" && Object.hasOwn(DTYPE_BYTES, value);
}

/** Bytes per element of a dtype. */
export function dtypeBytes(dtype: SafetensorsDtype): number {
  return DTYPE_BYTES[dtype];
}

/**
 * Parses and checks the header only: the tensors' names, types, shapes and
 * byte ranges, and where the data starts. `expectedSize` (the whole file's
 * byte length, when known) lets a download be checked from its first bytes.
 * Throws SafetensorsError with `source` (a path or URL) in the message.
 */
export function readSafetensorsHeader(
  head: Uint8Array,
  source = "safetensors file",
  expectedSize?: number,
): { entries: Map<string, { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }>; metadata: Record<string, string>; dataStart: number; dataBytes: number } {
  if (head.byteLength < 8) throw new SafetensorsError(`${source}: not a safetensors file (${head.byteLength} bytes, shorter than the 8-byte header length).`);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) throw new SafetensorsError(`${source}: not a safetensors file (header length ${headerLength} is out of range).`);
  if (head.byteLength < 8 + headerLength) throw new SafetensorsError(`${source}: truncated inside its header (${head.byteLength} bytes, the header needs ${8 + headerLength}).`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SafetensorsError(`${source}: not a safetensors file (its header is not JSON: ${(error as Error).message}).`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw new SafetensorsError(`${source}: not a safetensors file (its header is not a JSON object).`);
  const entries = new Map<string, { dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (value === null || typeof value !== "object" || Object.values(value).some((v) => typeof v !== "string")) {
        throw new SafetensorsError(`${source}: bad header: __metadata__ must map names to strings.`);
      }
      metadata = { ...(value as Record<string, string>) };
      continue;
    }
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const bad = (why: string) => new SafetensorsError(`${source}: bad header entry "${name}": ${why}.`);
    if (entry === null || typeof entry !== "object") throw bad("not an object");
    if (!isDtype(entry.dtype)) throw bad(`unknown dtype ${JSON.stringify(entry.dtype)}`);
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`shape ${JSON.stringify(shape)} is not a list of sizes`);
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
      throw bad(`data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
    }
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const bytes = elements * DTYPE_BYTES[entry.dtype];
    if (offsets[1] - offsets[0] !== bytes) throw bad(`shape [${shape.join(", ")}] of ${entry.dtype} needs ${bytes} bytes, data_offsets give ${offsets[1] - offsets[0]}`);
    entries.set(name, { dtype: entry.dtype, shape: [...(shape as number[])], begin: offsets[0], end: offsets[1] });
  }
  // The reference implementation requires the ranges to tile the data with no gap or overlap.
  const ranges = [...entries.entries()].sort((a, b) => a[1].begin - b[1].begin || a[1].end - b[1].end);
  let cursor = 0;
  for (const [name, { begin, end }] of ranges) {
    if (begin !== cursor) throw new SafetensorsError(`${source}: bad header entry "${name}": its data starts at byte ${begin}, expected ${cursor} (gap or overlap).`);
    cursor = end;
  }
  const dataStart = 8 + headerLength;
  if (expectedSize !== undefined && expectedSize !== dataStart + cursor) {
    const why = expectedSize < dataStart + cursor ? "truncated" : "has trailing bytes";
    throw new SafetensorsError(`${source}: ${why}: ${expectedSize} bytes, the header describes ${dataStart + cursor}.`);
  }
  return { entries, metadata, dataStart, dataBytes: cursor };
}

/**
 * Parses a whole safetensors file. The tensors' `data` are views into `bytes`
 * (no copy). Throws SafetensorsError for a truncated file, a bad header, or
 * byte ranges that do not match the shapes.
 * @example const { tensors } = readSafetensors(readFileSync("model.safetensors"));
 */
export function readSafetensors(bytes: Uint8Array, source = "safetensors file"): SafetensorsFile {
  const { entries, metadata, dataStart } = readSafetensorsHeader(bytes, source, bytes.byteLength);
  const tensors = new Map<string, StoredTensor>();
  for (const [name, { dtype, shape, begin, end }] of entries) {
    tensors.set(name, { dtype, shape, data: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  return { tensors, metadata };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * A stored tensor's values as float32 (F16, BF16, F64 and integer types are
 * converted; I64 through Number). Always a fresh, aligned array.
 */
export function toFloat32(tensor: StoredTensor): Float32Array {
  const { dtype, data } = tensor;
  const copy = new Uint8Array(data); // an aligned copy (a Buffer's slice() would be a view at any offset)
  const count = data.byteLength / DTYPE_BYTES[dtype];
  switch (dtype) {
    case "F32": return new Float32Array(copy.buffer, 0, count);
    case "F64": return Float32Array.from(new Float64Array(copy.buffer, 0, count));
    case "F16": return Float32Array.from(new Uint16Array(copy.buffer, 0, count), halfToFloat);
    case "BF16": {
      const halves = new Uint16Array(copy.buffer, 0, count);
      const words = new Uint32Array(count);
      for (let i = 0; i < count; i++) words[i] = halves[i] << 16;
      return new Float32Array(words.buffer);
    }
    case "I64": return Float32Array.from(new BigInt64Array(copy.buffer, 0, count), (v) => Number(v));
    case "I32": return Float32Array.from(new Int32Array(copy.buffer, 0, count));
    case "I16": return Float32Array.from(new Int16Array(copy.buffer, 0, count));
    case "I8": return Float32Array.from(new Int8Array(copy.buffer, 0, count));
    case "U8":
    case "BOOL": return Float32Array.from(copy);
  }
}

function dtypeOf(data: TensorToWrite["data"]): SafetensorsDtype {
  if (data instanceof Float32Array) return "F32";
  if (data instanceof Float64Array) return "F64";
  if (data instanceof Int32Array) return "I32";
  if (data instanceof Int16Array) return "I16";
  if (data instanceof Int8Array) return "I8";
  if (data instanceof Uint8Array) return "U8";
  if (data instanceof BigInt64Array) return "I64";
  throw new SafetensorsError("writeSafetensors: a Uint16Array needs its dtype named (F16 or BF16).");
}

/**
 * Serialises tensors to safetensors bytes: names sorted (as the Python
 * package writes them), data 8-byte aligned after the header, optional
 * string metadata. Throws when a shape does not match its data's length.
 * @example writeFileSync("out.safetensors", writeSafetensors({ "fc.weight": { shape: [10, 64], data } }));
 */
export function writeSafetensors(tensors: Record<string, TensorToWrite>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name];
    const dtype = tensors[name].dtype ?? dtypeOf(data);
    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements * DTYPE_BYTES[dtype] !== data.byteLength) {
      throw new SafetensorsError(`writeSafetensors: "${name}" has shape [${shape.join(", ")}] (${elements} values) but ${data.byteLength / DTYPE_BYTES[dtype]} values of ${dtype}.`);
    }
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.byteLength;
  for (const name of names) {
    const { data } = tensors[name];
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), cursor);
    cursor += data.byteLength;
  }
  return out;
}
