import { transformSync, type TransformFailure, type TransformOptions as EsbuildOptions } from "esbuild";
import { cellSyntaxErrorFromEsbuild } from "./syntax-error.js";

/** esbuild's output for one cell: ES2022 module JavaScript and its v3 source map (JSON text). */
export interface TranspiledCell {
  /** JavaScript, still with import/export statements (format "esm"). */
  code: string;
  /** Source map from `code` back to the TypeScript cell, as JSON text. */
  map: string;
}

/**
 * esbuild settings for a cell. verbatimModuleSyntax keeps every import that is not written
 * `import type`, so imports used only at run time, or only for side effects, survive.
 * No `format`: with format "esm", a cell that uses top-level `this` (or `exports`/`module`) and
 * no import is taken for CommonJS and wrapped in `__commonJS(...)`, which hides its declarations.
 * Left unset, esbuild keeps import/export as written and the rewrite handles them.
 * The `this` define: esbuild turns top-level `this` into `void 0` in a file with import or
 * top-level await (module semantics); in a cell, top-level `this` is globalThis.
 */
function esbuildOptions(filename: string): EsbuildOptions {
  return {
    loader: "ts",
    define: { this: "globalThis" },
    // Keep non-ASCII identifiers and strings as typed (esbuild escapes them by default).
    charset: "utf8",
    target: "es2022",
    // ES2022 predates import attributes, so esbuild would drop `with { type: "json" }`; Node 20 needs it.
    supported: { "import-attributes": true },
    sourcefile: filename,
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    logLevel: "silent",
  };
}

/** True when `error` is esbuild's failure object (it carries the structured `errors` list). */
export function isEsbuildFailure(error: unknown): error is TransformFailure {
  return typeof error === "object" && error !== null && Array.isArray((error as { errors?: unknown }).errors);
}

/**
 * Step 1 of the cell transform: TypeScript -> ES2022 JavaScript with a source map.
 * @throws CellSyntaxError naming the cell's line and column when esbuild rejects the source.
 */
export function transpileCell(source: string, filename: string): TranspiledCell {
  try {
    const result = transformSync(source, { ...esbuildOptions(filename), sourcemap: "external" });
    return { code: result.code, map: result.map };
  } catch (error) {
    if (isEsbuildFailure(error)) throw cellSyntaxErrorFromEsbuild(error.errors, source);
    throw error;
  }
}

/**
 * IPython's convention: a cell whose source ends with ";" (ignoring trailing whitespace and
 * comments) shows no value. Rather than scanning TypeScript by hand (strings, templates,
 * regexes and comments make that fragile), ask the parser: when the last statement is an
 * expression without its own ";", the source followed by "\n,0" still parses (the comma
 * continues the expression); after an explicit ";" it cannot.
 * Only meaningful when the transpiled cell's last statement is an expression statement.
 */
export function endsWithSemicolon(source: string, filename: string): boolean {
  try {
    transformSync(`${source}\n,0`, esbuildOptions(filename));
    return false;
  } catch (error) {
    // The probe failing to parse is the answer, not a problem; anything else is a real fault.
    if (isEsbuildFailure(error)) return true;
    throw error;
  }
}
