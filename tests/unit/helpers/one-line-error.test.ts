// The one-line error helpers themselves: each fails when nothing is thrown, when
// the message does not match, when it has a newline or when the class differs,
// and passes (returning the error) on a good one-line error.
import { describe, expect, it } from "vitest";
import { expectOneLineError, expectOneLineRejection } from "../../helpers/one-line-error.js";

class ParseError extends Error {}

const thrower = (error: unknown) => () => {
  throw error;
};

describe("expectOneLineError", () => {
  it("passes on a one-line error that matches, returning it", () => {
    const error = new ParseError("bad input: x");
    expect(expectOneLineError(thrower(error), /bad input/)).toBe(error);
    expect(expectOneLineError(thrower(error), /bad input/, ParseError)).toBe(error);
  });

  it("fails when nothing is thrown", () => {
    expect(() => expectOneLineError(() => {}, /x/)).toThrow(/expected an error matching \/x\/, but nothing was thrown/);
  });

  it("fails when the message does not match", () => {
    expect(() => expectOneLineError(thrower(new Error("other")), /bad input/)).toThrow(/expected 'other' to match \/bad input\//);
  });

  it("fails when the message has a newline", () => {
    expect(() => expectOneLineError(thrower(new Error("bad input\nat line 2")), /bad input/)).toThrow(/not one line/);
  });

  it("fails when the error is of another class, or not an Error", () => {
    expect(() => expectOneLineError(thrower(new TypeError("bad input")), /bad input/, ParseError)).toThrow(/expected a ParseError matching \/bad input\/, but TypeError "bad input" was thrown/);
    expect(() => expectOneLineError(thrower("bad input"), /bad input/)).toThrow(/expected an Error matching \/bad input\/, but "bad input" was thrown/);
  });
});

describe("expectOneLineRejection", () => {
  it("passes on a one-line rejection that matches, from a promise or a function", async () => {
    const error = new ParseError("bad input: x");
    expect(await expectOneLineRejection(Promise.reject(error), /bad input/, ParseError)).toBe(error);
    expect(await expectOneLineRejection(async () => Promise.reject(error), /bad input/)).toBe(error);
    expect(await expectOneLineRejection(thrower(error), /bad input/)).toBe(error);
  });

  it("fails when it resolves", async () => {
    await expect(expectOneLineRejection(Promise.resolve(1), /x/)).rejects.toThrow(/expected a rejection matching \/x\/, but it resolved/);
    await expect(expectOneLineRejection(async () => 1, /x/)).rejects.toThrow(/but it resolved/);
  });

  it("fails when the message does not match", async () => {
    await expect(expectOneLineRejection(Promise.reject(new Error("other")), /bad input/)).rejects.toThrow(/expected 'other' to match \/bad input\//);
  });

  it("fails when the message has a newline", async () => {
    await expect(expectOneLineRejection(Promise.reject(new Error("bad input\nat line 2")), /bad input/)).rejects.toThrow(/not one line/);
  });

  it("fails when the error is of another class", async () => {
    await expect(expectOneLineRejection(Promise.reject(new TypeError("bad input")), /bad input/, ParseError)).rejects.toThrow(/TypeError "bad input" was thrown/);
  });
});
