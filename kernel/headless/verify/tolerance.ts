/**
 * Comparison with numeric tolerance: numbers inside text and inside JSON
 * (Vega-Lite data values, application/json) match when
 * |a - b| <= atol + rtol * |b| (numpy.isclose's rule); everything else must
 * be equal after sanitising.
 */
import { sanitize, type Sanitizer } from "./sanitize.js";

/** Tolerances of one comparison. */
export interface Tolerance {
  /** Relative tolerance. */
  rtol: number;
  /** Absolute tolerance. */
  atol: number;
  sanitizers: readonly Sanitizer[];
}

/** numpy.isclose: |actual - expected| <= atol + rtol * |expected|; NaN equals NaN. */
export function numbersClose(expected: number, actual: number, tolerance: Pick<Tolerance, "rtol" | "atol">): boolean {
  if (Number.isNaN(expected) || Number.isNaN(actual)) return Number.isNaN(expected) && Number.isNaN(actual);
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) return expected === actual;
  return Math.abs(actual - expected) <= tolerance.atol + tolerance.rtol * Math.abs(expected);
}

const NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|NaN|-?Infinity/g;

/** Splits text into alternating literal and number parts: [literal, number, literal, ...]. */
export function splitNumbers(text: string): { literals: string[]; numbers: number[] } {
  const literals: string[] = [];
  const numbers: number[] = [];
  let last = 0;
  for (const match of text.matchAll(NUMBER)) {
    literals.push(text.slice(last, match.index));
    numbers.push(Number(match[0]));
    last = match.index! + match[0].length;
  }
  literals.push(text.slice(last));
  return { literals, numbers };
}

/** Whether two (already sanitised) texts match: same words and layout, numbers within tolerance. */
export function textsMatch(expected: string, actual: string, tolerance: Pick<Tolerance, "rtol" | "atol">): boolean {
  if (expected === actual) return true;
  const a = splitNumbers(expected);
  const b = splitNumbers(actual);
  if (a.numbers.length !== b.numbers.length) return false;
  if (a.literals.some((literal, i) => literal !== b.literals[i])) return false;
  return a.numbers.every((number, i) => numbersClose(number, b.numbers[i]!, tolerance));
}

/**
 * A line diff of two texts, compared line by line with tolerance: returns
 * "- expected" / "+ actual" lines for what differs (at most `limit` lines).
 */
export function lineDiff(expected: string, actual: string, tolerance: Pick<Tolerance, "rtol" | "atol">, limit = 20): string[] {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const same = (i: number, j: number) => textsMatch(a[i]!, b[j]!, tolerance);
  // LCS table over lines (outputs are small; cap the work for huge ones).
  if (a.length * b.length > 4_000_000) return [`- (${a.length} lines)`, `+ (${b.length} lines, too long to diff line by line)`];
  const table: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i]![j] = same(i, j) ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while ((i < a.length || j < b.length) && out.length < limit) {
    if (i < a.length && j < b.length && same(i, j)) {
      i++;
      j++;
    } else if (i < a.length && (j === b.length || table[i + 1]![j]! >= table[i]![j + 1]!)) {
      out.push(`- ${a[i++]}`);
    } else {
      out.push(`+ ${b[j++]}`);
    }
  }
  if (i < a.length || j < b.length) out.push(`  ... (more differences)`);
  return out;
}

/** A JSON path and what differs there. */
export interface JsonDifference {
  path: string;
  expected: string;
  actual: string;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? "undefined" : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Deep comparison of JSON values: numbers with tolerance, strings after
 * sanitising, arrays by length and items, objects by keys. Returns up to
 * `limit` differences with their paths (e.g. `datasets.curves[12].value`).
 */
export function jsonDifferences(expected: unknown, actual: unknown, tolerance: Tolerance, limit = 10, path = ""): JsonDifference[] {
  const out: JsonDifference[] = [];
  const walk = (e: unknown, a: unknown, at: string) => {
    if (out.length >= limit) return;
    if (typeof e === "number" && typeof a === "number") {
      if (!numbersClose(e, a, tolerance)) out.push({ path: at, expected: show(e), actual: show(a) });
      return;
    }
    if (typeof e === "string" && typeof a === "string") {
      if (!textsMatch(sanitize(e, tolerance.sanitizers), sanitize(a, tolerance.sanitizers), tolerance)) out.push({ path: at, expected: show(e), actual: show(a) });
      return;
    }
    if (Array.isArray(e) && Array.isArray(a)) {
      if (e.length !== a.length) {
        out.push({ path: `${at}.length`, expected: String(e.length), actual: String(a.length) });
        return;
      }
      e.forEach((item, index) => walk(item, a[index], `${at}[${index}]`));
      return;
    }
    if (e && a && typeof e === "object" && typeof a === "object" && !Array.isArray(e) && !Array.isArray(a)) {
      const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
      for (const key of keys) walk((e as Record<string, unknown>)[key], (a as Record<string, unknown>)[key], at ? `${at}.${key}` : key);
      return;
    }
    if (e !== a) out.push({ path: at || "(value)", expected: show(e), actual: show(a) });
  };
  walk(expected, actual, path);
  return out;
}
