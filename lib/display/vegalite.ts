/**
 * Vega-Lite bundles: the spec as `application/vnd.vegalite.v5+json`, plus an SVG
 * rendered here with vega's headless scenegraph (no browser, no canvas) so the
 * chart shows in frontends without a Vega renderer (classic Notebook, GitHub,
 * nbconvert), plus text/plain.
 */
import * as vega from "vega";
import { compile } from "vega-lite";
import type { MimeBundle } from "./host.js";

/** The mime type JupyterLab and VS Code render with Vega-Lite 5. */
export const VEGALITE_MIME = "application/vnd.vegalite.v5+json";
/** The schema URL added to specs that lack one. */
export const VEGALITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** A Vega-Lite spec (top-level JSON object). */
export type VegaLiteSpec = Record<string, unknown>;

/** True for objects whose `$schema` names Vega-Lite. */
export function isVegaLiteSpec(value: unknown): value is VegaLiteSpec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const schema = (value as { $schema?: unknown }).$schema;
  return typeof schema === "string" && schema.includes("vega-lite");
}

/** The parts of a vega View and its headless SVG renderer used here, typed locally. */
interface HeadlessViewInternals {
  _viewWidth: number;
  _viewHeight: number;
  _origin: [number, number];
  padding(): { left: number; right: number; top: number; bottom: number };
  scenegraph(): { root: unknown };
}
interface SvgStringRenderer {
  initialize(element: null, width: number, height: number, origin: [number, number]): SvgStringRenderer;
  background(color: unknown): SvgStringRenderer;
  render(scene: unknown): SvgStringRenderer;
  svg(): string | null;
}
type SvgStringRendererClass = new (loader: unknown) => SvgStringRenderer;

/** Options of {@link renderVegaLiteSvg} and {@link vegaLiteBundle}. */
export interface VegaLiteRenderOptions {
  /**
   * Keep the compiled vega View and reuse it for later specs that differ only in their
   * top-level inline rows (`data: { values: [...] }`): compiling, parsing and building the
   * dataflow are skipped and only the rows are swapped in. The SVG is the same as a fresh
   * render's. Meant for charts redrawn many times (live training curves); the views of the
   * {@link MAX_REUSED_VIEWS} most recently used chart layouts are kept.
   */
  reuseView?: boolean;
}

/** How many compiled views `reuseView` keeps (least recently used ones are finalized). */
export const MAX_REUSED_VIEWS = 4;

/** Name given to the top-level inline data when a spec is compiled for reuse. */
const REUSED_DATA_NAME = "tensorcell_rows";

/** Compiled views by chart layout (the spec without its rows, as JSON); Map order is recency. */
const reusedViews = new Map<string, vega.View>();

