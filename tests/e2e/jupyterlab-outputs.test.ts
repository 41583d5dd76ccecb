/**
 * What JupyterLab 4's own output stack renders for tensorcell's outputs, in a
 * real browser: a small page bundled (esbuild, into a temporary folder) from
 * @jupyterlab/services, @jupyterlab/outputarea, @jupyterlab/rendermime's
 * standard renderers and @jupyterlab/vega5-extension (see lab-page/page.ts)
 * runs cells on a tensorcell kernel (wasm) through Debian's jupyter-server, in
 * headless Chromium driven by playwright-core, each cell into its own
 * OutputArea widget. Cells come from notebooks/outputs-tour.ipynb plus a few
 * made here (model summary, tensors, an error, input(), display.clear()).
 * Screenshots go to tests/artifacts/jupyterlab-*.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CellRun, LabPage, VegaRender } from "./lab-page/protocol.js";
import { REPO_ROOT } from "./jupyter-harness.js";
import { openLabSession, type LabSession } from "./lab-session.js";
import { cellById, joinText, readNotebook } from "./notebook-outputs.js";

const ARTIFACTS = join(REPO_ROOT, "tests", "artifacts");
const VEGALITE_MIME = "application/vnd.vegalite.v5+json";
const TOUR = readNotebook(join(REPO_ROOT, "notebooks", "outputs-tour.ipynb"));

let lab: LabSession;
let page: Page;

type Window = { tensorcellLab: LabPage };

/** Runs `code` into a new output area named `id` and resolves with the reply and the iopub counts. */
function run(id: string, code: string): Promise<CellRun> {
  return lab.run(id, code);
}

/** Runs the outputs tour's cell `id`. */
function runTourCell(id: string): Promise<CellRun> {
  return run(id, joinText(cellById(TOUR, id).source));
}

function report(id: string) {
  return lab.report(id);
}

function vegaRenders(): Promise<VegaRender[]> {
  return page.evaluate(() => (window as unknown as Window).tensorcellLab.vegaRenders());
}

declare const window: unknown;

beforeAll(async () => {
  lab = await openLabSession("lab");
  page = lab.page;
  process.stderr.write(`jupyterlab-outputs: screenshots go to ${ARTIFACTS}\n`);
}, 240_000);

afterAll(async () => {
  if (!lab) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "jupyterlab-outputs.png"), fullPage: true }).catch(() => undefined);
  await lab.close();
}, 60_000);

/** Waits until the Vega renderer has drawn `count` kernel bundles after the first `since` draws and every draw has settled; returns those draws. */
async function vegaDrawsSettled(since: number, count: number): Promise<VegaRender[]> {
  await page.waitForFunction(
    ([first, expected]) => {
      const renders = (window as unknown as Window).tensorcellLab.vegaRenders();
      return renders.slice(first).filter((r) => r.fromKernel).length >= expected && renders.every((r) => r.settled);
    },
    [since, count] as const,
    { timeout: 60_000, polling: 100 },
  );
  return (await vegaRenders()).slice(since);
}

/** A Vega-Lite line chart of `n` points (the kind of spec viz.liveCurves sends, small). */
const SMALL_CHART = `const lossChart = (n: number) => ({
  $schema: "https://vega.github.io/schema/vega-lite/v5.json",
  title: "loss so far",
  mark: "line",
  data: { values: Array.from({ length: n }, (_, i) => ({ step: i, loss: 1 / (i + 1) })) },
  encoding: { x: { field: "step", type: "quantitative" }, y: { field: "loss", type: "quantitative" } },
});
const chart = display.vegalite(lossChart(2));
for (let n = 3; n <= 7; n++) chart.update(lossChart(n));`;

