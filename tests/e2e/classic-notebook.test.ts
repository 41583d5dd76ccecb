/**
 * End to end in a real browser: Debian's classic Jupyter Notebook (6.4) with
 * tensorcell's kernelspec from a temporary prefix, driven by headless Chromium
 * through playwright-core. Runs notebooks/outputs-tour.ipynb (display API, a
 * live training chart, feature maps, a confusion matrix) with Run All and
 * checks what the page shows: the chart's SVG (redrawn in place while the model
 * trains), the feature-map <img> decoded by the browser, no error output; then
 * saves the notebook from the page and checks the file keeps the final chart.
 * A full-page screenshot goes to tests/artifacts/classic-notebook.png.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, REPO_ROOT, startJupyter, type JupyterSandbox, type RunningJupyter } from "./jupyter-harness.js";
import { allCellsDone, kernelName, kernelReady, notebookHeight, readPage, runAll, saveNotebook, watchSvgInsertions, type PageReport } from "./classic-page.js";
import { cellById, mimeText, outputsOf, readNotebook } from "./notebook-outputs.js";

const NOTEBOOK = "outputs-tour.ipynb";
const ARTIFACTS = join(REPO_ROOT, "tests", "artifacts");
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let sandbox: JupyterSandbox;
let jupyter: RunningJupyter;
let userDataDir: string;
let context: BrowserContext;
let page: Page;
const pageProblems: string[] = [];

/**
 * Classic Notebook scrolls inside #site, not the page, so fullPage captures one
 * screen: grow the viewport to the notebook's height first.
 */
async function screenshotWholeNotebook(target: Page, path: string): Promise<void> {
  const height = await target.evaluate(notebookHeight);
  await target.setViewportSize({ width: 1280, height: Math.min(Math.max(height, 900), 16_000) });
  await target.screenshot({ path, fullPage: true });
}

beforeAll(async () => {
  sandbox = createSandbox("classic");
  copyFileSync(join(REPO_ROOT, "notebooks", NOTEBOOK), join(sandbox.workDir, NOTEBOOK));
  jupyter = await startJupyter("notebook", sandbox, { TENSORCELL_BACKEND: "wasm" });
  userDataDir = mkdtempSync(join(tmpdir(), "tensorcell-chromium-"));
  // A persistent context is how Playwright takes a fresh --user-data-dir.
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (error) => pageProblems.push(`pageerror: ${error.message}`));
}, 180_000);

afterAll(async () => {
  try {
    await context?.close();
  } finally {
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await jupyter?.stop();
    sandbox?.dispose();
  }
}, 60_000);

describe("classic Jupyter Notebook in headless Chromium", () => {
  let ran: PageReport | undefined;
  /** The page after Run All; the checks below need the Run All test to have got that far. */
  const afterRunAll = (): PageReport => {
    if (!ran) throw new Error("Run All did not complete (see the failure of the test above)");
    return ran;
  };

  it("opens the notebook and connects to a tensorcell kernel", async () => {
    await page.goto(`${jupyter.baseUrl}notebooks/${NOTEBOOK}?token=${jupyter.token}`, { waitUntil: "load", timeout: 60_000 });
    await page.waitForFunction(kernelReady, undefined, { timeout: 120_000, polling: 250 });
    expect(await page.evaluate(kernelName)).toBe("tensorcell");
  }, 180_000);

  it("runs all cells to the end without errors", async () => {
    expect(await page.evaluate(watchSvgInsertions, "train"), "the notebook has no cell with id \"train\"").toBe(true);
    await page.evaluate(runAll);
    // Done when every code cell shows its execution count (the prompt is "*" while queued or running) and the kernel is idle.
    await page.waitForFunction(allCellsDone, undefined, { timeout: 240_000, polling: 250 });
    const report = await page.evaluate(readPage);
    ran = report;
    mkdirSync(ARTIFACTS, { recursive: true });
    await screenshotWholeNotebook(page, join(ARTIFACTS, "classic-notebook.png"));
    expect(report.errorOutputs).toEqual([]);
    expect(report.stderrOutputs).toEqual([]);
    expect(report.prompts).toEqual(report.prompts.map((_, i) => i + 1));
    expect(pageProblems).toEqual([]);
  }, 300_000);

  it("shows the live training chart as an SVG, redrawn in place while the model trained", () => {
    const report = afterRunAll();
    const train = report.cells["train"];
    expect(train, `cells seen: ${Object.keys(report.cells).join(", ")}`).toBeDefined();
    // One chart in the end (updates replace it, they do not append) ...
    expect(train!.svgs).toBe(1);
    expect(train!.svgText).toContain("LeNet-5 on synthetic shapes");
    expect(train!.svgText).toMatch(/batch.*loss.*acc/); // the x axis is named after what fit logs (batches); a panel per metric
    // ... drawn by the browser once per chart message the kernel sent (the cell prints how many),
    // which is more than once: the first draw during training plus at least the final update.
    const drawn = /the chart was drawn (\d+) times/.exec(train!.text);
    expect(drawn, `training cell output: ${train!.text}`).not.toBeNull();
    expect(Number(drawn![1])).toBeGreaterThanOrEqual(2);
    expect(report.svgInsertions).toBe(Number(drawn![1]));
  });

  it("shows the feature-map grid as a PNG the browser decoded", () => {
    const report = afterRunAll();
    const maps = report.cells["feature-maps"]!;
    expect(maps.pngs).toHaveLength(1);
    expect(maps.pngs[0]!.complete).toBe(true);
    expect(maps.pngs[0]!.width).toBeGreaterThan(100);
    expect(maps.pngs[0]!.height).toBeGreaterThan(50);
  });

  it("shows the other outputs of the tour (SVG, PNG tensor, tables, confusion matrix)", () => {
    const report = afterRunAll();
    expect(report.cells["display-api"]!.svgs).toBe(1);
    expect(report.cells["display-api"]!.tables).toBe(1);
    expect(report.cells["tensor-image"]!.pngs).toEqual([{ width: 64, height: 64, complete: true }]);
    expect(report.cells["records"]!.tables).toBe(1);
    // The confusion bundle also carries text/html, which classic Notebook prefers over SVG.
    expect(report.cells["confusion"]!.tables).toBe(1);
    expect(report.cells["confusion"]!.text).toMatch(/accuracy [\d.]+% \(\d+\/480\)\s+actual \\ predicted\s+circle\s+square\s+triangle/);
  });

  it("saves the notebook from the page with the final chart in it", async () => {
    await page.evaluate(saveNotebook);
    const saved = readNotebook(join(sandbox.workDir, NOTEBOOK));
    const train = outputsOf(cellById(saved, "train"));
    expect(train.displays).toHaveLength(1);
    expect(mimeText(train.displays[0], "image/svg+xml")).toMatch(/^<svg/);
    expect(mimeText(train.displays[0], "text/plain")).toMatch(/LeNet-5 on synthetic shapes \(batch 96\): loss=/); // 360 training images / 32 = 12 batches x 8 epochs: the final chart
    expect(outputsOf(cellById(saved, "feature-maps")).resultData?.["image/png"]).toBeDefined();
  }, 60_000);
});
