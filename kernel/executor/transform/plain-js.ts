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
import { parse } from "acorn";

const PARSE_OPTIONS = { ecmaVersion: "latest", sourceType: "module", allowAwaitOutsideFunction: true, allowHashBang: true } as const;

/** Words whose handling differs between the esbuild path and the raw source. */
const NEEDS_ESBUILD = /\b(this|import|export|var)\b|@/;

/** True when `source` can skip esbuild: it is JavaScript whose meaning TypeScript does not change. */
export function isPlainJavaScript(source: string): boolean {
  if (NEEDS_ESBUILD.test(source)) return false;
  // A `<` with a `>` that is not part of `=>` could be a generic call's type arguments.
  if (source.includes("<") && /(?<!=)>/.test(source)) return false;
  return parses(source);
}

/** endsWithSemicolon for a plain-JavaScript cell: the source followed by "\n,0" parses only when its last statement has no ";". */
export function plainEndsWithSemicolon(source: string): boolean {
  return !parses(`${source}\n,0`);
}

function parses(source: string): boolean {
  try {
    parse(source, PARSE_OPTIONS);
    return true;
  } catch {
    return false;
  }
}
