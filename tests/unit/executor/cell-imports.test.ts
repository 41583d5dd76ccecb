import { beforeEach, describe, expect, it } from "vitest";
import path from "node:path";
import { evaluate, installRuntime, runCell, transform, type FakeRuntime } from "./cell-runner.js";

let runtime: FakeRuntime;
beforeEach(() => {
  runtime = installRuntime();
});

describe("imports become runtime.import calls and bind globals", () => {
  it("node:path as namespace, named (renamed) and default imports", async () => {
    await runCell('import * as imPath from "node:path"\nimport { join as imJoin, sep as imSep } from "node:path"\nimport imDefault from "node:path"');
    expect(await runCell("[imJoin('a', 'b'), imSep, imDefault.basename('/x/y.ts'), imPath.extname('f.ts')]")).toEqual({
      shown: true,
      value: [path.join("a", "b"), path.sep, "y.ts", ".ts"],
    });
  });

  it("imports are hoisted above the code, in source order", async () => {
    const cell = transform('const imFirst = imLate.sep\nimport imLate from "node:path"\nimport "node:os"');
    await evaluate(cell);
    expect(runtime.imported).toEqual(["node:path", "node:os"]);
    expect((globalThis as Record<string, unknown>).imFirst).toBe(path.sep);
  });

  it("a CommonJS package: default import is module.exports, named imports work", async () => {
    // jpeg-js is CommonJS (module.exports = { encode, decode }).
    await runCell('import imJpeg from "jpeg-js"\nimport { encode as imEncode } from "jpeg-js"');
    expect(await runCell("[typeof imJpeg.decode, imEncode === imJpeg.encode]")).toEqual({ shown: true, value: ["function", true] });
  });

  it("an ESM-only package (vega-lite's ESM build) imports by name and as namespace", async () => {
    await runCell('import { compile as imCompile } from "vega-lite"\nimport * as imVl from "vega-lite"');
    const spec = "{ mark: 'point', data: { values: [{ a: 1 }] }, encoding: { x: { field: 'a', type: 'quantitative' } } }";
    const result = await runCell(`const imVega = imCompile(${spec}).spec;\n[imVega.marks[0].type, typeof imVl.version]`);
    expect(result).toEqual({ shown: true, value: ["symbol", "string"] });
  });

  it("`import type` is dropped, a value import used only at run time is kept", () => {
    const cell = transform('import type { ParsedPath } from "node:path"\nimport { posix } from "node:path"\nconst imP: ParsedPath = posix.parse("/a/b")');
    expect(cell.code).not.toContain("ParsedPath");
    expect(cell.code).toContain('__tcTest.import("node:path")');
  });

  it("dynamic import() anywhere goes through runtime.import and does not make the cell async", async () => {
    const cell = transform('const imLater = () => import("node:path")\nimLater');
    expect(cell.isAsync).toBe(false);
    const value = await runCell('(await import("node:path")).sep');
    expect(value).toEqual({ shown: true, value: path.sep });
    expect(await runCell('const imFn = async () => (await import("node:os")).EOL\nawait imFn()')).toEqual({ shown: true, value: "\n" });
    expect(runtime.imported).toEqual(["node:path", "node:os"]);
  });

  it("re-exports still load the module for its side effects", async () => {
    await runCell('export * from "node:os"');
    expect(runtime.imported).toEqual(["node:os"]);
  });
});

describe("import attributes reach runtime.import", () => {
  it("`with { type: 'json' }` is passed on for static and dynamic imports", async () => {
    const seen: unknown[] = [];
    runtime.import = async (specifier: string, options?: unknown) => {
      seen.push([specifier, options]);
      return { default: { answer: 42 } };
    };
    await runCell('import imJson from "./data.json" with { type: "json" }');
    await runCell('const imDyn = await import("./more.json", { with: { type: "json" } })');
    expect(seen).toEqual([
      ["./data.json", { with: { type: "json" } }],
      ["./more.json", { with: { type: "json" } }],
    ]);
    expect((globalThis as Record<string, unknown>).imJson).toEqual({ answer: 42 });
  });
});
