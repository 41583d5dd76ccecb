/**
 * The cell transformer: TypeScript cell source -> a script for vm.runInThisContext.
 *
 * Cells run in the kernel's own realm (tfjs checks `instanceof Float32Array`, which a second
 * realm breaks), so a cell's top-level bindings must live on globalThis to survive into later
 * cells, and re-running `const x = 1` must rebind rather than fail "already declared".
 * Two steps: esbuild strips the types (transpile.ts), then acorn + magic-string rewrite the
 * JavaScript (rewrite.ts); the two source maps are composed so stack positions map back to
 * what the user typed.
 */
import { TraceMap, originalPositionFor } from "@jridgewell/trace-mapping";
import type { Program } from "acorn";
import { parsePlainJavaScript } from "./transform/plain-js.js";
import { RewriteError, rewriteCell, type RewrittenCell } from "./transform/rewrite.js";
import {
  composeMappings,
  encodeMappings,
  lookupOriginal,
  lookupStackPosition,
  traceMapFromSegments,
  type SourceMapV3,
  type SourcePosition,
} from "./transform/source-map.js";
import { CellSyntaxError, sourceLine } from "./transform/syntax-error.js";
import { endsWithSemicolon, transpileCell } from "./transform/transpile.js";

export { CellSyntaxError } from "./transform/syntax-error.js";
export type { SourceMapV3, SourcePosition } from "./transform/source-map.js";

/** How to transform a cell. */
export interface TransformOptions {
  /** Name shown in stack traces and source maps, e.g. "cell-7.ts"; pass the same to vm.runInThisContext. */
  filename: string;
  /**
   * Global name of the runtime object (an identifier or dotted path, e.g. "__tc"). The output calls
   * `${runtime}.tick()` at the start of every loop iteration (it should throw to interrupt) and
   * `${runtime}.import(specifier, options?)` for static and dynamic imports (it returns a Promise
   * of the module namespace), and `${runtime}.keep()`, a no-op that keeps a cell's last expression
   * through esbuild (where it is not at the top level, e.g. the body of a trailing loop, it stays).
   */
  runtime: string;
  /** Let plain-JavaScript cells skip esbuild (default true; tests turn it off to compare both paths). */
  fastPath?: boolean;
}

/** A transformed cell, ready for vm.runInThisContext(code, { filename, breakOnSigint: !runsBriefly }). */
export interface TransformedCell {
  /**
   * JavaScript that evaluates to `undefined` (nothing to show), `{ value }` (the last expression's
   * value, possibly a Promise for the executor to await) or, when `isAsync`, a Promise of either.
   */
  code: string;
  /** "plain": the cell was JavaScript and skipped esbuild; "esbuild": it was transpiled first. */
  path: "plain" | "esbuild";
  /** True when the code evaluates to a Promise (top-level await, for await, or static imports). */
  isAsync: boolean;
  /** True when the cell calls no function and has no loop, so it cannot block (transform/brief.ts); it runs without vm's SIGINT watchdog. */
  runsBriefly: boolean;
  /** Top-level names the cell binds on globalThis (const/let/var/function/class/enum/namespace/import). */
  declaredNames: string[];
  /** v3 source map from `code` to the cell's TypeScript source. */
  map: SourceMapV3;
  /**
   * Maps a generated position to the cell source. Source-map convention: 1-based line, 0-based
   * column, both in and out. V8's stack traces (`cell-7.ts:LINE:COL`) print 1-based columns:
   * pass COL - 1, or use `mapStackPosition`. Undefined for code the transform inserted.
   */
  originalPosition(line: number, column: number): SourcePosition | undefined;
  /**
   * Maps a position as printed in a V8 stack frame (`cell-7.ts:LINE:COL`, both 1-based) to the
   * cell source, also 1-based both, ready to display. Undefined for code the transform inserted.
   */
  mapStackPosition(line: number, column: number): SourcePosition | undefined;
}

const RUNTIME_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

/**
 * Transforms one cell. Top-level declarations become assignments to globals (re-running rebinds),
 * function declarations stay hoisted and are published to globalThis, classes become
 * `C = class C {}`, static imports become awaited `${runtime}.import()` calls hoisted to the top,
 * `export` is stripped, every loop body starts with `${runtime}.tick();`, and the last expression
 * is returned as `{ value }` unless the source ends with ";" (IPython's convention).
 * @throws CellSyntaxError (line and column in the cell) for syntax and transpile errors.
 */
