/**
 * The fast path of the cell transform: a cell that is already plain JavaScript,
 * and means the same as JavaScript and as TypeScript, skips esbuild (two
 * synchronous esbuild calls were most of a trivial cell's round trip).
 *
 * TypeScript is a superset, except where the same text parses differently:
 * `f<T>(x)` is a generic call in TypeScript and two comparisons in JavaScript.
 * So the fast path takes only sources that acorn parses as a module and that
 * have no `<` together with a bare `>`; it also leaves to esbuild every cell
 * that uses `this` (esbuild's define turns top-level `this` into globalThis),
 * `import` or `export` (esbuild's rewriting of default exports), decorators, or
 * `var` (a `var` nested in a block is rewritten into an assignment that could run
 * into the previous line where the cell's own text has no ";").
 */
import { parse, type Program } from "acorn";

const PARSE_OPTIONS = { ecmaVersion: "latest", sourceType: "module", allowAwaitOutsideFunction: true, allowHashBang: true } as const;

/** Words whose handling differs between the esbuild path and the raw source. */
const NEEDS_ESBUILD = /\b(this|import|export|var)\b|@/;

/**
 * The cell's syntax tree when it can skip esbuild (JavaScript whose meaning TypeScript does
 * not change), else undefined. The rewrite reuses the tree instead of parsing again.
 */
export function parsePlainJavaScript(source: string): Program | undefined {
  if (NEEDS_ESBUILD.test(source)) return undefined;
  // A `<` with a `>` that is not part of `=>` could be a generic call's type arguments.
  if (source.includes("<") && /(?<!=)>/.test(source)) return undefined;
  try {
    return parse(source, PARSE_OPTIONS);
  } catch {
    return undefined;
  }
}
