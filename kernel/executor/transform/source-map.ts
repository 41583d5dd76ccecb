import { TraceMap, originalPositionFor, type SourceMapInput } from "@jridgewell/trace-mapping";

/** One decoded mapping segment: [generatedColumn, sourceIndex, sourceLine, sourceColumn] (all 0-based). */
export type MappingSegment = [number, number, number, number];

/** A v3 source map (https://sourcemaps.info/spec.html) with encoded `mappings`. */
export interface SourceMapV3 {
  version: 3;
  file: string;
  sources: string[];
  sourcesContent: string[];
  names: string[];
  mappings: string;
}

/** A position in a source: 1-based line, 0-based column (the source-map convention). */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * Composes two maps: `outer` maps final code -> intermediate code (magic-string's decoded
 * mappings), `inner` maps intermediate code -> the cell (esbuild's map). Each outer segment
 * is traced through `inner` (undefined: the intermediate code is the cell itself); segments that land nowhere (code the rewrite inserted) are dropped,
 * and runs of segments that land on the same source position are kept once.
 */
export function composeMappings(outer: readonly (readonly number[])[][], inner: TraceMap | undefined): MappingSegment[][] {
  return outer.map((line) => {
    const composed: MappingSegment[] = [];
    for (const segment of line) {
      if (segment.length < 4) continue;
      const [generatedColumn, , intermediateLine, intermediateColumn] = segment as [number, number, number, number];
      const original = inner
        ? originalPositionFor(inner, { line: intermediateLine + 1, column: intermediateColumn })
        : { line: intermediateLine + 1, column: intermediateColumn };
      if (original.line === null || original.column === null) continue;
      const previous = composed[composed.length - 1];
      if (previous && previous[2] === original.line - 1 && previous[3] === original.column) continue;
      composed.push([generatedColumn, 0, original.line - 1, original.column]);
    }
    return composed;
  });
}

/** Builds a trace map over decoded (or VLQ-encoded) mappings for a single-source file. */
export function traceMapFromSegments(file: string, source: string, mappings: MappingSegment[][] | string): TraceMap {
  const common = { version: 3 as const, file, sources: [file], sourcesContent: [source], names: [] };
  const input: SourceMapInput = typeof mappings === "string" ? { ...common, mappings } : { ...common, mappings };
  return new TraceMap(input);
}

/** Looks up where a generated position came from; undefined for code the transform inserted. */
export function lookupOriginal(map: TraceMap, line: number, column: number): SourcePosition | undefined {
  if (!Number.isInteger(line) || !Number.isInteger(column) || line < 1 || column < 0) return undefined;
  const original = originalPositionFor(map, { line, column });
  if (original.line === null || original.column === null) return undefined;
  return { line: original.line, column: original.column };
}

/**
 * Maps a position as printed in a V8 stack frame (1-based line and column) to the source,
 * 1-based both; undefined for code the transform inserted.
 */
export function lookupStackPosition(map: TraceMap, line: number, column: number): SourcePosition | undefined {
  const position = lookupOriginal(map, line, column - 1);
  return position && { line: position.line, column: position.column + 1 };
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Base64 VLQ encoding of one signed integer (source map v3). */
function encodeVlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = "";
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    out += BASE64[digit];
  } while (rest > 0);
  return out;
}

/** Encodes decoded 4-field segments into a v3 `mappings` string. */
export function encodeMappings(mappings: readonly MappingSegment[][]): string {
  let previousSource = 0;
  let previousLine = 0;
  let previousColumn = 0;
  return mappings
    .map((line) => {
      let previousGenerated = 0;
      return line
        .map(([generatedColumn, sourceIndex, sourceLine, sourceColumn]) => {
          const text =
            encodeVlq(generatedColumn - previousGenerated) +
            encodeVlq(sourceIndex - previousSource) +
            encodeVlq(sourceLine - previousLine) +
            encodeVlq(sourceColumn - previousColumn);
          previousGenerated = generatedColumn;
          previousSource = sourceIndex;
          previousLine = sourceLine;
          previousColumn = sourceColumn;
          return text;
        })
        .join(",");
    })
    .join(";");
}
