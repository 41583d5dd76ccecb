// The session model without a worker: top-level names, preludes, newest definition, directive masking.
import { describe, expect, it } from "vitest";
import ts from "typescript";
import { SessionCells, buildPrelude, maskDirectives, topLevelNames } from "../../../kernel/language/cells.js";
import { computeLineStarts, lineAndColumn } from "../../../kernel/language/diagnostics.js";

const namesOf = (code: string) => topLevelNames(ts, ts.createSourceFile("c.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS));

describe("session model", () => {
  it("finds every kind of top-level name, including destructuring and imports", () => {
    const names = namesOf(
      [
        "const { a, b: [c, , d] } = obj; let e = 1; var f;",
        "function g() {} function g2(x: number): void; class H {} interface I {} type J = 1; enum K { A } namespace L {}",
        "import M, * as N from 'm'; import { O as P } from 'o'; import Q = require('q');",
        "export const R = 1; { const inner = 2; } if (1) { var hoisted = 3; }",
      ].join("\n"),
    );
    expect(names.map((n) => `${n.name}:${n.kind}${n.exported ? ":exported" : ""}`)).toEqual([
      "a:const", "c:const", "d:const", "e:let", "f:var", "g:function", "g2:function", "H:class", "I:interface", "J:type",
      "K:enum", "L:namespace", "M:import", "N:import", "P:import", "Q:import", "R:const:exported",
    ]);
  });

  it("gives a value and a type of the same name an import, which carries both meanings", () => {
    expect(namesOf("interface Point { x: number }\nconst Point = { origin: 0 };")).toEqual([{ name: "Point", kind: "import", exported: false }]);
  });

  it("points each name at its newest definition and leaves out the cell's own names", () => {
    const cells = new SessionCells(ts, "/nb");
    cells.record("const x = 1; function f() {}");
    const second = cells.record('const x = "a"; let y = 2;');
    expect(second.text.startsWith('import { f } from "./__tc_cell_1__";')).toBe(true);
    expect(second.text).toContain("\n;export { x, y };\n");
    const { prelude } = cells.current("const y = 3;");
    expect(prelude).toBe('import { f } from "./__tc_cell_1__"; declare const x: typeof import("./__tc_cell_2__").x;\n');
    expect(cells.definitionOf("x")).toEqual({ kind: "const", specifier: "./__tc_cell_2__" });
    cells.clear();
    expect(cells.current("").prelude).toBe("\n");
  });

  it("declares let and var names assignable", () => {
    const visible = new Map([["n", { kind: "let" as const, specifier: "./__tc_cell_4__" }]]);
    expect(buildPrelude(visible, new Set())).toBe('declare let n: typeof import("./__tc_cell_4__").n;\n');
  });

  it("blanks directive lines without moving any offset", () => {
    const code = "%check\nconst a = 1; // 50% done\n  %%time\nb";
    const masked = maskDirectives(code);
    expect(masked.length).toBe(code.length);
    expect(masked).toBe(`${" ".repeat(6)}\nconst a = 1; // 50% done\n${" ".repeat(8)}\nb`);
  });

  it("maps offsets to 1-based line and column for \\n, \\r\\n and \\r", () => {
    const starts = computeLineStarts("ab\r\ncd\ref\ng");
    expect(lineAndColumn(starts, 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn(starts, 5)).toEqual({ line: 2, column: 2 });
    expect(lineAndColumn(starts, 7)).toEqual({ line: 3, column: 1 });
    expect(lineAndColumn(starts, 10)).toEqual({ line: 4, column: 1 });
  });
});
