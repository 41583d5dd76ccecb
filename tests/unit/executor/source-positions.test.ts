import { beforeEach, describe, expect, it } from "vitest";
import { CellSyntaxError, transformCell } from "../../../kernel/executor/transform.js";
import { evaluate, installRuntime, transform } from "./cell-runner.js";

beforeEach(() => {
  installRuntime();
});

/** Runs a cell that throws and returns the first stack position in `filename` (as V8 prints it, 1-based). */
async function throwPosition(source: string, filename: string): Promise<{ cell: ReturnType<typeof transform>; line: number; column: number }> {
  const cell = transform(source);
  let stack = "";
  try {
    await evaluate(cell, filename);
  } catch (error) {
    stack = (error as Error).stack ?? "";
  }
  const escaped = filename.replace(/[.]/g, "\\.");
  const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (!match) throw new Error(`no ${filename} frame in stack:\n${stack}`);
  return { cell, line: Number(match[1]), column: Number(match[2]) };
}

describe("stack positions map back to the TypeScript the user typed", () => {
  it("a throw on line 3 column 7 under an interface and type annotations maps to 3:7", async () => {
    const source = [
      "interface Point { x: number; y: number }",
      "const spOrigin: Point = { x: 0, y: 0 } as Point;",
      "throw new Error('boom');",
    ].join("\n");
    // V8 places the error where `new Error` is: column 7 (1-based) of line 3.
    const { cell, line, column } = await throwPosition(source, "cell-sp1.ts");
    expect(cell.mapStackPosition(line, column)).toEqual({ line: 3, column: 7 });
    // The same point in the source-map convention (0-based columns).
    expect(cell.originalPosition(line, column - 1)).toEqual({ line: 3, column: 6 });
  });

  it("columns shifted by stripped annotations and the declaration rewrite map back", async () => {
    const source = ["type Id = string;", "const spE: Error & { id?: Id } = new Error('shifted'); throw spE;"].join("\n");
    const { cell, line, column } = await throwPosition(source, "cell-sp1b.ts");
    expect(cell.code.split("\n")[line - 1]?.indexOf("new Error")).toBe(column - 1);
    expect(column).not.toBe(34); // the generated column really differs from the cell's
    expect(cell.mapStackPosition(line, column)).toEqual({ line: 2, column: 34 });
  });

  it("a throw inside a function maps to its line, through a type-only block and a rewritten declaration", async () => {
    const source = [
      "type Shape = { w: number };", // 1
      "let spArea = (s: Shape): number => s.w * 2;", // 2
      "function spFail(shape: Shape): never {", // 3
      "  const msg: string = `bad ${shape.w}`;", // 4
      "  throw new RangeError(msg);", // 5
      "}", // 6
      "spFail({ w: 3 })", // 7
    ].join("\n");
    const { cell, line, column } = await throwPosition(source, "cell-sp2.ts");
    // V8 points at `new RangeError` (column 9, 1-based) on line 5.
    expect(cell.mapStackPosition(line, column)).toEqual({ line: 5, column: 9 });
  });

  it("positions in an async cell with hoisted imports map too", async () => {
    const source = [
      'import { sep as spSep } from "node:path";', // 1
      "const spN: number = await Promise.resolve(1);", // 2
      "spN.toFixed(2); null!.boom;", // 3
    ].join("\n");
    const { cell, line, column } = await throwPosition(source, "cell-sp3.ts");
    // V8 points at `boom` (column 23, 1-based) in `null!.boom`.
    expect(cell.mapStackPosition(line, column)).toEqual({ line: 3, column: 23 });
  });

  it("inserted code (the wrapper's first line) maps to nothing", () => {
    const cell = transform("const spZ = 1\nspZ");
    expect(cell.originalPosition(1, 0)).toBeUndefined();
  });

  it("the composed source map is a valid v3 map naming the cell", () => {
    const cell = transform("let spM: number = 1\nspM");
    expect(cell.map.version).toBe(3);
    expect(cell.map.sources).toEqual([cell.map.file]);
    expect(cell.map.sourcesContent).toEqual(["let spM: number = 1\nspM"]);
    expect(cell.map.mappings).toMatch(/^[A-Za-z0-9+/,;]+$/);
  });
});

describe("syntax errors name the line and column in the cell", () => {
  function syntaxError(source: string): CellSyntaxError {
    try {
      transform(source);
    } catch (error) {
      if (error instanceof CellSyntaxError) return error;
      throw error;
    }
    throw new Error("expected a CellSyntaxError");
  }

  it("reports 1-based line and column with the line text", () => {
    const error = syntaxError("const ok = 1;\nconst bad: number = );\n");
    expect([error.line, error.column, error.lineText]).toEqual([2, 21, "const bad: number = );"]);
    expect(error.message).toContain("line 2, column 21");
    expect(error.name).toBe("SyntaxError");
  });

  it("counts columns in characters, not UTF-8 bytes", () => {
    const error = syntaxError('const s = "héllo"; let q = )');
    expect(error.column).toBe(28);
  });

  it("an unclosed block reports the end of the cell", () => {
    const error = syntaxError("function f() {\n  return 1\n");
    expect(error.line).toBe(3);
    expect(error.reason).toMatch(/end of file/);
  });

  it("import.meta gets a clear error at its position", () => {
    const error = syntaxError("const a = 1;\nconst u = import.meta.url;");
    expect([error.line, error.column]).toEqual([2, 11]);
    expect(error.message).toContain("process.cwd()");
  });

  it("rejects a runtime name that is not a global name", () => {
    expect(() => transformCell("1", { filename: "c.ts", runtime: "not a name" })).toThrow(TypeError);
  });
});

describe("hoisted imports keep their own line", () => {
  it("a failing import points at the import's line, not the wrapper", async () => {
    const source = ["const spBefore = 1;", "", 'import { nothing } from "spNoSuchPackage";', "spBefore"].join("\n");
    const runtime = installRuntime();
    runtime.import = async (specifier: string) => {
      throw new Error(`Cannot find package '${specifier}'`);
    };
    const { cell, line, column } = await throwPosition(source, "cell-sp4.ts");
    expect(cell.mapStackPosition(line, column)?.line).toBe(3);
  });
});
