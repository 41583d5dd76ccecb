/**
 * Binary buffers in widget state (widget protocol 2): binary values anywhere in
 * a state travel as separate message buffers, named by `buffer_paths`; a path
 * ending in a list index leaves `null` in the list, one ending in a key removes
 * the key.
 */

/** Where a buffer sits in a state: keys and list indices from the top. */
export type BufferPath = (string | number)[];

/** True for the binary values a state may hold (ArrayBuffer, typed arrays, DataView). */
export function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function toBytes(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Splits the binary values out of `state`: a copy without them, their paths and
 * their bytes (in the same order). `state` itself is left as it is.
 */
export function removeBuffers(state: Record<string, unknown>): { state: Record<string, unknown>; bufferPaths: BufferPath[]; buffers: Uint8Array[] } {
  const bufferPaths: BufferPath[] = [];
  const buffers: Uint8Array[] = [];
  const walk = (value: unknown, path: BufferPath): unknown => {
    if (Array.isArray(value)) {
      return value.map((item, i) => {
        if (!isBinary(item)) return walk(item, [...path, i]);
        bufferPaths.push([...path, i]);
        buffers.push(toBytes(item));
        return null;
      });
    }
    if (typeof value === "object" && value !== null && !isBinary(value) && Object.getPrototypeOf(value) === Object.prototype) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (isBinary(item)) {
          bufferPaths.push([...path, key]);
          buffers.push(toBytes(item));
        } else copy[key] = walk(item, [...path, key]);
      }
      return copy;
    }
    return value;
  };
  return { state: walk(state, []) as Record<string, unknown>, bufferPaths, buffers };
}

/**
 * Puts received buffers back into `state` (in place) at their paths, as
 * Uint8Array. Throws a one-line error for a path that does not fit the state
 * or a count mismatch.
 */
export function putBuffers(state: Record<string, unknown>, bufferPaths: unknown, buffers: ArrayBuffer[]): void {
  const paths = bufferPaths ?? [];
  if (!Array.isArray(paths)) throw new Error(`buffer_paths must be a list of paths, got ${typeof paths}`);
  if (paths.length !== buffers.length) throw new Error(`buffer_paths names ${paths.length} buffers but the message has ${buffers.length}`);
  paths.forEach((path: unknown, i) => {
    if (!Array.isArray(path) || path.length === 0) throw new Error(`buffer path ${JSON.stringify(path)} is not a non-empty list of keys`);
    let target: unknown = state;
    for (const key of path.slice(0, -1)) {
      target = (target as Record<string | number, unknown> | undefined)?.[key];
      if (typeof target !== "object" || target === null) throw new Error(`buffer path ${JSON.stringify(path)} does not lead into the state`);
    }
    (target as Record<string | number, unknown>)[path.at(-1)] = new Uint8Array(buffers[i]!);
  });
}
