/**
 * A small browser page built from JupyterLab 4's own output stack: cells run on a
 * tensorcell kernel through jupyter-server (@jupyterlab/services), and their
 * outputs go into @jupyterlab/outputarea OutputArea widgets rendered by
 * @jupyterlab/rendermime's standard renderers plus the Vega 5 renderer of
 * @jupyterlab/vega5-extension, as in JupyterLab, and Jupyter widgets through
 * a widget manager over the kernel's comms (widgets.ts). Bundled by build.ts; driven by
 * tests/e2e/jupyterlab-outputs.test.ts through `window.tensorcellLab`.
 *
 * The page is served (by the test, through Playwright) on jupyter-server's own
 * origin, so REST and WebSocket calls are same-origin; the token comes from
 * the page's query string (`?token=`).
 */
import { KernelManager, ServerConnection, SessionManager, type Kernel, type KernelMessage, type Session } from "@jupyterlab/services";
import { OutputArea, OutputAreaModel } from "@jupyterlab/outputarea";
import { RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import vega5Extension from "@jupyterlab/vega5-extension";
import { Widget } from "@lumino/widgets";
import "@jupyterlab/outputarea/style/index.css";
import "@jupyterlab/vega5-extension/style/index.css";
import type { AreaReport, CellRun, LabPage, VegaRender } from "./protocol.js";
import { KernelWidgetManager } from "./widgets.js";

/** Every Vega renderModel call the page saw, in order. */
const vegaRenders: VegaRender[] = [];
let rendererCount = 0;

/**
 * The vega5 renderer factory, unchanged except that each renderer records its
 * renderModel calls (which renderer, whether the model came from the kernel, the
 * number of data rows, when it settled).
 */
function countingVegaFactory(factory: IRenderMime.IRendererFactory): IRenderMime.IRendererFactory {
  return {
    ...factory,
    createRenderer(options) {
      const renderer = factory.createRenderer(options);
      const rendererId = ++rendererCount;
      renderer.node.dataset.tcRenderer = String(rendererId);
      const renderModel = renderer.renderModel.bind(renderer);
      renderer.renderModel = async (model) => {
        const spec = model.data[options.mimeType] as { data?: { values?: unknown[] } } | undefined;
        const record: VegaRender = {
          renderer: rendererId,
          // The renderer adds a PNG of the chart to the model after drawing it, which
          // makes the output area call renderModel again; kernel bundles carry none.
          fromKernel: model.data["image/png"] === undefined,
          rows: spec?.data?.values?.length ?? -1,
          settled: false,
          error: null,
        };
        vegaRenders.push(record);
        try {
          await renderModel(model);
        } catch (error) {
          record.error = String(error);
          throw error;
        } finally {
          record.settled = true;
        }
      };
      return renderer;
    },
  };
}

const vegaExtension = vega5Extension as IRenderMime.IExtension;
const rendermime = new RenderMimeRegistry({
  initialFactories: [...standardRendererFactories, { ...countingVegaFactory(vegaExtension.rendererFactory), defaultRank: vegaExtension.rank }],
});

const token = new URLSearchParams(location.search).get("token") ?? "";
const serverSettings = ServerConnection.makeSettings({
  baseUrl: `${location.origin}/`,
  wsUrl: `${location.origin.replace(/^http/, "ws")}/`,
  token,
  appendToken: true,
});
const kernelManager = new KernelManager({ serverSettings });
const sessionManager = new SessionManager({ kernelManager, serverSettings });
let session: Session.ISessionConnection | undefined;
let widgetManager: KernelWidgetManager | undefined;

/** iopub messages of each request, by the request's msg_id. */
const iopubByParent = new Map<string, KernelMessage.IIOPubMessage[]>();

function connect(): Promise<string> {
  return (async () => {
    await sessionManager.ready;
    session = await sessionManager.startNew({ path: "lab-outputs.ipynb", type: "notebook", name: "lab-outputs.ipynb", kernel: { name: "tensorcell" } });
    const kernel = session.kernel!;
    // Jupyter widgets: models from the kernel's comms, views through the widget-view renderer.
    widgetManager = new KernelWidgetManager(kernel, rendermime);
    kernel.iopubMessage.connect((_sender: Kernel.IKernelConnection, message: KernelMessage.IIOPubMessage) => {
      const parent = (message.parent_header as Partial<KernelMessage.IHeader>).msg_id;
      if (!parent) return;
      const list = iopubByParent.get(parent) ?? [];
      list.push(message);
      iopubByParent.set(parent, list);
    });
    await kernel.info;
    return kernel.name;
  })();
}

/** Width and height from a base64 PNG's IHDR chunk. */
function pngSize(base64: string): { width: number; height: number } {
  const bytes = Uint8Array.from(atob(base64.slice(0, 64)), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Runs `code` into a new OutputArea under a heading named `id`; resolves with the reply and what the kernel sent. */
async function run(id: string, code: string): Promise<CellRun> {
  const kernel = session?.kernel;
  if (!kernel) throw new Error("the page has no kernel (call ready first)");
  const section = document.createElement("section");
  section.dataset.cell = id;
  const heading = document.createElement("pre");
  heading.className = "tc-code";
  heading.textContent = code;
  section.append(heading);
  document.getElementById("cells")!.append(section);
  const area = new OutputArea({ model: new OutputAreaModel({ trusted: true }), rendermime });
  area.node.dataset.area = id;
  Widget.attach(area, section);
  const future = kernel.requestExecute({ code, stop_on_error: true, allow_stdin: true });
  area.future = future;
  const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
  const iopub = iopubByParent.get(future.msg.header.msg_id) ?? [];
  const counts: Record<string, number> = {};
  for (const message of iopub) counts[message.header.msg_type] = (counts[message.header.msg_type] ?? 0) + 1;
  const pngs: { width: number; height: number }[] = [];
  let lastVegaRows = -1;
  for (const message of iopub) {
    const data = (message.content as { data?: Record<string, unknown> }).data;
    if (typeof data?.["image/png"] === "string") pngs.push(pngSize(data["image/png"]));
    const spec = data?.["application/vnd.vegalite.v5+json"] as { data?: { values?: unknown[] } } | undefined;
    if (spec) lastVegaRows = spec.data?.values?.length ?? -1;
  }
  const content = reply.content as KernelMessage.IExecuteReplyMsg["content"] & { ename?: string };
  return { status: content.status, executionCount: content.execution_count, ename: content.ename ?? null, counts, pngs, lastVegaRows, outputs: area.model.length };
}

/** Pixels of a canvas that are neither transparent nor white. */
function inkedPixels(canvas: HTMLCanvasElement): number {
  const context = canvas.getContext("2d");
  if (!context || canvas.width === 0 || canvas.height === 0) return 0;
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3]! > 0 && (pixels[i]! < 250 || pixels[i + 1]! < 250 || pixels[i + 2]! < 250)) inked++;
  }
  return inked;
}

