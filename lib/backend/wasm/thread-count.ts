/**
 * How many threads the wasm backend computes with: the default (every core
 * up to the build's limit), user requests from `TENSORCELL_THREADS`,
 * `tensorcell kernel --threads N` or `useBackend("wasm", { threads: N })`,
 * and the one-line refusals and clamp notes. Pure (no tfjs): the kernel uses it
 * to check its command line and to predict its banner.
 */
import { availableParallelism } from "node:os";

/** The threaded wasm build starts a pool of 8 pthread workers, so XNNPACK can use at most 8 threads. */
export const MAX_WASM_THREADS = 8;

/** A thread count that is not a positive whole number (the message is one line, with the fix). */
export class ThreadCountError extends Error {
  override name = "ThreadCountError";
}

/** A resolved thread count and where it came from. */
export interface ThreadRequest {
  /** Threads to start the wasm backend with (1..MAX_WASM_THREADS). */
  threads: number;
  /** Who chose it: "default", "TENSORCELL_THREADS", "--threads" or "useBackend". */
  source: string;
  /** Set when the request was changed (clamped to the build's maximum), in words. */
  note?: string;
}

/** The default: every core this process may run on, up to the build's 8. */
export function defaultThreadCount(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_WASM_THREADS));
}

/**
 * Reads a user-given thread count (a number, or a string from the environment
 * or the command line). Throws ThreadCountError for 0, negatives, fractions and
 * anything that is not a number; `source` names where the value came from.
 */
export function parseThreadCount(value: unknown, source: string): number {
  const text = typeof value === "string" ? value.trim() : undefined;
  const count = typeof value === "number" ? value : text !== undefined && /^[+-]?\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(count) || count < 1) {
    const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
    throw new ThreadCountError(`Invalid thread count ${shown} (from ${source}): use a whole number from 1 to ${MAX_WASM_THREADS}, or leave it unset for every core up to ${MAX_WASM_THREADS}.`);
  }
  return count;
}

/**
 * The thread count for the wasm backend: `requested` (already a user value,
 * e.g. from --threads or useBackend) wins, then TENSORCELL_THREADS, then the
 * default. Counts above the build's maximum are clamped, with a note saying so.
 */
export function resolveThreadRequest(requested: unknown, source: string, env: NodeJS.ProcessEnv = process.env): ThreadRequest {
  if (requested !== undefined) return clamp(parseThreadCount(requested, source), source);
  const fromEnv = env.TENSORCELL_THREADS;
  if (fromEnv !== undefined && fromEnv.trim() !== "") return clamp(parseThreadCount(fromEnv, "TENSORCELL_THREADS"), "TENSORCELL_THREADS");
  return { threads: defaultThreadCount(), source: "default" };
}

function clamp(threads: number, source: string): ThreadRequest {
  if (threads <= MAX_WASM_THREADS) return { threads, source };
  return {
    threads: MAX_WASM_THREADS,
    source,
    note: `${threads} threads requested (from ${source}); the wasm build runs at most ${MAX_WASM_THREADS}, so it uses ${MAX_WASM_THREADS}`,
  };
}
