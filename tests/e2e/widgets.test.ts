/**
 * Jupyter widgets from a tensorcell kernel in a real browser: the JupyterLab
 * output page (lab-page/, with its widget manager over the kernel's comms) in
 * headless Chromium through Debian's jupyter-server. The test moves controls
 * the way a user does (keyboard on the slider handle, choosing in the
 * <select>) and checks the kernel callback ran (its output appears in the
 * Output widget; a cell reads the value it saw) and that viz.explore's
 * picture changed (different PNG bytes). Screenshot: tests/artifacts/jupyterlab-widgets.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./jupyter-harness.js";
import { openLabSession, type LabSession } from "./lab-session.js";

const ARTIFACTS = join(REPO_ROOT, "tests", "artifacts");
let lab: LabSession;

beforeAll(async () => {
  lab = await openLabSession("widgets");
}, 240_000);

afterAll(async () => {
  if (lab) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await lab.page.screenshot({ path: join(ARTIFACTS, "jupyterlab-widgets.png"), fullPage: true }).catch(() => undefined);
    await lab.close();
  }
}, 60_000);

/** The bytes of the image an <img> in area `id` shows (its blob: URL fetched in the page), as hex. */
function shownImage(id: string): Promise<string> {
  return lab.page.evaluate(async (cellId) => {
    const img = document.querySelector<HTMLImageElement>(`[data-area="${cellId}"] img`);
    if (!img?.src) return "";
    const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }, id);
}

declare const document: { querySelector<T>(selector: string): T | null };
declare const window: unknown;
type LabWindow = { tensorcellLab: import("./lab-page/protocol.js").LabPage };
type HTMLImageElement = { src: string };

describe("widgets in JupyterLab's output area (headless Chromium)", () => {
  it("connects to a tensorcell kernel through jupyter-server", async () => {
    expect(await lab.ready(150_000)).toBe("tensorcell");
  }, 180_000);

  it("runs the kernel callback when the slider is moved in the page; its output goes into the Output widget", async () => {
    const ran = await lab.run("slider", `
      const out = widgets.output();
      const s = widgets.slider({ min: 0, max: 10, value: 2, description: "k" });
      let lastSeen = -1;
      s.onChange(out.capture((v) => { lastSeen = v; console.log(\`callback saw \${v}\`); }));
      widgets.vbox([s, out])`);
    expect(ran.status).toBe("ok");
    const handle = lab.page.locator('[data-area="slider"] .widget-slider .noUi-handle');
    await handle.waitFor({ timeout: 60_000 });
    await expect.poll(() => lab.page.locator('[data-area="slider"] .widget-readout').innerText(), { timeout: 30_000 }).toBe("2");
    await handle.focus();
    await lab.page.keyboard.press("ArrowRight");
    await lab.page.locator('[data-area="slider"] .widget-output', { hasText: "callback saw 3" }).waitFor({ timeout: 30_000 });
    const read = await lab.run("slider-read", "JSON.stringify([lastSeen, s.value])");
    expect(read.status).toBe("ok");
    expect((await lab.report("slider-read")).text).toContain("[3,3]");
    // The callback's output went into the widget, not into the cell's own output (one child: the widget).
    expect(await lab.page.locator('[data-area="slider"] > .jp-OutputArea-child').count()).toBe(1);
    expect((await lab.report("slider")).text.match(/callback saw/g)).toHaveLength(1);
  }, 120_000);

  it("gives a page opened later every widget's state (jupyter.widget.control's request_states)", async () => {
    expect((await lab.run("slider-id", "s.modelId")).status).toBe("ok");
    const modelId = /'([0-9a-f-]+)'/.exec((await lab.report("slider-id")).text)?.[1] ?? "";
    expect(modelId).not.toBe("");
    const later = await lab.page.context().newPage();
    later.on("pageerror", (error) => lab.problems.push(`later page: ${error.message}`));
    try {
      await later.goto(lab.page.url(), { waitUntil: "load", timeout: 60_000 });
      await lab.within(later.evaluate(() => (window as unknown as LabWindow).tensorcellLab.ready), 60_000, "the later page's session");
      expect(await later.evaluate(() => (window as unknown as LabWindow).tensorcellLab.restoreWidgets())).toEqual({ viaControlComm: true });
      await later.evaluate((id) => (window as unknown as LabWindow).tensorcellLab.showWidget("restored", id), modelId);
      // The slider as the kernel has it now (moved to 3 above), with its description.
      await expect.poll(() => later.locator('[data-area="restored"] .widget-readout').innerText(), { timeout: 30_000 }).toBe("3");
      expect(await later.locator('[data-area="restored"] .widget-label').first().innerText()).toBe("k");
    } finally {
      await later.close();
    }
  }, 120_000);

  it("redraws viz.explore's picture when the channel slider or the layer dropdown changes", async () => {
    const ran = await lab.run("explore", `
      seed(1);
      const net = tf.sequential({ layers: [
        tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, name: "c1" }),
        tf.layers.conv2d({ filters: 6, kernelSize: 3, name: "c2" }),
        tf.layers.flatten(), tf.layers.dense({ units: 2 }),
      ] });
      const ex = viz.explore(net, tf.randomUniform([16, 16, 3]));
      ex`);
    expect(ran.status).toBe("ok");
    await lab.page.locator('[data-area="explore"] img').waitFor({ timeout: 60_000 });
    const first = await shownImage("explore");
    expect(first.slice(2, 8)).toBe("504e47"); // "PNG"
    await lab.page.locator('[data-area="explore"] .noUi-handle').focus();
    await lab.page.keyboard.press("ArrowRight");
    await expect.poll(() => shownImage("explore"), { timeout: 30_000 }).not.toBe(first);
    const second = await shownImage("explore");
    await lab.page.locator('[data-area="explore"] select').selectOption("c1");
    await expect.poll(() => shownImage("explore"), { timeout: 30_000 }).not.toBe(second);
    expect((await lab.run("explore-read", "JSON.stringify([ex.layer.value, ex.channel.value])")).status).toBe("ok");
    expect((await lab.report("explore-read")).text).toContain('["c1",1]');
  }, 120_000);

  it("reported no page errors", () => {
    expect(lab.problems).toEqual([]);
  });
});
