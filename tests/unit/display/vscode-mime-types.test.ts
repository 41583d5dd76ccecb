/**
 * Which of tensorcell's mime types VS Code shows, for each kind of output, with
 * its built-in renderers only and with the Jupyter extension's renderers; what
 * it falls back to otherwise. The bundles are the library's own (display.*,
 * mimeBundle, viz); VS Code's choice is modelled from its documented sources
 * (microsoft/vscode, main branch):
 *
 * - Built-in renderers: extensions/notebook-renderers/package.json
 *   ("vscode.builtin-renderer": image/gif, image/png, image/jpeg, image/svg+xml,
 *   text/html, application/javascript, application/vnd.code.notebook.error,
 *   application/vnd.code.notebook.stdout / .stderr, application/x.notebook.*,
 *   text/plain) and extensions/markdown-language-features/package.json
 *   ("vscode.markdown-it-renderer": text/markdown, text/latex, text/x-<language>).
 *   No built-in renderer takes application/json or any Vega / Vega-Lite type.
 * - Order: src/vs/workbench/contrib/notebook/common/notebookCommon.ts,
 *   NOTEBOOK_DISPLAY_ORDER (application/json, application/javascript, text/html,
 *   image/svg+xml, text/latex, text/markdown, image/png, image/jpeg, text/plain)
 *   and MimeTypeDisplayOrder.sort, which puts types missing from that list first
 *   (their index is -1); types no installed renderer takes then go last, and the
 *   output shows the first one (the others are a click away).
 * - Streams and errors: extensions/ipynb/src/deserializers.ts turns stdout/stderr
 *   into application/vnd.code.notebook.stdout/stderr and an error into
 *   application/vnd.code.notebook.error whose stack is the traceback joined by
 *   newlines (its ANSI colours are rendered by the built-in renderer).
 * - Vega 2-5 and Vega-Lite 1-5 are rendered by the "Jupyter Notebook Renderers"
 *   extension (ms-toolsai.jupyter-renderers, installed with the Jupyter
 *   extension): README of microsoft/vscode-notebook-renderers.
 */
import * as tf from "@tensorflow/tfjs";
import jpeg from "jpeg-js";
import { describe, expect, it } from "vitest";
import { reportError, CellSources } from "../../../kernel/executor/errors.js";
import { display, mimeBundle, pngEncode, type MimeBundle } from "../../../lib/display/index.js";
import { LiveCurves } from "../../../lib/viz/curves.js";
import { viz } from "../../../lib/viz/index.js";
import { recordDisplays } from "./fake-host.js";

/** VS Code's built-in notebook renderers' mime types (see the file comment). */
const VSCODE_BUILTIN_MIMES = [
  "image/gif", "image/png", "image/jpeg", "image/svg+xml", "text/html", "application/javascript",
  "application/vnd.code.notebook.error", "application/vnd.code.notebook.stdout", "application/vnd.code.notebook.stderr",
  "application/x.notebook.stdout", "application/x.notebook.stream", "application/x.notebook.stderr", "text/plain",
  "text/markdown", "text/latex",
];
/** Added by the Jupyter Notebook Renderers extension (ms-toolsai.jupyter-renderers), as far as tensorcell uses them. */
const JUPYTER_RENDERERS_MIMES = [
  "application/vnd.vega.v5+json", "application/vnd.vegalite.v4+json", "application/vnd.vegalite.v5+json",
  "image/gif", "image/png", "image/jpeg", "image/svg+xml", "image/webp",
];
/** NOTEBOOK_DISPLAY_ORDER of VS Code (notebookCommon.ts). */
const NOTEBOOK_DISPLAY_ORDER = [
  "application/json", "application/javascript", "text/html", "image/svg+xml", "text/latex", "text/markdown", "image/png", "image/jpeg", "text/plain",
];

/** What VS Code offers for an output: the shown mime type first, then the others it can switch to, then those it cannot render. */
function vscodeChoice(mimes: string[], withJupyterRenderers: boolean): { shown: string | undefined; order: string[] } {
  const renderable = new Set([...VSCODE_BUILTIN_MIMES, ...(withJupyterRenderers ? JUPYTER_RENDERERS_MIMES : [])]);
  // MimeTypeDisplayOrder.sort with no user order: by index in the default order, -1 (missing) first; Array.sort is stable.
  const sorted = [...mimes].sort((a, b) => NOTEBOOK_DISPLAY_ORDER.indexOf(a) - NOTEBOOK_DISPLAY_ORDER.indexOf(b));
  const order = [...sorted.filter((m) => renderable.has(m)), ...sorted.filter((m) => !renderable.has(m))];
  return { shown: order.find((m) => renderable.has(m)), order };
}