export function transformCell(source: string, options: TransformOptions): TransformedCell {
  if (!RUNTIME_NAME.test(options.runtime)) {
    throw new TypeError(`transformCell: runtime must be a global name such as "__tc", got ${JSON.stringify(options.runtime)}`);
  }
  const filename = options.filename;
  const plain = options.fastPath === false ? undefined : parsePlainJavaScript(source);
  if (plain) {
    // On the fast path the rewrite runs on the cell itself: its last statement's own text says whether it ends with ";".
    const semicolon = (last: { end: number }) => source[last.end - 1] === ";";
    return finish(source, filename, rewriteOrThrow(source, source, undefined, options.runtime, semicolon, plain), undefined);
  }
  // A last expression without ";" is the cell's value. esbuild drops side-effect-free
  // expressions it can fold ('a' + 'b'), so such a cell gets a no-op call appended
  // (`, runtime.keep()`) that the rewrite takes off again. After the source's own end,
  // it moves no position the user can see. When the cell's tail is not a top-level
  // expression (`throw x`, a loop body), the call would land inside that statement:
  // then the cell is transpiled again without it.
  const showsValue = !endsWithSemicolon(source, filename);
  const attempt = (withSentinel: boolean) => {
    const transpiled = transpileCell(withSentinel ? `${source}\n, ${options.runtime}.keep()` : source, filename);
    const esbuildMap = new TraceMap(transpiled.map);
    return { rewritten: rewriteOrThrow(transpiled.code, source, esbuildMap, options.runtime, () => !showsValue), esbuildMap };
  };
  let { rewritten, esbuildMap } = attempt(showsValue);
  if (showsValue && !rewritten.keptValue) ({ rewritten, esbuildMap } = attempt(false));
  return finish(source, filename, rewritten, esbuildMap);
}

/** Step 2 on `js` (esbuild's output, or the cell itself on the fast path); rewrite errors become CellSyntaxErrors at the cell's position. */
function rewriteOrThrow(
  js: string,
  source: string,
  esbuildMap: TraceMap | undefined,
  runtime: string,
  endsWithSemicolon: (last: { end: number }) => boolean,
  program?: Program,
): RewrittenCell {
  try {
    return rewriteCell(js, { runtime, isUserName: (name) => appearsInSource(source, name), endsWithSemicolon, program });
  } catch (error) {
    if (error instanceof RewriteError) throw syntaxErrorAt(error, js, esbuildMap, source);
    throw error;
  }
}

/** The transformed cell, with the source maps composed (esbuildMap undefined: the rewrite ran on the cell itself). */
function finish(source: string, filename: string, rewritten: RewrittenCell, esbuildMap: TraceMap | undefined): TransformedCell {
  const mappings = composeMappings(rewritten.mappings, esbuildMap);
  const composed = traceMapFromSegments(filename, source, mappings);
  const originalPosition = (line: number, column: number) => lookupOriginal(composed, line, column);
  return {
    code: rewritten.code,
    path: esbuildMap ? "esbuild" : "plain",
    isAsync: rewritten.isAsync,
    runsBriefly: rewritten.runsBriefly,
    declaredNames: rewritten.declaredNames,
    map: { version: 3, file: filename, sources: [filename], sourcesContent: [source], names: [], mappings: encodeMappings(mappings) },
    originalPosition,
    mapStackPosition: (line, column) => lookupStackPosition(composed, line, column),
  };
}

/**
 * True when `name` occurs as an identifier-like word in the cell. Top-level names esbuild
 * invents (its helpers such as `__decorateElement`, `cell_1_default`) do not, and stay local.
 */
function appearsInSource(source: string, name: string): boolean {
  const escaped = name.replace(/[$]/g, "\\$");
  return new RegExp(`(?<![\\p{ID_Continue}$\\u200c\\u200d])${escaped}(?![\\p{ID_Continue}$\\u200c\\u200d])`, "u").test(source);
}

/** Places a rewrite-stage error at the cell position esbuild's map gives for its offset. */
function syntaxErrorAt(error: RewriteError, js: string, esbuildMap: TraceMap | undefined, source: string): CellSyntaxError {
  const before = js.slice(0, error.offset).split("\n");
  const line = before.length;
  const column = before[before.length - 1]?.length ?? 0;
  const original = esbuildMap ? originalPositionFor(esbuildMap, { line, column }) : { line, column };
  const originalLine = original.line ?? 1;
  const originalColumn = original.column ?? 0;
  return new CellSyntaxError(error.reason, originalLine, originalColumn + 1, sourceLine(source, originalLine));
}