/** Reads what the output area of cell `id` shows. */
async function report(id: string): Promise<AreaReport> {
  const area = document.querySelector<HTMLElement>(`[data-area="${id}"]`);
  if (!area) throw new Error(`no output area for cell "${id}"`);
  const all = <T extends Element>(selector: string) => Array.from(area.querySelectorAll<T>(selector));
  const images = all<HTMLImageElement>("img");
  await Promise.all(images.map((img) => img.decode()));
  return {
    text: area.innerText,
    outputs: all<HTMLElement>(".jp-OutputArea-output").map((node) => ({
      mimeType: node.dataset.mimeType ?? "",
      className: node.className,
      text: node.innerText,
    })),
    vega: {
      renderers: all<HTMLElement>(".jp-RenderedVegaLite").map((node) => Number(node.dataset.tcRenderer)),
      canvases: all<HTMLCanvasElement>(".jp-RenderedVegaLite canvas").map((c) => ({ width: c.width, height: c.height, inked: inkedPixels(c) })),
      svgs: all(".jp-RenderedVegaLite svg:not(.vega-embed details svg)").length,
      embedActions: all(".jp-RenderedVegaLite .vega-embed details").length,
    },
    images: images.map((img) => ({ naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, mime: /^data:([^;,]+)/.exec(img.src)?.[1] ?? img.src.slice(0, 40) })),
    tables: all<HTMLTableElement>("table").map((table) => ({
      header: Array.from(table.querySelectorAll("thead th"), (th) => (th.textContent ?? "").trim()),
      rows: table.querySelectorAll("tbody tr").length,
    })),
    ansi: all<HTMLSpanElement>("span[class*='ansi-']").map((span) => ({ className: span.className, text: span.textContent ?? "" })),
    stdinBoxes: all(".jp-Stdin-input").length,
  };
}

/** A new output area `id` showing the widget view of `modelId` (as a saved notebook's output would). */
function showWidget(id: string, modelId: string): void {
  const section = document.createElement("section");
  section.dataset.cell = id;
  document.getElementById("cells")!.append(section);
  const area = new OutputArea({ model: new OutputAreaModel({ trusted: true }), rendermime });
  area.node.dataset.area = id;
  Widget.attach(area, section);
  area.model.add({ output_type: "display_data", data: { "application/vnd.jupyter.widget-view+json": { model_id: modelId, version_major: 2, version_minor: 0 } }, metadata: {} });
}

const page: LabPage = {
  ready: connect(),
  run,
  report,
  vegaRenders: () => vegaRenders.map((r) => ({ ...r })),
  restoreWidgets: async () => {
    if (!widgetManager) throw new Error("the page has no kernel (call ready first)");
    await widgetManager.restoreFromKernel();
    return { viaControlComm: !widgetManager.usedFallback };
  },
  showWidget,
  shutdown: async () => {
    await session?.shutdown();
  },
};
(window as unknown as { tensorcellLab: LabPage }).tensorcellLab = page;
