/**
 * The example notebooks executed headless by Debian's nbclient (what
 * `jupyter nbconvert --execute` and papermill-style runners use), against the
 * kernelspec installed into a temporary prefix, on the wasm backend users get.
 * The saved outputs are checked cell by cell.
 */
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, REPO_ROOT, runWithNbclient, type JupyterSandbox } from "../e2e/jupyter-harness.js";
import { cellById, mimeText, outputsOf, readNotebook, stripAnsi, type SavedNotebook } from "../e2e/notebook-outputs.js";

const KERNEL_ENV = { TENSORCELL_BACKEND: "wasm" };
let sandbox: JupyterSandbox;

beforeAll(() => {
  sandbox = createSandbox("nbclient");
});

afterAll(() => {
  sandbox?.dispose();
});

/** Copies notebooks/NAME into the sandbox, runs it with nbclient and returns the executed notebook. */
async function execute(name: string): Promise<SavedNotebook> {
  const input = join(sandbox.workDir, name);
  const output = join(sandbox.workDir, name.replace(/\.ipynb$/, ".out.ipynb"));
  copyFileSync(join(REPO_ROOT, "notebooks", name), input);
  const run = await runWithNbclient(sandbox, input, output, KERNEL_ENV);
  expect(run.status, `nbclient failed on ${name}:\n${run.stderr}`).toBe(0);
  return readNotebook(output);
}

function codeCellCounts(notebook: SavedNotebook): (number | null | undefined)[] {
  return notebook.cells.filter((c) => c.cell_type === "code").map((c) => c.execution_count);
}

describe("notebooks/language-tour.ipynb under nbclient", () => {
  let nb: SavedNotebook;
  const cell = (id: string) => outputsOf(cellById(nb, id));

  beforeAll(async () => {
    nb = await execute("language-tour.ipynb");
  }, 300_000);

  it("runs every code cell once, in order", () => {
    const counts = codeCellCounts(nb);
    expect(counts).toEqual(counts.map((_, i) => i + 1));
  });

  it("keeps types, interfaces and functions across cells", () => {
    expect(cell("types").result).toBe("[ 'baseline: 3 epochs', 'wider: 5 epochs, 91.4%' ]");
  });

  it("rebinds a const declared again in a later run", () => {
    expect(cell("const-first").result).toBe("32");
    expect(cell("const-again").errors).toEqual([]);
    expect(cell("const-again").result).toBe("128");
  });

  it("supports top-level await, for await and Promise results", () => {
    expect(cell("await").result).toBe("[ 3, 2, 1 ]");
    expect(cell("promise").result).toBe("42");
  });

  it("imports an ESM-only package (vega-lite) and node: built-ins", () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", "vega-lite", "package.json"), "utf8")) as { version: string }).version;
    expect(cell("import-esm").stdout).toBe(`vega-lite ${version} compiled to a Vega spec with 1 mark\n`);
    expect(cell("import-esm").result).toBe(`'${version}'`);
    const digest = createHash("sha256").update("tensorcell").digest("hex").slice(0, 16);
    expect(cell("import-node").stdout).toBe("train-images-idx3-ubyte\n");
    expect(cell("import-node").result).toBe(`'${digest}'`);
  });

  it("runs classes with private fields and getters", () => {
    expect(cell("class").result).toBe("3");
  });

  it("streams console output to the cell that wrote it, in order, timers included", () => {
    const console = cell("console");
    const streams = console.all.map((o) => [o.output_type, o.name, o.text]);
    // nbclient merges consecutive same-stream chunks, so compare the combined texts and their order.
    expect(console.stdout).toBe("epoch 1: loss 0.42\nwritten directly\nfrom a timer\n");
    expect(console.stderr).toBe("warning: learning rate is high\n");
    expect(streams.every(([type]) => type === "stream")).toBe(true);
    expect(console.result).toBeUndefined();
  });

  it("saves rich displays with their mime types (Markdown, tensor, Vega-Lite with SVG)", () => {
    const display = cell("display");
    expect(display.result).toBeUndefined();
    expect(display.displays.map((d) => Object.keys(d).sort())).toEqual([
      ["text/markdown", "text/plain"],
      ["text/html", "text/plain"],
      ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"],
    ]);
    const [markdown, tensor, chart] = display.displays as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(mimeText(markdown, "text/markdown")).toBe("**Markdown** from a cell");
    expect(mimeText(tensor, "text/plain")).toMatch(/float32 \[2,2\]/);
    expect(mimeText(tensor, "text/html")).toMatch(/<table/);
    const spec = chart["application/vnd.vegalite.v5+json"] as { mark: string; data: { values: unknown[] } };
    expect(spec.mark).toBe("bar");
    expect(spec.data.values).toHaveLength(2);
    const svg = mimeText(chart, "image/svg+xml");
    expect(svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(svg).toContain("baseline");
  });

  it("saves exactly one error, pointing at the cell's own line, and carries on", () => {
    const error = cell("error");
    expect(error.errors).toHaveLength(1);
    expect(error.errors[0]!.ename).toBe("SyntaxError");
    const traceback = stripAnsi(error.errors[0]!.traceback!.join("\n"));
    expect(traceback).toMatch(/line 2\b/);
    expect(traceback).toContain('JSON.parse("{ not json")');
    expect(error.stderr).toBe("");
    expect(cell("after-error").result).toBe("'still here: wider: 5 epochs, 91.4%, batch size 64'");
  });
});

