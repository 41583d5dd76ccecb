import { describe, expect, it } from "vitest";
import { parseNotebook } from "../../../kernel/headless/notebook.js";
import { injectParameters, parameterCellSource, parseParameterArgs, typeScriptType } from "../../../kernel/headless/parameters.js";

const notebook = (cells: object[]) => parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }), "t.ipynb");

describe("papermill-style parameters", () => {
  it("types values the way JSON reads them, else as strings", () => {
    expect(parseParameterArgs(["epochs=3", "lr=0.5", "fast=true", "none=null", "sizes=[1,2]", "name=resnet", 'quoted="7"', "cfg={\"a\":1}"])).toEqual({
      epochs: 3,
      lr: 0.5,
      fast: true,
      none: null,
      sizes: [1, 2],
      name: "resnet",
      quoted: "7",
      cfg: { a: 1 },
    });
  });

  it("rejects malformed arguments and non-identifiers with one line", () => {
    expect(() => parseParameterArgs(["epochs"])).toThrow(/name=value/);
    expect(() => parseParameterArgs(["2x=1"])).toThrow(/not a TypeScript identifier/);
  });

  it("writes typed TypeScript consts", () => {
    expect(typeScriptType([1, "a"])).toBe("(number | string)[]");
    expect(typeScriptType({ lr: 0.1, tags: ["x"] })).toBe("{ lr: number; tags: string[] }");
    expect(parameterCellSource({ epochs: 3, name: "x", on: false })).toBe(
      '// Parameters injected by tensorcell run\nconst epochs: number = 3;\nconst name: string = "x";\nconst on: boolean = false;',
    );
  });

  it("injects after the parameters cell, replaces an earlier injection, and reports unknown names", () => {
    const nb = notebook([
      { cell_type: "markdown", metadata: {}, source: "# t" },
      { cell_type: "code", metadata: { tags: ["parameters"] }, source: "const epochs = 1;\nlet lr = 0.1;", outputs: [], execution_count: null },
      { cell_type: "code", metadata: { tags: ["injected-parameters"] }, source: "const epochs = 9;", outputs: [], execution_count: null },
      { cell_type: "code", metadata: {}, source: "epochs", outputs: [], execution_count: null },
    ]);
    const report = injectParameters(nb, { epochs: 2, batch: 4 });
    expect(report).toEqual({ index: 2, noParametersCell: false, unknownNames: ["batch"] });
    expect(nb.cells).toHaveLength(4);
    expect(nb.cells[2]!.metadata.tags).toEqual(["injected-parameters"]);
    expect(nb.cells[2]!.source).toContain("const epochs: number = 2;");
    expect(typeof nb.cells[2]!.id).toBe("string");
  });

  it("puts the cell first when there is no parameters cell", () => {
    const nb = notebook([{ cell_type: "code", metadata: {}, source: "1", outputs: [], execution_count: null }]);
    expect(injectParameters(nb, { a: 1 }).noParametersCell).toBe(true);
    expect(nb.cells[0]!.metadata.tags).toEqual(["injected-parameters"]);
  });
});