describe("tensorcell's outputs in JupyterLab's OutputArea (headless Chromium)", () => {
  it("connects to a tensorcell kernel through jupyter-server", async () => {
    const name = await lab.ready(150_000);
    expect(name).toBe("tensorcell");
  }, 180_000);

  it("renders the display API's outputs with JupyterLab's standard renderers", async () => {
    const ran = await runTourCell("display-api");
    expect(ran.status).toBe("ok");
    expect(ran.counts.display_data).toBe(4);
    const shown = await report("display-api");
    expect(shown.outputs.map((o) => o.mimeType)).toEqual(["text/markdown", "text/html", "text/latex", "image/svg+xml"]);
    expect(shown.tables).toEqual([{ header: [], rows: 2 }]); // display.html's table (its header row is <tr><th>, no <thead>)
    expect(shown.outputs[1]!.text).toMatch(/baseline\s+0\.91/);
    expect(shown.images).toEqual([{ naturalWidth: 120, naturalHeight: 40, mime: "image/svg+xml" }]);
  }, 120_000);

  it("shows image-like tensors and records as JupyterLab renders them (PNG, HTML table)", async () => {
    expect((await runTourCell("tensor-image")).pngs).toEqual([{ width: 64, height: 64 }]);
    expect((await report("tensor-image")).images).toEqual([{ naturalWidth: 64, naturalHeight: 64, mime: "image/png" }]);
    expect((await runTourCell("records")).status).toBe("ok");
    const records = await report("records");
    expect(records.outputs.map((o) => o.mimeType)).toEqual(["text/html"]);
    expect(records.tables).toEqual([{ header: ["", "model", "params", "input"], rows: 2 }]);
  }, 120_000);

  it("shows a small tensor as its HTML table of values, a rank-3 one as text", async () => {
    const ran = await run("tensor", "tf.tensor2d([[1, 2.5, 3], [4, 5, 6]])");
    expect(ran.status).toBe("ok");
    const shown = await report("tensor");
    expect(shown.outputs.map((o) => o.mimeType)).toEqual(["text/html"]);
    expect(shown.text).toContain("Tensor float32 [2,3] (6 values)");
    expect(shown.tables).toEqual([{ header: ["", "0", "1", "2"], rows: 2 }]);
    expect(shown.outputs[0]!.text).toMatch(/0\s+1\s+2\.5\s+3\s+1\s+4\s+5\s+6/);
    // A rank-3 tensor has no table: its text form, in JupyterLab's text renderer.
    expect((await run("tensor-3d", "tf.ones([2, 2, 3])")).status).toBe("ok");
    const text = await report("tensor-3d");
    expect(text.outputs.map((o) => o.mimeType)).toEqual(["text/plain"]);
    expect(text.outputs[0]!.text).toMatch(/^Tensor float32 \[2,2,3\] \(12 values\)\n\[\[\[1, 1, 1\]/);
  }, 60_000);

  it("draws the live training chart with JupyterLab's Vega renderer, redrawn in place once per chart message", async () => {
    expect((await runTourCell("data")).status).toBe("ok");
    const before = (await vegaRenders()).length;
    const ran = await runTourCell("train");
    expect(ran.status).toBe("ok");
    const sent = (ran.counts.display_data ?? 0) + (ran.counts.update_display_data ?? 0);
    expect(ran.counts.display_data).toBe(1);
    expect(ran.counts.update_display_data).toBeGreaterThanOrEqual(1); // at least the final update
    const renders = await vegaDrawsSettled(before, sent);
    const shown = await report("train");
    // The cell says how many chart messages it sent; the page drew each one, with one renderer: in place.
    expect(shown.text).toContain(`the chart was drawn ${sent} times`);
    expect(renders.filter((r) => r.fromKernel)).toHaveLength(sent);
    expect(renders.every((r) => r.error === null)).toBe(true);
    expect(new Set(renders.map((r) => r.renderer)).size).toBe(1);
    expect(renders.filter((r) => r.fromKernel).at(-1)!.rows).toBe(ran.lastVegaRows); // the last one drawn is the final chart
    expect(shown.vega.renderers).toEqual([renders[0]!.renderer]);
    // vega-embed's canvas, not the SVG the kernel also sends (JupyterLab prefers the Vega-Lite spec).
    expect(shown.vega.canvases).toHaveLength(1);
    expect(shown.vega.canvases[0]!.width).toBeGreaterThan(300);
    expect(shown.vega.canvases[0]!.inked).toBeGreaterThan(1000);
    expect(shown.vega.embedActions).toBe(1);
    expect(shown.images).toEqual([]);
    expect(shown.outputs.map((o) => o.mimeType)).toEqual(["", "application/vnd.jupyter.stdout"]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('[data-area="train"]').screenshot({ path: join(ARTIFACTS, "jupyterlab-training-chart.png") });
  }, 240_000);

  it("redraws a chart in place once per update the kernel sent", async () => {
    const before = (await vegaRenders()).length;
    const ran = await run("chart-updates", SMALL_CHART);
    expect(ran.status).toBe("ok");
    expect(ran.counts).toMatchObject({ display_data: 1, update_display_data: 5 });
    const renders = await vegaDrawsSettled(before, 6);
    const fromKernel = renders.filter((r) => r.fromKernel);
    expect(fromKernel.map((r) => r.rows)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(new Set(renders.map((r) => r.renderer)).size).toBe(1);
    const shown = await report("chart-updates");
    expect(shown.outputs).toHaveLength(1);
    expect(shown.vega.canvases).toHaveLength(1);
    expect(shown.vega.canvases[0]!.inked).toBeGreaterThan(100);
  }, 60_000);

  it("shows the feature maps as a PNG decoded at the size the kernel drew it", async () => {
    const ran = await runTourCell("feature-maps");
    expect(ran.pngs).toHaveLength(1);
    const shown = await report("feature-maps");
    expect(shown.outputs.map((o) => o.mimeType)).toEqual(["image/png"]);
    expect(shown.images).toEqual([{ naturalWidth: ran.pngs[0]!.width, naturalHeight: ran.pngs[0]!.height, mime: "image/png" }]);
    expect(ran.pngs[0]!.width).toBeGreaterThan(100);
  }, 60_000);

  it("shows the confusion matrix as its HTML table (JupyterLab ranks text/html above the Vega-Lite spec)", async () => {
    const ran = await runTourCell("confusion");
    expect(ran.lastVegaRows).toBe(9); // the bundle carries the chart too
    const shown = await report("confusion");
    expect(shown.outputs.map((o) => o.mimeType)).toEqual(["text/html"]);
    expect(shown.tables).toEqual([{ header: ["actual \\ predicted", "circle", "square", "triangle"], rows: 3 }]);
    expect(shown.text).toMatch(/accuracy [\d.]+% \(\d+\/480\)/);
  }, 60_000);

  it("shows a model summary as an HTML table", async () => {
    expect((await run("summary", "net")).status).toBe("ok");
    const shown = await report("summary");
    expect(shown.outputs.map((o) => o.mimeType)).toEqual(["text/html"]);
    expect(shown.tables).toHaveLength(1);
    expect(shown.tables[0]!.header).toEqual(["Layer", "Type", "Output shape", "Params", "FLOPs/example"]);
    expect(shown.tables[0]!.rows).toBeGreaterThanOrEqual(5);
    expect(shown.text).toMatch(/Model: \S+/);
    expect(shown.text).toContain("Total params: 61,");
  }, 60_000);

  it("shows an error with ANSI colours as coloured spans and the line of the cell that threw", async () => {
    const ran = await run("error", 'const learningRate = -0.1;\nif (learningRate <= 0) throw new RangeError("learning rate must be positive");');
    expect(ran).toMatchObject({ status: "error", ename: "RangeError" });
    expect(ran.counts.error).toBe(1);
    const shown = await report("error");
    expect(shown.outputs.map((o) => o.mimeType)).toEqual(["application/vnd.jupyter.stderr"]);
    expect(shown.ansi).toContainEqual({ className: "ansi-red-fg", text: "RangeError" });
    expect(shown.ansi.some((span) => span.className === "ansi-green-fg" && span.text === "2")).toBe(true); // "line 2"
    expect(shown.ansi.some((span) => span.className === "ansi-cyan-fg")).toBe(true); // the cell's label
    expect(shown.text).toContain("RangeError: learning rate must be positive");
    expect(shown.text).toContain('if (learningRate <= 0) throw new RangeError("learning rate must be positive");');
    expect(shown.text).not.toContain("\u001b[");
  }, 60_000);

  it("answers input() from the OutputArea's stdin box", async () => {
    const running = run("input", 'const answer = await input("Learning rate? ");\nconsole.log(`using lr=${Number(answer) * 2}`);');
    const box = page.locator('[data-area="input"] .jp-Stdin-input');
    await box.waitFor({ state: "visible", timeout: 60_000 });
    expect(await page.locator('[data-area="input"] .jp-Stdin-prompt').textContent()).toBe("Learning rate? ");
    await box.fill("0.05");
    await box.press("Enter");
    const ran = await running;
    expect(ran.status).toBe("ok");
    const shown = await report("input");
    // JupyterLab echoes the answer after the prompt and a space (a stdin stream output).
    expect(shown.text).toMatch(/Learning rate\? +0\.05\n/);
    expect(shown.text).toContain("using lr=0.1");
  }, 90_000);

  it("clears the area on display.clear(), and on the next output with wait: true", async () => {
    const cleared = await run("clear", 'console.log("epoch 1");\ndisplay.text("temporary");\ndisplay.clear();');
    expect(cleared.counts.clear_output).toBe(1);
    const empty = await report("clear");
    expect(empty.outputs).toEqual([]);
    expect(empty.text.trim()).toBe("");
    const replaced = await run("clear-wait", 'display.text("stale");\ndisplay.clear({ wait: true });\ndisplay.html("<b>fresh</b> output");');
    expect(replaced.counts.clear_output).toBe(1);
    const shown = await report("clear-wait");
    expect(shown.outputs.map((o) => [o.mimeType, o.text])).toEqual([["text/html", "fresh output"]]);
  }, 60_000);

  it("reported no page errors", () => {
    expect(lab.problems).toEqual([]);
  });
});
