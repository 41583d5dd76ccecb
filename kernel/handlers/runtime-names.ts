/**
 * Completion and inspection from the live session's values: what exists at
 * run time. The TypeScript language service (kernel/language) adds static
 * types on top; this is its fallback and covers values typed `any`.
 */
import { inspect } from "node:util";

/** The expression chain and the partial name before a cursor: `tf.laye|` -> chain ["tf"], partial "laye". */
export function tokenBeforeCursor(code: string, cursor: number): { chain: string[]; partial: string; start: number } {
  const before = code.slice(0, cursor);
  const match = /((?:[A-Za-z_$][\w$]*\s*\.\s*)*)([A-Za-z_$][\w$]*)?$/.exec(before)!;
  const chain = match[1] ? match[1].split(".").map((s) => s.trim()).filter(Boolean) : [];
  const partial = match[2] ?? "";
  return { chain, partial, start: cursor - partial.length };
}

/** The identifier chain around a cursor, for inspection: `tf.ma|tMul(` -> ["tf", "matMul"]. */
export function chainAtCursor(code: string, cursor: number): string[] {
  const rest = /^[\w$]*/.exec(code.slice(cursor))![0];
  const { chain, partial } = tokenBeforeCursor(code, cursor);
  const last = partial + rest;
  return last ? [...chain, last] : chain;
}

/** Follows a property chain from globalThis without calling anything; undefined if any link is missing. */
export function resolveChain(chain: string[]): { found: boolean; value: unknown } {
  let value: unknown = globalThis;
  for (const name of chain) {
    if (value === null || value === undefined) return { found: false, value: undefined };
    try {
      if (!(name in Object(value))) return { found: false, value: undefined };
      value = (value as Record<string, unknown>)[name];
    } catch {
      return { found: false, value: undefined };
    }
  }
  return { found: chain.length > 0, value };
}

/** Property names of a value, own and inherited (Object.prototype's left out). */
export function propertyNames(value: unknown): string[] {
  const names = new Set<string>();
  let object: unknown = value === null || value === undefined ? undefined : Object(value);
  while (object && object !== Object.prototype && object !== Function.prototype) {
    for (const name of Object.getOwnPropertyNames(object)) if (/^[A-Za-z_$][\w$]*$/.test(name)) names.add(name);
    object = Object.getPrototypeOf(object);
  }
  return [...names];
}

/** Completions from live values for the text before the cursor. */
export function runtimeCompletions(code: string, cursor: number): { matches: string[]; start: number } {
  const { chain, partial, start } = tokenBeforeCursor(code, cursor);
  const base = chain.length ? resolveChain(chain) : { found: true, value: globalThis };
  if (!base.found) return { matches: [], start };
  const matches = propertyNames(base.value)
    .filter((name) => name.startsWith(partial) && !name.startsWith("__tensorcell"))
    .sort();
  return { matches, start };
}

/** A text description of a live value for inspect_request. */
export function describeValue(chain: string[], value: unknown, detailLevel: number): string {
  const name = chain.join(".");
  if (typeof value === "function") {
    const source = Function.prototype.toString.call(value);
    const signature = source.slice(0, source.indexOf("{") > 0 ? source.indexOf("{") : 120).trim();
    const lines = [`${name}: function`, `Signature: ${signature}`];
    if (detailLevel > 0) lines.push("Source:", source);
    return lines.join("\n");
  }
  const type = value === null ? "null" : Array.isArray(value) ? "Array" : typeof value === "object" ? (value.constructor?.name ?? "Object") : typeof value;
  return `${name}: ${type}\n${inspect(value, { depth: detailLevel > 0 ? 3 : 1, colors: false, maxArrayLength: 20 })}`;
}