describe("notebooks/quickstart.ipynb under nbclient", () => {
  let nb: SavedNotebook;
  const cell = (id: string) => outputsOf(cellById(nb, id));

  beforeAll(async () => {
    nb = await execute("quickstart.ipynb");
  }, 300_000);

  it("loads MNIST on the wasm backend", () => {
    expect(codeCellCounts(nb)).toEqual([1, 2, 3, 4, 5]);
    expect(cell("data").stdout).toBe("backend: wasm\ntrain: 2000,28,28,1  test: 500,28,28,1\n");
  });

  it("shows the model as a layer table", () => {
    const model = cell("model");
    expect(model.result).toMatch(/lenet5/);
    expect(model.result).toMatch(/C1\s+Conv2D/);
    expect(mimeText(model.resultData, "text/html")).toMatch(/<table/);
  });

  it("keeps the final live training chart (one display, updated in place) with validation metrics", () => {
    const train = cell("train");
    expect(train.errors).toEqual([]);
    expect(train.displays).toHaveLength(1);
    const chart = train.displays[0]!;
    expect(Object.keys(chart).sort()).toEqual(["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"]);
    // 1,800 training images (10% held out) in batches of 32: 57 steps; the saved chart is the last update.
    expect(mimeText(chart, "text/plain")).toMatch(/\(batch 57\): loss=[\d.]+, acc=[\d.]+, val_loss=[\d.]+, val_acc=[\d.]+/);
    expect(mimeText(chart, "image/svg+xml")).toMatch(/^<svg/);
    const spec = chart["application/vnd.vegalite.v5+json"] as { data: { values: Array<{ kind: string; split: string; metric: string; step: number }> } };
    const rows = spec.data.values;
    expect(rows.filter((r) => r.kind === "batch" && r.metric === "loss").map((r) => r.step)).toEqual(Array.from({ length: 57 }, (_, i) => i + 1));
    expect(rows.filter((r) => r.split === "validation").map((r) => `${r.metric}@${r.step}`).sort()).toEqual(["acc@57", "loss@57"]);
  });

  it("reports a test accuracy a trained network reaches", () => {
    const evaluate = cell("evaluate");
    const accuracy = Number(evaluate.result);
    expect(accuracy).toBeGreaterThan(0.6); // 80.4% measured with seed 42; chance is 10%
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(evaluate.stdout).toBe(`test accuracy: ${(accuracy * 100).toFixed(1)}% on 500 digits\n`);
  });

  it("shows a feature-map grid as a PNG", () => {
    const maps = cell("feature-maps");
    expect(maps.result).toContain("C1: [24,24,6]");
    expect(maps.result).toContain("C3: [8,8,16]");
    const png = decode(Buffer.from(mimeText(maps.resultData, "image/png"), "base64"));
    expect(png.width).toBeGreaterThan(100);
    expect(png.height).toBeGreaterThan(50);
    // viridis tiles, not a blank image: many distinct colours.
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += png.channels) colours.add((png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!);
    expect(colours.size).toBeGreaterThan(50);
  });
});
