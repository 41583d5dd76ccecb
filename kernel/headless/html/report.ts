/**
 * `tensorcell run --html`: one self-contained HTML file for an executed
 * notebook. Images are inline data URLs, Vega-Lite charts are inline SVG
 * (rendered here) that become interactive views when JavaScript runs, using
 * vega/vega-lite builds inlined from node_modules. No network at read time.
 */
import { cellSource, stripAnsi, type Notebook, type NotebookCell, type NotebookOutput } from "../notebook.js";
import { escapeHtml, markdownToHtml } from "./markdown.js";
import { interactiveRuntime, VEGALITE_MIME, vegaLiteToSvg } from "./vega.js";

/** Options of renderHtmlReport. */
export interface HtmlReportOptions {
  /** Page title (default: "notebook"). */
  title?: string;
  /** Inline the vega builds so charts are interactive with JavaScript on (default true). */
  interactive?: boolean;
}

const STYLE = `
body { font: 14px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
.cell { margin: 1rem 0; }
.code .source { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 4px; padding: .5rem; }
.prompt { color: #888; font: 12px monospace; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font: 13px/1.4 ui-monospace, monospace; }
.output { padding: .25rem .5rem; border-left: 3px solid #ddd; margin-top: .25rem; overflow-x: auto; }
.stderr { background: #fff5f5; }
.error { background: #fdecea; border-left-color: #d33; }
.env { font-size: 12px; color: #555; border: 1px solid #eee; padding: .5rem; }
img { max-width: 100%; }`;

/** Escapes JSON for a <script type="application/json"> block. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function text(value: unknown): string {
  return Array.isArray(value) ? value.join("") : String(value ?? "");
}

interface RenderState {
  charts: number;
}

async function renderBundle(data: Record<string, unknown>, state: RenderState): Promise<string> {
  const vegaMime = Object.keys(data).find((mime) => VEGALITE_MIME.test(mime));
  if (vegaMime) {
    const spec = data[vegaMime] as Record<string, unknown>;
    const id = `vl-spec-${state.charts++}`;
    let svg: string;
    try {
      svg = await vegaLiteToSvg(spec);
    } catch (error) {
      svg = `<pre>${escapeHtml(text(data["text/plain"]))}</pre><p class="prompt">(chart could not be drawn: ${escapeHtml((error as Error).message)})</p>`;
    }
    return `<div class="chart" data-vegalite="${id}">${svg}</div><script type="application/json" id="${id}">${scriptJson(spec)}</script>`;
  }
  if (data["image/svg+xml"] !== undefined) return `<div>${text(data["image/svg+xml"])}</div>`;
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    if (data[mime] !== undefined) return `<img src="data:${mime};base64,${text(data[mime]).replace(/\s/g, "")}" alt="">`;
  }
  if (data["text/html"] !== undefined) return `<div>${text(data["text/html"])}</div>`; // the notebook's own HTML output, shown as the notebook would
  if (data["text/markdown"] !== undefined) return markdownToHtml(text(data["text/markdown"]));
  if (data["application/json"] !== undefined) return `<pre>${escapeHtml(JSON.stringify(data["application/json"], null, 2))}</pre>`;
  return `<pre>${escapeHtml(text(data["text/plain"]))}</pre>`;
}

async function renderOutput(output: NotebookOutput, state: RenderState): Promise<string> {
  switch (output.output_type) {
    case "stream":
      return `<div class="output ${output.name}"><pre>${escapeHtml(text(output.text))}</pre></div>`;
    case "error": {
      const traceback = output.traceback.length ? output.traceback.map(stripAnsi).join("\n") : `${output.ename}: ${output.evalue}`;
      return `<div class="output error"><pre>${escapeHtml(traceback)}</pre></div>`;
    }
    default:
      return `<div class="output">${await renderBundle(output.data, state)}</div>`;
  }
}

function elapsed(cell: NotebookCell): string {
  const timing = cell.metadata.execution as Record<string, string> | undefined;
  const start = Date.parse(timing?.["iopub.execute_input"] ?? timing?.["iopub.status.busy"] ?? "");
  const end = Date.parse(timing?.["shell.execute_reply"] ?? timing?.["iopub.status.idle"] ?? "");
  return Number.isFinite(start) && Number.isFinite(end) ? ` · ${((end - start) / 1000).toFixed(2)} s` : "";
}

async function renderCell(cell: NotebookCell, state: RenderState): Promise<string> {
  const source = cellSource(cell);
  if (cell.cell_type === "markdown") return `<section class="cell markdown">${markdownToHtml(source)}</section>`;
  if (cell.cell_type === "raw") return `<section class="cell raw"><pre>${escapeHtml(source)}</pre></section>`;
  const outputs: string[] = [];
  for (const output of cell.outputs ?? []) outputs.push(await renderOutput(output, state));
  const prompt = `In [${cell.execution_count ?? " "}]${elapsed(cell)}`;
  return `<section class="cell code"><div class="prompt">${escapeHtml(prompt)}</div><div class="source"><pre><code>${escapeHtml(source)}</code></pre></div>${outputs.join("")}</section>`;
}

function environmentSummary(notebook: Notebook): string {
  const meta = notebook.metadata.tensorcell as { run?: Record<string, unknown>; environment?: Record<string, unknown> } | undefined;
  if (!meta) return "";
  const env = meta.environment as
    | { tensorcell?: { version?: string }; node?: string; backend?: { name?: string; version?: string }; os?: { platform?: string; arch?: string; cpuModel?: string } }
    | undefined;
  const parts = [
    meta.run?.status !== undefined ? `status ${String(meta.run.status)}` : "",
    meta.run?.seed !== undefined && meta.run.seed !== null ? `seed ${String(meta.run.seed)}` : "",
    env?.tensorcell?.version ? `tensorcell ${env.tensorcell.version}` : "",
    env?.node ? `Node ${env.node}` : "",
    env?.backend?.name ? `backend ${env.backend.name} ${env.backend.version ?? ""}` : "",
    env?.os ? `${env.os.platform}/${env.os.arch} ${env.os.cpuModel ?? ""}` : "",
    meta.run?.finishedAt ? `finished ${String(meta.run.finishedAt)}` : "",
  ].filter(Boolean);
  return parts.length ? `<div class="env">${escapeHtml(parts.join(" · "))}</div>` : "";
}

/** Renders an executed notebook as one self-contained HTML page. */
export async function renderHtmlReport(notebook: Notebook, options: HtmlReportOptions = {}): Promise<string> {
  const state: RenderState = { charts: 0 };
  const cells: string[] = [];
  for (const cell of notebook.cells) cells.push(await renderCell(cell, state));
  const runtime = state.charts > 0 && options.interactive !== false ? interactiveRuntime() : undefined;
  const title = escapeHtml(options.title ?? "notebook");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tensorcell run --html">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<h1 class="prompt">${title}</h1>
${environmentSummary(notebook)}
${cells.join("\n")}
${runtime ?? ""}
</body>
</html>
`;
}
