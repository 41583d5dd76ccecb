/**
 * Option parsing shared by the headless commands: node:util parseArgs with
 * its errors turned into one-line usage errors.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake in how a headless command was called (exit code 2). */
export class HeadlessUsageError extends Error {
  override name = "HeadlessUsageError";
}

/** Parses options strictly; an unknown option is a HeadlessUsageError. */
export function parseOptions(args: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new HeadlessUsageError((error as Error).message.split("\n")[0]!);
  }
}

/** Reads a numeric option; undefined when absent, a HeadlessUsageError when not a number. */
export function numberOption(value: unknown, name: string, rules: { integer?: boolean; positive?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(number)) {
    throw new HeadlessUsageError(`${name} needs a number, got "${String(value)}"`);
  }
  if (rules.integer && !Number.isInteger(number)) throw new HeadlessUsageError(`${name} needs a whole number, got ${value}`);
  if (rules.positive && number <= 0) throw new HeadlessUsageError(`${name} must be greater than 0, got ${value}`);
  return number;
}