/** Mime types of a display_data / execute_result bundle. */
const mimesOf = (bundle: MimeBundle) => Object.keys(bundle);

/** The bundle display(x) / a cell's last value gets. */
async function bundleOf(value: unknown): Promise<MimeBundle> {
  const bundle = await mimeBundle(value);
  if (!bundle) throw new Error("no bundle");
  return bundle.data;
}

/** The bundle a display.* call publishes. */
function published(show: () => unknown): MimeBundle {
  const messages = recordDisplays();
  show();
  const first = messages[0];
  if (!first || first.type === "clear_output") throw new Error("nothing was displayed");
  return first.data;
}

const png = pngEncode(new Uint8Array([0, 64, 128, 255]), 2, 2, 1);
const jpg = new Uint8Array(jpeg.encode({ width: 1, height: 1, data: Buffer.from([0, 0, 255, 255]) }, 90).data);
const chartSpec = { data: { values: [{ step: 1, loss: 1 }, { step: 2, loss: 0.5 }] }, mark: "line", encoding: { x: { field: "step", type: "quantitative" }, y: { field: "loss", type: "quantitative" } } };

/** Each kind of output tensorcell emits: its bundle, and what VS Code shows (built-in / with the Jupyter renderers). */
const KINDS: { kind: string; bundle: () => Promise<MimeBundle> | MimeBundle; mimes: string[]; builtin: string; withJupyter: string }[] = [
  { kind: "display.markdown", bundle: () => published(() => display.markdown("*a*")), mimes: ["text/markdown", "text/plain"], builtin: "text/markdown", withJupyter: "text/markdown" },
  { kind: "display.html", bundle: () => published(() => display.html("<b>a</b>")), mimes: ["text/html", "text/plain"], builtin: "text/html", withJupyter: "text/html" },
  { kind: "display.latex", bundle: () => published(() => display.latex("$x^2$")), mimes: ["text/latex", "text/plain"], builtin: "text/latex", withJupyter: "text/latex" },
  { kind: "display.svg", bundle: () => published(() => display.svg("<svg/>")), mimes: ["image/svg+xml", "text/plain"], builtin: "image/svg+xml", withJupyter: "image/svg+xml" },
  { kind: "display.png", bundle: () => published(() => display.png(png)), mimes: ["image/png", "text/plain"], builtin: "image/png", withJupyter: "image/png" },
  { kind: "display.jpeg", bundle: () => published(() => display.jpeg(jpg)), mimes: ["image/jpeg", "text/plain"], builtin: "image/jpeg", withJupyter: "image/jpeg" },
  // No VS Code renderer takes application/json: the text form shows.
  { kind: "display.json", bundle: () => published(() => display.json({ lr: 0.01 })), mimes: ["application/json", "text/plain"], builtin: "text/plain", withJupyter: "text/plain" },
  { kind: "display.text", bundle: () => published(() => display.text("a")), mimes: ["text/plain"], builtin: "text/plain", withJupyter: "text/plain" },
  // Charts: the SVG tensorcell draws in the kernel shows without the Jupyter renderers; with them, the interactive Vega-Lite chart.
  { kind: "display.vegalite", bundle: () => published(() => display.vegalite(chartSpec)), mimes: ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"], builtin: "image/svg+xml", withJupyter: "application/vnd.vegalite.v5+json" },
  {
    kind: "viz.liveCurves chart",
    bundle: () => {
      const messages = recordDisplays();
      let now = 0;
      const curves = new LiveCurves({ clock: () => now });
      for (let step = 1; step <= 20; step++) { now += 100; curves.log(step, { loss: 1 / step }); }
      curves.done();
      const last = messages.at(-1);
      if (!last || last.type === "clear_output") throw new Error("no chart");
      return last.data;
    },
    mimes: ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain"], builtin: "image/svg+xml", withJupyter: "application/vnd.vegalite.v5+json",
  },
  // Its HTML table outranks the SVG in VS Code's order; with the Jupyter renderers the Vega-Lite heat map wins.
  {
    kind: "viz.confusionMatrix",
    bundle: () => bundleOf(viz.confusionMatrix([0, 1, 1], [0, 1, 0], { classNames: ["a", "b"] })),
    mimes: ["application/vnd.vegalite.v5+json", "image/svg+xml", "text/plain", "text/html"], builtin: "text/html", withJupyter: "application/vnd.vegalite.v5+json",
  },
  { kind: "tensor (small matrix)", bundle: () => bundleOf(tf.tensor2d([[1, 2], [3, 4]])), mimes: ["text/plain", "text/html"], builtin: "text/html", withJupyter: "text/html" },
  { kind: "tensor (image-like)", bundle: () => bundleOf(tf.zeros([16, 16, 3])), mimes: ["text/plain", "image/png"], builtin: "image/png", withJupyter: "image/png" },
  { kind: "tensor (rank 3, not an image)", bundle: () => bundleOf(tf.zeros([2, 3, 4])), mimes: ["text/plain"], builtin: "text/plain", withJupyter: "text/plain" },
  {
    kind: "model summary",
    bundle: () => bundleOf(tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] })),
    mimes: ["text/html", "text/plain"], builtin: "text/html", withJupyter: "text/html",
  },
  { kind: "array of records", bundle: () => bundleOf([{ run: "a", acc: 0.9 }]), mimes: ["text/html", "text/plain"], builtin: "text/html", withJupyter: "text/html" },
  { kind: "PNG bytes (Uint8Array)", bundle: () => bundleOf(png), mimes: ["image/png", "text/plain"], builtin: "image/png", withJupyter: "image/png" },
  { kind: "JPEG bytes (Uint8Array)", bundle: () => bundleOf(jpg), mimes: ["image/jpeg", "text/plain"], builtin: "image/jpeg", withJupyter: "image/jpeg" },
  { kind: "any other value", bundle: () => bundleOf({ epochs: 3 }), mimes: ["text/plain"], builtin: "text/plain", withJupyter: "text/plain" },
];

