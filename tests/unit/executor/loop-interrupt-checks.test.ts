import { beforeEach, describe, expect, it } from "vitest";
import { evaluate, installRuntime, runCell, transform, type FakeRuntime } from "./cell-runner.js";

let runtime: FakeRuntime;
beforeEach(() => {
  runtime = installRuntime();
});

describe("every loop iteration calls runtime.tick()", () => {
  it("counts one check per iteration of while, for, do-while, for-of and for-in", async () => {
    await runCell("let lpI = 0\nwhile (lpI < 3) lpI++");
    expect(runtime.ticks).toBe(3);
    await runCell("for (let i = 0; i < 4; i++) {}");
    expect(runtime.ticks).toBe(7);
    await runCell("let lpJ = 0\ndo { lpJ++ } while (lpJ < 5)");
    expect(runtime.ticks).toBe(12);
    await runCell("for (const x of [1, 2]) ;");
    expect(runtime.ticks).toBe(14);
    await runCell("for (const k in { a: 1, b: 2, c: 3 }) {}");
    expect(runtime.ticks).toBe(17);
  });

  it("checks loops nested in loops and inside functions, arrows, methods and async code", async () => {
    await runCell(
      [
        "function lpNested() { let n = 0; for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) n++; return n }",
        "const lpArrow = () => { let k = 0; while (k < 4) { k++ } return k }",
        "class LpC { run() { let s = 0; for (const v of [1, 2, 3, 4, 5]) s += v; return s } }",
        "async function lpAsync() { for await (const v of [1, 2]) {} }",
      ].join("\n"),
    );
    expect(runtime.ticks).toBe(0);
    expect(await runCell("[lpNested(), lpArrow(), new LpC().run()]")).toEqual({ shown: true, value: [6, 4, 15] });
    // 3 outer + 6 inner, 4, 5
    expect(runtime.ticks).toBe(18);
    await runCell("await lpAsync()");
    expect(runtime.ticks).toBe(20);
  });

  it("a non-block body keeps its meaning when wrapped in braces", async () => {
    expect(await runCell("let lpAcc = ''\nfor (const c of 'abc') if (c !== 'b') lpAcc += c; else lpAcc += '-'\nlpAcc")).toEqual({
      shown: true,
      value: "a-c",
    });
    expect(await runCell("let lpL = 0\nouter: for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) { if (j === 1) continue outer; lpL++ }\nlpL")).toEqual({
      shown: true,
      value: 3,
    });
  });

  it("`while (true) {}` stops when tick throws, and earlier state is kept", async () => {
    await runCell("const lpKept = 'still here'");
    runtime.interruptAfter = 1000;
    expect(() => evaluate(transform("let lpSpins = 0\nwhile (true) { lpSpins++ }"))).toThrow("KeyboardInterrupt");
    expect((globalThis as Record<string, unknown>).lpSpins).toBe(999);
    runtime.interruptAfter = 0;
    expect(await runCell("lpKept")).toEqual({ shown: true, value: "still here" });
  });

  it("an empty `while (true);` and a long loop in async code stop too", async () => {
    runtime.interruptAfter = 50;
    expect(() => evaluate(transform("while (true);"))).toThrow("KeyboardInterrupt");
    runtime.ticks = 0;
    runtime.interruptAfter = 200;
    const training = "async function lpTrain() { for (let epoch = 0; ; epoch++) { await Promise.resolve(epoch) } }\nawait lpTrain()";
    await expect(runCell(training)).rejects.toThrow("KeyboardInterrupt");
    expect(runtime.ticks).toBe(200);
  });
});
