import { Script } from "node:vm";
import { beforeEach, describe, expect, it } from "vitest";
import { globalValue, installRuntime, runCell, transform } from "./cell-runner.js";

beforeEach(() => {
  installRuntime();
});

describe("top-level declarations persist across cells and rebind on re-run", () => {
  it("re-running `const x = 1` then `const x = 2` gives 2", async () => {
    await runCell("const stX: number = 1");
    expect(globalValue("stX")).toBe(1);
    await runCell("const stX: number = 2");
    expect(await runCell("stX")).toEqual({ shown: true, value: 2 });
  });

  it("let is reset by a re-run; var without initialiser keeps its value", async () => {
    await runCell("let stLet = 5; var stVar = 7;");
    expect([globalValue("stLet"), globalValue("stVar")]).toEqual([5, 7]);
    await runCell("let stLet; var stVar;");
    expect(globalValue("stLet")).toBeUndefined();
    expect(globalValue("stVar")).toBe(7);
    expect("stLet" in globalThis).toBe(true);
  });

  it("a var used before its declaration in the same cell reads undefined, not a ReferenceError", async () => {
    expect(await runCell("const stBefore = typeof stHoisted;\nvar stHoisted = 3;\nstBefore")).toEqual({ shown: true, value: "undefined" });
  });

  it("destructuring declarations bind every name", async () => {
    await runCell("const o = { a: 1, b: [2, 3], r1: 4, r2: 5 };\nconst { a: stA, b: [stC, stD = 9, stE = 10], ...stRest } = o;");
    expect([globalValue("stA"), globalValue("stC"), globalValue("stD"), globalValue("stE")]).toEqual([1, 2, 3, 10]);
    expect(globalValue("stRest")).toEqual({ r1: 4, r2: 5 });
  });

  it("functions and classes persist, and functions in one cell call functions from another", async () => {
    await runCell("function stDouble(n: number): number { return 2 * n }\nclass StBox { constructor(public v: number) {} get twice() { return stDouble(this.v) } }");
    await runCell("function stQuad(n: number) { return stDouble(stDouble(n)) }");
    expect(await runCell("[stQuad(3), new StBox(5).twice, StBox.name]")).toEqual({ shown: true, value: [12, 10, "StBox"] });
    // Redefining a function in a later cell is seen by callers from earlier cells.
    await runCell("function stDouble(n: number) { return 3 * n }");
    expect(await runCell("stQuad(1)")).toEqual({ shown: true, value: 9 });
  });

  it("a function is hoisted: usable above its declaration in the same cell", async () => {
    expect(await runCell("const stEarly = stLater(4);\nfunction stLater(n: number) { return n + 1 }\nstEarly")).toEqual({ shown: true, value: 5 });
  });

  it("enum and namespace survive into later cells, and a re-run namespace merges", async () => {
    await runCell("enum StColor { Red, Green = 5 }\nnamespace StNs { export const one = 1 }");
    expect(await runCell("[StColor.Green, StColor[0], StNs.one]")).toEqual({ shown: true, value: [5, "Red", 1] });
    await runCell("namespace StNs { export const two = 2 }");
    expect(await runCell("[StNs.one, StNs.two]")).toEqual({ shown: true, value: [1, 2] });
  });

  it("`export` is stripped but still declares", async () => {
    await runCell("export const stExported = 11; export function stExportedFn() { return 12 }\nexport default class StDefault {}");
    expect([globalValue("stExported"), (globalValue("stExportedFn") as () => number)(), typeof globalValue("StDefault")]).toEqual([11, 12, "function"]);
  });

  it("top-level `this` is globalThis, also in a cell with await", async () => {
    await runCell("this.stThis = 1");
    await runCell("this.stThisAsync = await Promise.resolve(2)");
    expect([globalValue("stThis"), globalValue("stThisAsync")]).toEqual([1, 2]);
  });

  it("top-level `var` in blocks and for heads binds globals; let in blocks stays local", async () => {
    await runCell("if (true) { var stInBlock = 1; let stLocal = 2 }\nfor (var stI = 0; stI < 3; stI++) {}\nfor (var stKey in { k: 1 }) {}");
    expect([globalValue("stInBlock"), globalValue("stI"), globalValue("stKey")]).toEqual([1, 3, "k"]);
    expect("stLocal" in globalThis).toBe(false);
  });

  it("reports the names a cell declares, without esbuild's helpers", () => {
    const cell = transform(
      "import * as stPath from 'node:path'\nconst stQ = 1, { stR } = {} as any\nlet stS\nvar stT\nfunction stU() {}\nclass StV {}\nenum StW { A }\nnamespace StZ {}\n@((c: any) => c) class StDec {}",
    );
    expect(cell.declaredNames.sort()).toEqual(["StDec", "StV", "StW", "stPath", "stQ", "stR", "stS", "stT", "stU"].sort());
  });

  it("the generated code has no 'use strict' prologue, even when the cell has one", () => {
    const cell = transform('"use strict";\nconst stStrict = 1');
    expect(cell.code).not.toMatch(/["']use strict["']/);
  });
});

describe("declaration rewriting keeps JavaScript's meaning", () => {
  it("mixed var declarators: only those with initialisers assign", async () => {
    await runCell("var stM1 = 'old1', stM2 = 'old2'");
    await runCell("var stM1, stM2 = 'new2', stM3");
    expect([globalValue("stM1"), globalValue("stM2"), globalValue("stM3")]).toEqual(["old1", "new2", undefined]);
  });

  it("var in if/else, try/catch and switch bodies binds globals", async () => {
    await runCell("if (false) var stIf = 1; else var stElse = 2;\ntry { var stTry = 3 } catch { }\nswitch (1) { case 1: var stCase = 4 }");
    expect([globalValue("stElse"), globalValue("stTry"), globalValue("stCase")]).toEqual([2, 3, 4]);
    expect("stIf" in globalThis).toBe(true);
  });

  it("non-ASCII identifiers work and stay readable in the generated code", async () => {
    const cell = transform("const stπ = 3.14\nstπ * 2");
    expect(cell.code).toContain("stπ");
    expect(await runCell("const stπ2 = 3.5\nstπ2 * 2")).toEqual({ shown: true, value: 7 });
  });

  it("every construct below compiles to a valid script", () => {
    const cells = [
      "for (var stQ of []) ;",
      "for (var { stA5 } of []) {}",
      "export default { a: 1 }",
      "export default async function () {}",
      "class StK { static { var s = 1; for (;;) break } x = () => { while (0); } }",
      "label: while (true) break label",
      "do ; while (0)",
      "await using stR = null",
      "using stR2 = null",
      "abstract class StAbs { abstract m(): void }",
      "declare module 'foo' { }",
      "const enum StCE { A = 1 }\nStCE.A",
      "function* stGen() { yield 1 }\n[...stGen()]",
      "class StP { #x = 1; get x() { return this.#x } }\nnew StP().x",
      "if (globalThis) function stFf() {}",
      "#!/usr/bin/env node\nconst stBang = 1",
    ];
    for (const source of cells) expect(() => new Script(transform(source).code), source).not.toThrow();
  });
});
