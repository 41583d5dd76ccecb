/**
 * Test helpers for the rule that every error a user sees is one clear line:
 * the call must fail, with an Error (of the given class, when one is named)
 * whose message matches the expected pattern and holds no newline.
 */
import { assert, expect } from "vitest";

/** An error class to check the thrown value against, e.g. `DataFileError`. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/** Checks one caught value; returns it as an Error. */
function checkOneLine(caught: unknown, message: RegExp, errorClass: ErrorClass | undefined): Error {
  expect(caught, `expected ${errorClass ? `a ${errorClass.name}` : "an Error"} matching ${message}, but ${describeValue(caught)} was thrown`).toBeInstanceOf(errorClass ?? Error);
  const error = caught as Error;
  expect(error.message, `the error message is not one line: ${JSON.stringify(error.message)}`).not.toContain("\n");
  expect(error.message).toMatch(message);
  return error;
}

function describeValue(value: unknown): string {
  if (value instanceof Error) return `${value.constructor.name} ${JSON.stringify(value.message)}`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Runs `run` and expects it to throw an Error whose message matches `message`
 * and is one line (no `\n`), and which is an instance of `errorClass` when given.
 * Fails when `run` returns normally, when the message does not match or has a
 * newline, or when the error is of another class.
 * @param run the call that must throw.
 * @param message a pattern the error message must match.
 * @param errorClass the class the error must be an instance of (default: any Error).
 * @returns the thrown Error, for further checks.
 * @example expectOneLineError(() => data.loadCsv("x.csv"), /^loadCsv: .*x\.csv: /, DataFileError);
 */
export function expectOneLineError(run: () => unknown, message: RegExp, errorClass?: ErrorClass): Error {
  try {
    run();
  } catch (caught) {
    return checkOneLine(caught, message, errorClass);
  }
  return assert.fail(`expected an error matching ${message}, but nothing was thrown`);
}

/**
 * Awaits `promiseOrFn` (a promise, or a function whose result is awaited; a
 * synchronous throw from the function counts as a rejection) and expects it to
 * reject with an Error whose message matches `message` and is one line (no `\n`),
 * and which is an instance of `errorClass` when given. Fails when it resolves,
 * when the message does not match or has a newline, or when the error is of
 * another class.
 * @param promiseOrFn the promise, or the call, that must reject.
 * @param message a pattern the error message must match.
 * @param errorClass the class the error must be an instance of (default: any Error).
 * @returns the Error it rejected with, for further checks.
 * @example await expectOneLineRejection(models.quantize(net, { bits: 3 }), /bits must be 8 or 4/);
 */
export async function expectOneLineRejection(promiseOrFn: Promise<unknown> | (() => unknown), message: RegExp, errorClass?: ErrorClass): Promise<Error> {
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (caught) {
    return checkOneLine(caught, message, errorClass);
  }
  return assert.fail(`expected a rejection matching ${message}, but it resolved`);
}
