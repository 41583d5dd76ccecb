import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectOneLineError } from "../../helpers/one-line-error.js";
import { checkKernel, foreignCellLanguage, NotebookError, parseNotebook, readNotebook, writeNotebook } from "../../../kernel/headless/notebook.js";

const cell = (source: string, metadata: object = {}) => ({ cell_type: "code", metadata, source, outputs: [], execution_count: null });
const nb = (metadata: object, cells: object[] = []) => JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata, cells });

describe("bad notebook input", () => {
  it("refuses non-JSON, non-notebooks and nbformat 3 with one line each", () => {
    const refused = (text: string, message: RegExp) => expectOneLineError(() => parseNotebook(text, "x.ipynb"), message, NotebookError);
    refused("{not json", /not valid JSON/);
    refused("[1,2]", /expected a JSON object/);
    refused(JSON.stringify({ nbformat: 3, worksheets: [] }), /nbformat 3.*nbconvert --to notebook --nbformat 4/);
    refused(JSON.stringify({ nbformat: 4, cells: [{ cell_type: "heading", source: "" }] }), /unknown cell_type "heading"/);
    expect(() => readNotebook("/nonexistent/x.ipynb")).toThrow(/no such file/);
  });

  it("refuses another language's notebook and warns when there is no kernelspec", () => {
    expect(() => checkKernel(parseNotebook(nb({ kernelspec: { name: "python3", language: "python" } }), "p.ipynb"), "p.ipynb")).toThrow(/python notebook/);
    expect(checkKernel(parseNotebook(nb({}), "n.ipynb"), "n.ipynb")).toMatch(/no kernelspec/);
    expect(checkKernel(parseNotebook(nb({ kernelspec: { name: "tensorcell", language: "typescript" } }), "t.ipynb"), "t.ipynb")).toBeUndefined();
  });

  it("recognises cells in another language", () => {
    const parsed = parseNotebook(nb({}, [cell("print(1)", { vscode: { languageId: "python" } }), cell("%%bash\nls"), cell("1 + 1", { vscode: { languageId: "typescript" } })]), "c.ipynb");
    expect(parsed.cells.map(foreignCellLanguage)).toEqual(["python", "bash", undefined]);
  });

  it("writes atomically: no temporary file is left behind", () => {
    const dir = mkdtempSync(join(tmpdir(), "tc-nb-"));
    const path = join(dir, "out.ipynb");
    writeFileSync(path, "old");
    writeNotebook(path, parseNotebook(nb({}, [cell("1")]), "x"));
    expect(JSON.parse(readFileSync(path, "utf8")).cells).toHaveLength(1);
    expect(readdirSync(dir)).toEqual(["out.ipynb"]);
  });
});
