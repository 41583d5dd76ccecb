/**
 * `tensorcell run` (issue 7): parameters, seed, timing metadata, nbformat
 * validity, distinct exit codes, saving as it goes, HTML report, bad input,
 * and the same notebooks under Debian's nbclient (jupyter nbconvert --execute).
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { nbformatErrors, tempDir, tensorcell, writeTestNotebook } from "./headless-cli.js";

type Cell = { cell_type: string; source: string; outputs?: { output_type: string; text?: string; ename?: string; data?: Record<string, string> }[]; metadata: Record<string, unknown>; execution_count?: number | null };
type Nb = { cells: Cell[]; metadata: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- test reads free-form metadata
const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as Nb;
const stdoutOf = (cell: Cell) => (cell.outputs ?? []).filter((o) => o.output_type === "stream").map((o) => o.text).join("");

describe("tensorcell run", () => {
  it("injects typed parameters, applies the seed, records timing and environment, and writes valid nbformat 4", async () => {
    const dir = tempDir();
    const path = writeTestNotebook(dir, "p.ipynb", [
      { source: "const epochs = 1;\nconst name = 'a';", tags: ["parameters"] },
      "console.log(epochs * 2, name, typeof epochs, typeof name)",
      "Math.random()",
      { source: "# notes", type: "markdown" },
    ]);
    const runs = [];
    for (const out of ["a.ipynb", "b.ipynb"]) {
      const result = await tensorcell(["run", path, "-o", join(dir, out), "-p", "epochs=3", "-p", "name=b", "--seed", "5", "--html", join(dir, `${out}.html`)]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/cell 1 of 4, \d+\.\ds elapsed/);
      runs.push(read(join(dir, out)));
    }
    const [a, b] = runs as [Nb, Nb];
    expect(a.cells[1]!.metadata.tags).toEqual(["injected-parameters"]);
    expect(a.cells[1]!.source).toBe('// Parameters injected by tensorcell run\nconst epochs: number = 3;\nconst name: string = "b";');
    expect(stdoutOf(a.cells[2]!)).toBe("6 b number string\n");
    const random = a.cells[3]!.outputs![0]!.data!["text/plain"];
    expect(Number(random)).toBeGreaterThan(0);
    expect(b.cells[3]!.outputs![0]!.data!["text/plain"]).toBe(random); // seeded: same draw in both runs
    expect(Object.keys(a.cells[2]!.metadata.execution as object)).toEqual(["iopub.status.busy", "iopub.execute_input", "shell.execute_reply", "iopub.status.idle"]);
    expect(a.cells.map((c) => c.execution_count)).toEqual([1, 2, 3, 4, undefined]);
    expect(a.metadata.tensorcell.run).toMatchObject({ status: "ok", seed: 5, parameters: { epochs: 3, name: "b" } });
    expect(a.metadata.tensorcell.environment).toMatchObject({ seed: 5, backend: { name: "wasm" }, node: process.version }); // the default backend here: auto picks wasm when no tfjs-node or GPU is installed
    expect(a.metadata.language_info.name).toBe("typescript");
    expect(await nbformatErrors(join(dir, "a.ipynb"))).toBe("");
    const html = readFileSync(join(dir, "a.ipynb.html"), "utf8");
    expect(html).toContain("6 b number string");
    expect(html).toContain("<h1>notes</h1>");
  });

  it("exits 3 on a cell error, keeping what ran and leaving later cells unexecuted", async () => {
    const dir = tempDir();
    const path = writeTestNotebook(dir, "e.ipynb", ["console.log('before')", "throw new RangeError('bad value')", "console.log('after')"]);
    const result = await tensorcell(["run", path, "-o", join(dir, "out.ipynb")]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/cell 2 .* raised RangeError: bad value/);
    const out = read(join(dir, "out.ipynb"));
    expect(stdoutOf(out.cells[0]!)).toBe("before\n");
    expect(out.cells[1]!.outputs![0]).toMatchObject({ output_type: "error", ename: "RangeError" });
    expect(out.cells[2]!.outputs).toEqual([]);
    expect(out.metadata.tensorcell.run.status).toBe("error");
    expect(await nbformatErrors(join(dir, "out.ipynb"))).toBe("");
  });

  it("exits 4 when a cell passes --timeout: the cell is interrupted and the timeout recorded", async () => {
    const dir = tempDir();
    const path = writeTestNotebook(dir, "t.ipynb", ["console.log('quick')", "while (true) {}", "console.log('never')"]);
    const result = await tensorcell(["run", path, "-o", join(dir, "out.ipynb"), "--timeout", "1"]);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/time limit of 1 s exceeded; the cell was interrupted/);
    const out = read(join(dir, "out.ipynb"));
    const names = out.cells[1]!.outputs!.map((o) => o.ename);
    expect(names).toContain("KeyboardInterrupt");
    expect(names).toContain("CellTimeoutError");
    expect(out.cells[2]!.outputs).toEqual([]);
  });

  it("exits 5 when the kernel dies, and the saved notebook keeps the cells that ran", async () => {
    const dir = tempDir();
    const path = writeTestNotebook(dir, "d.ipynb", ["console.log('saved')", "process.kill(process.pid, 'SIGKILL')", "1"]);
    const result = await tensorcell(["run", path, "-o", join(dir, "out.ipynb")]);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/the kernel died \(killed by SIGKILL\)/);
    const out = read(join(dir, "out.ipynb"));
    expect(stdoutOf(out.cells[0]!)).toBe("saved\n");
    expect(out.cells[1]!.outputs!.at(-1)).toMatchObject({ output_type: "error", ename: "DeadKernelError" });
    expect(await nbformatErrors(join(dir, "out.ipynb"))).toBe("");
  });

  it("refuses bad input with one line and exit 2, writing nothing", async () => {
    const dir = tempDir();
    const cases: [string, string, RegExp][] = [
      ["notjson.ipynb", "{ nope", /not valid JSON/],
      ["v3.ipynb", JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [{ cells: [] }], metadata: {} }), /nbformat 3; tensorcell reads nbformat 4/],
      ["py.ipynb", JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "python3", language: "python" } }, cells: [] }), /python notebook/],
    ];
    for (const [name, text, message] of cases) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(join(dir, name), text);
      const result = await tensorcell(["run", join(dir, name), "-o", join(dir, `${name}.out`)]);
      expect(result.code, name).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
    const missing = await tensorcell(["run", join(dir, "missing.ipynb")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
    const usage = await tensorcell(["run", join(dir, "x.ipynb"), "--timeout", "soon"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--timeout needs a number/);
    expect(readdirSync(dir).filter((f) => f.endsWith(".out") || f.includes(".tmp"))).toEqual([]);
  });

  it("runs a notebook without kernelspec, skipping other-language cells and keeping raw cells", async () => {
    const dir = tempDir();
    const path = writeTestNotebook(
      dir,
      "mixed.ipynb",
      [{ source: "raw text", type: "raw" }, { source: "print('py')", metadata: { vscode: { languageId: "python" } } }, "21 * 2"],
      {},
    );
    const result = await tensorcell(["run", path, "-o", join(dir, "out.ipynb")]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/has no kernelspec/);
    expect(result.stderr).toMatch(/skipping cell 2 .*python, not TypeScript/);
    const out = read(join(dir, "out.ipynb"));
    expect(out.cells[0]).toMatchObject({ cell_type: "raw", source: "raw text" });
    expect(out.cells[1]!.outputs).toEqual([]);
    expect(out.cells[2]!.outputs![0]!.data!["text/plain"]).toBe("42");
  });

  it("documents the exit codes in --help", async () => {
    const help = await tensorcell(["run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/3 +a cell raised an error\n +4 +a cell exceeded --timeout.*\n +5 +the kernel died/);
  });
});

describe("the same notebooks under Debian's nbclient", () => {
  it("jupyter nbconvert --execute runs the repro example and a course submission with the kernelspec from a temp prefix", async () => {
    const prefix = tempDir("tc-prefix-");
    const install = await tensorcell(["install", "--prefix", prefix]);
    expect(install.code, install.stderr).toBe(0);
    const work = tempDir("tc-nbclient-");
    cpSync(resolve("notebooks/repro"), join(work, "repro"), { recursive: true });
    cpSync(resolve("notebooks/course/submissions/correct.ipynb"), join(work, "correct.ipynb"));
    for (const notebook of [join(work, "repro", "experiment.ipynb"), join(work, "correct.ipynb")]) {
      const output = notebook.replace(/\.ipynb$/, ".nbclient.ipynb");
      const stderr = await new Promise<string>((done, fail) =>
        execFile(
          "/usr/bin/python3",
          ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.timeout=120", "--output", output, notebook],
          { env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter") }, timeout: 150_000 },
          (error, _out, err) => (error ? fail(new Error(`nbconvert failed on ${notebook}: ${err}`)) : done(err)),
        ),
      );
      expect(existsSync(output), stderr).toBe(true);
      const executed = read(output);
      const code = executed.cells.filter((c) => c.cell_type === "code");
      expect(code.every((c) => typeof c.execution_count === "number")).toBe(true);
      expect(code.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === "error")).toEqual([]);
      expect(await nbformatErrors(output)).toBe("");
    }
    const repro = read(join(work, "repro", "experiment.nbclient.ipynb"));
    expect(repro.cells.some((c) => stdoutOf(c).startsWith("loss per epoch:"))).toBe(true);
  }, 300_000);
});