/** True when any `data` in the spec loads from a URL (which cannot render synchronously, and not offline). */
function loadsUrlData(node: unknown): boolean {
  if (typeof node !== "object" || node === null) return false;
  if (Array.isArray(node)) return node.some(loadsUrlData);
  for (const [key, child] of Object.entries(node)) {
    if (key === "data" && typeof child === "object" && child !== null && "url" in child) return true;
    if (typeof child === "object" && loadsUrlData(child)) return true;
  }
  return false;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function compileToView(spec: VegaLiteSpec): vega.View {
  // vega-lite's TopLevelSpec type is a large union; callers checked the spec is an object.
  const vegaSpec = compile(spec as unknown as Parameters<typeof compile>[0]).spec;
  return new vega.View(vega.parse(vegaSpec), { renderer: "none" });
}

/** Draws a view that has run to an SVG string with vega's headless string renderer. */
function svgOfView(view: vega.View): string {
  // Sizes as vega-view's own headless renderer computes them (its width/height/offset
  // helpers read these fields); vega's typings do not declare them.
  const internals = view as unknown as HeadlessViewInternals;
  const padding = internals.padding();
  const width = Math.max(0, internals._viewWidth + padding.left + padding.right);
  const height = Math.max(0, internals._viewHeight + padding.top + padding.bottom);
  const origin: [number, number] = [padding.left + internals._origin[0], padding.top + internals._origin[1]];
  if (!Number.isFinite(width) || !Number.isFinite(height)) {
    throw new Error("vega's view size could not be read; the installed vega version is not supported by tensorcell's SVG renderer.");
  }
  const Renderer = (vega as unknown as { SVGStringRenderer: SvgStringRendererClass }).SVGStringRenderer;
  const renderer = new Renderer(view.loader()).initialize(null, width, height, origin).background(view.background());
  renderer.render(internals.scenegraph().root);
  const svg = renderer.svg();
  if (!svg) throw new Error("vega produced no SVG for this chart.");
  return svg;
}

/**
 * Renders with a kept view when the spec's only data is top-level rows of objects;
 * undefined when the spec has another shape (the caller renders it afresh).
 */
function renderWithReusedView(spec: VegaLiteSpec): string | undefined {
  const data = spec.data;
  if (!isRecord(data) || Object.keys(data).length !== 1 || !Array.isArray(data.values)) return undefined;
  const rows: unknown[] = data.values;
  if (!rows.every(isRecord)) return undefined;
  const layout = { ...spec, data: { name: REUSED_DATA_NAME } };
  const key = JSON.stringify(layout);
  let view = reusedViews.get(key);
  if (view) reusedViews.delete(key); // re-inserted below as the most recent
  else view = compileToView(layout);
  // vega tags each row it ingests (a symbol-keyed id); copies keep the caller's rows,
  // which also go out as the spec, untouched, and never shared between two views.
  const copies = (rows as Record<string, unknown>[]).map((row) => ({ ...row }));
  try {
    // view.run() is synchronous with inline data (see renderVegaLiteSvg). vega sizes an
    // autosized view only on its first run; resize() asks it to fit the new rows' axes too.
    view.data(REUSED_DATA_NAME, copies).resize().run();
    const svg = svgOfView(view);
    reusedViews.set(key, view);
    while (reusedViews.size > MAX_REUSED_VIEWS) {
      const [oldestKey, oldest] = reusedViews.entries().next().value as [string, vega.View];
      reusedViews.delete(oldestKey);
      oldest.finalize();
    }
    return svg;
  } catch (renderError) {
    view.finalize(); // a view that failed midway is not kept
    throw renderError;
  }
}

/**
 * Renders a Vega-Lite spec to an SVG string, synchronously, with inline data only.
 * Throws with vega-lite's message when the spec is invalid.
 */
export function renderVegaLiteSvg(spec: VegaLiteSpec, options: VegaLiteRenderOptions = {}): string {
  if (loadsUrlData(spec)) {
    throw new Error("This chart loads data from a URL; inline the data (data: { values: [...] }) to render it in the kernel.");
  }
  if (options.reuseView) {
    const svg = renderWithReusedView(spec);
    if (svg !== undefined) return svg;
  }
  const view = compileToView(spec);
  try {
    // view.toSVG() is async only because it awaits data loading; with inline data
    // view.run() completes synchronously, and rendering the scenegraph with the
    // headless SVG string renderer is what toSVG does afterwards. Rendering
    // synchronously keeps display() ordered and inside the cell that called it.
    view.run();
    return svgOfView(view);
  } finally {
    view.finalize();
  }
}

/** A one-line text/plain description of a Vega-Lite chart. */
export function describeVegaLite(spec: VegaLiteSpec): string {
  const title = spec.title;
  const titleText = typeof title === "string" ? title : typeof title === "object" && title !== null ? String((title as { text?: unknown }).text ?? "") : "";
  const data = spec.data as { values?: unknown } | undefined;
  const points = data && Array.isArray(data.values) ? `, ${data.values.length} data rows` : "";
  return `<Vega-Lite chart${titleText ? ` "${titleText}"` : ""}${points}>`;
}

/**
 * The full bundle of a Vega-Lite chart: spec, SVG and text/plain. Adds `$schema` when missing.
 * Throws when the spec does not compile (the message says what is wrong).
 */
export function vegaLiteBundle(spec: VegaLiteSpec, text?: string, options?: VegaLiteRenderOptions): MimeBundle {
  const withSchema = typeof spec.$schema === "string" ? spec : { $schema: VEGALITE_SCHEMA, ...spec };
  return {
    [VEGALITE_MIME]: withSchema,
    "image/svg+xml": renderVegaLiteSvg(withSchema, options),
    "text/plain": text ?? describeVegaLite(withSchema),
  };
}
