/**
 * Sanitisers for `tensorcell verify`: text that legitimately changes between
 * runs (timestamps, memory addresses, durations, throughput, temp paths,
 * random ids) is replaced by a placeholder before outputs are compared.
 */
import { HeadlessUsageError } from "../options.js";

/** One replacement applied to output text before comparison. */
export interface Sanitizer {
  /** What it hides, for --help and messages. */
  name: string;
  pattern: RegExp;
  replacement: string;
}

/** The built-in sanitisers, applied in this order. */
export const DEFAULT_SANITIZERS: readonly Sanitizer[] = [
  {
    name: "ISO timestamps",
    pattern: /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g,
    replacement: "<TIMESTAMP>",
  },
  { name: "times of day", pattern: /\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b/g, replacement: "<TIME>" },
  { name: "memory addresses", pattern: /\b0x[0-9a-fA-F]{4,}\b/g, replacement: "<ADDRESS>" },
  { name: "UUIDs", pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, replacement: "<UUID>" },
  { name: "temporary paths", pattern: /\/tmp\/[\w.-]+/g, replacement: "<TMP>" },
  {
    name: "throughput",
    pattern: /\b\d+(?:[.,]\d+)*\s?(?:img|imgs|images|samples|examples|ex|it|steps|batches|tokens|items)\/s(?:ec)?\b/g,
    replacement: "<RATE>",
  },
  {
    name: "durations",
    pattern: /\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|msec|millis(?:econds?)?|s|sec|secs|seconds?|min|mins|minutes?|h|hours?)\b(?:\s+\d+(?:\.\d+)?\s?(?:ms|s|sec|secs|seconds?))?/g,
    replacement: "<DURATION>",
  },
];

/** Builds a sanitiser from a user regular expression (--sanitize or notebook metadata); a bad pattern is a one-line error. */
export function userSanitizer(source: string): Sanitizer {
  try {
    return { name: `/${source}/`, pattern: new RegExp(source, "g"), replacement: "<SANITIZED>" };
  } catch (error) {
    throw new HeadlessUsageError(`--sanitize ${JSON.stringify(source)} is not a valid regular expression: ${(error as Error).message}`);
  }
}

/** Applies the sanitisers to a text. */
export function sanitize(text: string, sanitizers: readonly Sanitizer[] = DEFAULT_SANITIZERS): string {
  let out = text;
  for (const { pattern, replacement } of sanitizers) out = out.replace(pattern, replacement);
  return out;
}
