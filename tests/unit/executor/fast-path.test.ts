/**
 * The transform's fast path (plain-JavaScript cells skip esbuild) against the
 * full path on the same cells: the same value, the same globals, the same
 * mapped error positions; and the cells that must keep going through esbuild.
 */
import { describe, expect, it } from "vitest";
import { evaluate, installRuntime, runCell, transform } from "./cell-runner.js";

const PLAIN_CELLS = [
  "1 + 1",
  "'a' + 'b'",
  "const fx = 5\nfx * 2",
  "let fy = [1, 2, 3].map((v) => v * 2)\nfy",
  "function fInc(n) { return n + 1 }\nfInc(1);",
  "class FA { static k = 3 }\nFA.k",
  "let fz\nfz",
  "let fSum = 0\nfor (let i = 0; i < 3; i++) { fSum += i }\nfSum",
  "await Promise.resolve(7)",
  "({ a: 1 })",
  "const { fa, fb: [fc] } = { fa: 1, fb: [2] }\nfa + fc",
  "fx // a trailing comment",
  "fx;;",
  "fx\n;",
  "fx /* a comment */;",
  "fx; // a comment after the semicolon",
  "`${1 + 1} items`",
  "const fp = 1, fq = 2\nfp > fq",
  "const fNoSemi = 1\nconst [fFirst] = [2]\nconst fThird = (fNoSemi + fFirst)\nfThird",
  "outer: for (const q of [1, 2]) { if (q) break outer }\n'after'",
];

describe("transform fast path", () => {
  it.each(PLAIN_CELLS)("takes %j without esbuild, with the same result and globals as the full path", async (source) => {
    installRuntime();
    expect(transform(source).path).toBe("plain");
    const full = transform(source, { fastPath: false });
    expect(full.path).toBe("esbuild");
    const fast = transform(source);
    expect(fast.declaredNames).toEqual(full.declaredNames);
    expect(fast.isAsync).toBe(full.isAsync);
    expect(await runCell(source)).toEqual(await runCell(source, { fastPath: false }));
  });

  it("maps an error's stack position to the same cell line and column on both paths", () => {
    installRuntime();
    const source = "const fBefore = 1\nconst fNothing = null\nfNothing.boom";
    const positions = [true, false].map((fastPath) => {
      const cell = transform(source, { fastPath });
      try {
        evaluate(cell, "fast-path-cell.ts");
        throw new Error("the cell did not throw");
      } catch (error) {
        const [, line, column] = /fast-path-cell\.ts:(\d+):(\d+)/.exec(String((error as Error).stack))!;
        return cell.mapStackPosition(Number(line), Number(column));
      }
    });
    expect(positions[0]).toEqual(positions[1]);
    expect(positions[0]).toMatchObject({ line: 3 });
  });

  it.each([
    ["TypeScript syntax", "const n: number = 1\nn"],
    ["a possible generic call", "const fg = (v) => v\nfg<number>(3)"],
    ["top-level this", "this === globalThis"],
    ["an import", "import { join } from 'node:path'\njoin('a', 'b')"],
    ["an export", "export const fe = 1"],
    ["a decorator", "@dec class D {}"],
    ["a var (nested ones become assignments)", "{ var fv = 1\n var fw = 2 }"],
    ["a syntax error", "const = 1"],
  ])("leaves %s to esbuild", (_, source) => {
    installRuntime();
    let path: string | undefined;
    try {
      path = transform(source).path;
    } catch {
      path = "esbuild"; // only esbuild reports syntax errors
    }
    expect(path).toBe("esbuild");
  });
});
