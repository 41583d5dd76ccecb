/** Test helper for the weights tests: an error users see must be one line. */
import { expect } from "vitest";

/** Runs `run`, expecting it to throw a one-line error matching `message`. */
export function expectOneLineError(run: () => unknown, message: RegExp): void {
  let error: Error | undefined;
  try {
    run();
  } catch (e) {
    error = e as Error;
  }
  expect(error?.message).toMatch(message);
  expect(error?.message).not.toContain("\n");
}