describe("tensorcell's mime bundles in VS Code's notebook renderers", () => {
  for (const { kind, bundle, mimes, builtin, withJupyter } of KINDS) {
    it(`${kind}: VS Code shows ${builtin}${withJupyter !== builtin ? ` (${withJupyter} with the Jupyter renderers)` : ""}`, async () => {
      const data = await bundle();
      expect(mimesOf(data).sort()).toEqual([...mimes].sort());
      // Every bundle has a text/plain form, VS Code's last resort.
      expect(typeof data["text/plain"]).toBe("string");
      expect(vscodeChoice(mimesOf(data), false).shown).toBe(builtin);
      expect(vscodeChoice(mimesOf(data), true).shown).toBe(withJupyter);
    });
  }

  it("without the Jupyter renderers a chart's Vega-Lite spec is offered last, after the SVG and the text it falls back to", async () => {
    const data = published(() => display.vegalite(chartSpec));
    expect(vscodeChoice(mimesOf(data), false).order).toEqual(["image/svg+xml", "text/plain", "application/vnd.vegalite.v5+json"]);
    expect(String(data["image/svg+xml"])).toMatch(/^<svg/);
  });

  it("an error becomes VS Code's notebook error item: name, message and the traceback (with its ANSI colours) as the stack", () => {
    const report = reportError(new RangeError("learning rate must be positive"), new CellSources(), "/nonexistent-kernel-dir");
    // extensions/ipynb/src/deserializers.ts, translateErrorOutput
    const item = { mime: "application/vnd.code.notebook.error", name: report.ename, message: report.evalue, stack: report.traceback.join("\n") };
    expect(VSCODE_BUILTIN_MIMES).toContain(item.mime);
    expect(item.name).toBe("RangeError");
    expect(item.message).toBe("learning rate must be positive");
    expect(item.stack.split("\n")[0]).toBe("\u001b[31mRangeError\u001b[0m: learning rate must be positive");
  });

  it("stdout and stderr streams map to VS Code's built-in stream items", () => {
    for (const name of ["stdout", "stderr"]) expect(VSCODE_BUILTIN_MIMES).toContain(`application/vnd.code.notebook.${name}`);
  });
});
