import { beforeEach, describe, expect, it } from "vitest";
import { evaluate, installRuntime, runCell, transform } from "./cell-runner.js";

beforeEach(() => {
  installRuntime();
});

describe("the last expression is the cell's value (IPython rules)", () => {
  it("shows the last expression, including falsy values and strings", async () => {
    expect(await runCell("1 + 2")).toEqual({ shown: true, value: 3 });
    expect(await runCell("0")).toEqual({ shown: true, value: 0 });
    expect(await runCell('"hello"')).toEqual({ shown: true, value: "hello" });
    expect(await runCell("const v = 4\nv * 10 // a trailing comment")).toEqual({ shown: true, value: 40 });
  });

  it("an object literal last value is an object, not a block", async () => {
    expect(await runCell("({ a: 1 })")).toEqual({ shown: true, value: { a: 1 } });
  });

  it("a trailing ';' (ignoring whitespace and comments) shows nothing", async () => {
    expect(await runCell("1 + 2;")).toEqual({ shown: false });
    expect(await runCell("1 + 2; // comment\n  \n")).toEqual({ shown: false });
    expect(await runCell("1 + 2; /* block */")).toEqual({ shown: false });
    expect(await runCell("1 + 2 // comment ending in ;")).toEqual({ shown: true, value: 3 });
    expect(await runCell("const s = 'a;'\ns")).toEqual({ shown: true, value: "a;" });
  });

  it("declarations, loops and empty cells as the last statement show nothing", async () => {
    expect(await runCell("const vDecl = 1")).toEqual({ shown: false });
    expect(await runCell("for (const i of [1]) {}")).toEqual({ shown: false });
    expect(await runCell("function vFn() {}")).toEqual({ shown: false });
    expect(await runCell("")).toEqual({ shown: false });
    expect(await runCell("// only a comment")).toEqual({ shown: false });
    expect(await runCell("interface OnlyType { a: number }")).toEqual({ shown: false });
  });

  it("an expression of value undefined shows nothing or {value: undefined} (the executor hides both)", async () => {
    expect(evaluate(transform("undefined"))).toEqual({ value: undefined });
    expect(evaluate(transform("const vNothing = () => undefined\nvNothing()"))).toEqual({ value: undefined });
  });

  it("a synchronous cell finishes synchronously; its result is not a Promise", () => {
    const cell = transform("const vSync = [1, 2].map((n) => n * 2)\nvSync");
    expect(cell.isAsync).toBe(false);
    expect(evaluate(cell)).toEqual({ value: [2, 4] });
  });

  it("a Promise as last value is wrapped, not flattened, and resolves to the value", async () => {
    const cell = transform("Promise.resolve(42)");
    const result = evaluate(cell) as { value: Promise<number> };
    expect(result.value).toBeInstanceOf(Promise);
    expect(await result.value).toBe(42);
  });

  it("top-level await makes the cell async and its value is the awaited result", async () => {
    const cell = transform("const vSlow = await new Promise<number>((resolve) => setTimeout(() => resolve(7), 5))\nvSlow * 2");
    expect(cell.isAsync).toBe(true);
    const pending = evaluate(cell);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual({ value: 14 });
  });

  it("for await at top level iterates an async generator", async () => {
    const cell = transform(
      "async function* vGen() { yield 1; yield 2; yield 3 }\nlet vSum = 0\nfor await (const n of vGen()) vSum += n\nvSum",
    );
    expect(cell.isAsync).toBe(true);
    expect(await evaluate(cell)).toEqual({ value: 6 });
  });

  it("await only inside a function does not make the cell async", () => {
    expect(transform("async function vLater() { await 1 }\nvLater").isAsync).toBe(false);
  });

  it("an error thrown by the cell propagates to the caller", async () => {
    expect(() => evaluate(transform("throw new RangeError('bad value')"))).toThrow("bad value");
    await expect(runCell("await Promise.reject(new TypeError('async bad'))")).rejects.toThrow("async bad");
  });
});

describe("values esbuild would fold away", () => {
  it("shows a constant string expression and keeps loop bodies intact", async () => {
    installRuntime();
    expect(await runCell("'a' + 'b'")).toEqual({ shown: true, value: "ab" });
    expect(await runCell("'text ' + 1")).toEqual({ shown: true, value: "text 1" });
    expect(await runCell("(1, 2)")).toEqual({ shown: true, value: 2 });
    const loop = await runCell("let n = 0; for (let i = 0; i < 3; i++) n += i");
    expect(loop.shown).toBe(false);
    expect(await runCell("n")).toEqual({ shown: true, value: 3 });
  });
});

describe("a cell ending in a statement whose tail is an expression", () => {
  it("throws the thrown value itself and runs a trailing loop body as written", async () => {
    installRuntime();
    await expect(runCell("const boomValue = 1;\nthrow new TypeError('bad thing')")).rejects.toThrow(TypeError);
    expect((await runCell("let m = 0; for (let i = 0; i < 4; i++) m += i")).shown).toBe(false);
    expect(await runCell("m")).toEqual({ shown: true, value: 6 });
  });
});
