/** display(): publishes values as display_data through the host, with updatable handles. */
import { randomUUID } from "node:crypto";
import { mimeBundleSync, SHOWS_NOTHING, type DisplayBundle } from "./bundle.js";
import { host, type MimeBundle } from "./host.js";
import { errorMessage, plainText } from "./html.js";
import { sniffImageType, tensorToPng, toBase64 } from "./png.js";
import { isTensor } from "./tensor-repr.js";
import { vegaLiteBundle, type VegaLiteSpec } from "./vegalite.js";

/** Options of display() and its typed variants. */
export interface DisplayOptions {
  /** Display id to publish under (a fresh one when omitted); handles update by this id. */
  id?: string;
  /** Extra metadata for the display_data message (e.g. { "image/png": { width: 200 } }). */
  metadata?: Record<string, unknown>;
}

/** A published output that can be replaced in place. */
export interface DisplayHandle {
  /** The display id (Jupyter's transient.display_id). */
  readonly id: string;
  /** Replaces the output everywhere it is shown (update_display_data), formatted like the original. */
  update(value: unknown): void;
}

type Formatter = (value: unknown) => DisplayBundle | Promise<DisplayBundle> | undefined;

// Publishing is in call order: a bundle that needs async work (a Jupyter.display
// method returning a Promise) holds back later displays until it is sent.
let pending: Promise<void> = Promise.resolve();
let pendingCount = 0;

function publish(kind: "display_data" | "update_display_data", id: string, bundle: DisplayBundle, extra: Record<string, unknown> | undefined): void {
  const metadata = { ...bundle.metadata, ...extra };
  host().display({ type: kind, data: bundle.data, metadata, displayId: id });
}

function send(kind: "display_data" | "update_display_data", id: string, formatted: ReturnType<Formatter>, extra?: Record<string, unknown>): void {
  if (formatted === undefined) return;
  if (pendingCount === 0 && !(formatted instanceof Promise)) {
    publish(kind, id, formatted, extra);
    return;
  }
  pendingCount++;
  pending = pending
    .then(() => formatted)
    .then((bundle) => { if (bundle) publish(kind, id, bundle, extra); })
    .catch((publishError: unknown) => {
      // The cell that called display() may be over; report on stderr rather than lose it.
      process.stderr.write(`display failed: ${errorMessage(publishError)}\n`);
    })
    .finally(() => { pendingCount--; });
}

function show(formatter: Formatter, value: unknown, options: DisplayOptions = {}): DisplayHandle {
  const id = options.id ?? randomUUID();
  send("display_data", id, formatter(value), options.metadata);
  const handle: DisplayHandle = {
    id,
    update(next: unknown) {
      send("update_display_data", id, formatter(next), options.metadata);
    },
  };
  Object.defineProperty(handle, SHOWS_NOTHING, { value: true, enumerable: false });
  return handle;
}

/** Resolves when every display() call made so far has been published (the kernel awaits it before replying). */
export function flushDisplays(): Promise<void> {
  return pending;
}

const plain = (data: MimeBundle): DisplayBundle => ({ data, metadata: {} });

function textOf(value: unknown, what: string): string {
  if (typeof value !== "string") throw new Error(`display.${what} expects a string; got ${plainText(value)}.`);
  return value;
}

function imageBytes(value: unknown, mime: "image/png" | "image/jpeg"): Uint8Array {
  if (mime === "image/png" && isTensor(value)) return tensorToPng(value);
  if (!(value instanceof Uint8Array)) {
    throw new Error(`display.${mime === "image/png" ? "png" : "jpeg"} expects image bytes (Uint8Array${mime === "image/png" ? " or an image-like tensor" : ""}).`);
  }
  if (sniffImageType(value) !== mime) throw new Error(`These bytes are not a ${mime === "image/png" ? "PNG" : "JPEG"} image (wrong magic number); check the file or the encoder.`);
  return value;
}

function stripTags(html: string): string {
  const text = html.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * Shows a value below the cell, chosen as {@link mimeBundle} does, and returns a handle whose
 * update(value) replaces it in place. Typed variants: display.html, .markdown, .latex, .svg,
 * .png, .jpeg, .json, .vegalite, .text; display.clear() clears the cell's output.
 */
export const display = Object.assign(
  (value: unknown, options?: DisplayOptions): DisplayHandle => show(mimeBundleSync, value, options),
  {
    /** Shows an HTML fragment. */
    html: (html: string, options?: DisplayOptions) =>
      show((v) => plain({ "text/html": textOf(v, "html"), "text/plain": stripTags(textOf(v, "html")) }), html, options),
    /** Shows Markdown (rendered by the frontend). */
    markdown: (markdown: string, options?: DisplayOptions) =>
      show((v) => plain({ "text/markdown": textOf(v, "markdown"), "text/plain": textOf(v, "markdown") }), markdown, options),
    /** Shows LaTeX, e.g. "$$\\frac{a}{b}$$". */
    latex: (latex: string, options?: DisplayOptions) =>
      show((v) => plain({ "text/latex": textOf(v, "latex"), "text/plain": textOf(v, "latex") }), latex, options),
    /** Shows an SVG document. */
    svg: (svg: string, options?: DisplayOptions) =>
      show((v) => plain({ "image/svg+xml": textOf(v, "svg"), "text/plain": "<SVG image>" }), svg, options),
    /** Shows PNG bytes, or an image-like tensor encoded as PNG. */
    png: (png: Uint8Array | import("@tensorflow/tfjs").Tensor, options?: DisplayOptions) =>
      show((v) => { const bytes = imageBytes(v, "image/png"); return plain({ "image/png": toBase64(bytes), "text/plain": `<PNG image, ${bytes.length} bytes>` }); }, png, options),
    /** Shows JPEG bytes. */
    jpeg: (jpeg: Uint8Array, options?: DisplayOptions) =>
      show((v) => { const bytes = imageBytes(v, "image/jpeg"); return plain({ "image/jpeg": toBase64(bytes), "text/plain": `<JPEG image, ${bytes.length} bytes>` }); }, jpeg, options),
    /** Shows JSON data as an interactive tree (application/json). */
    json: (json: unknown, options?: DisplayOptions) =>
      show((v) => plain({ "application/json": JSON.parse(JSON.stringify(v ?? null)) as unknown, "text/plain": plainText(v) }), json, options),
    /** Shows a Vega-Lite spec as a chart (spec + SVG rendered in the kernel + text). */
    vegalite: (spec: VegaLiteSpec, options?: DisplayOptions) =>
      show((v) => plain(vegaLiteBundle(v as VegaLiteSpec)), spec, options),
    /** Shows plain text. */
    text: (text: string, options?: DisplayOptions) => show((v) => plain({ "text/plain": textOf(v, "text") }), text, options),
    /** Clears the cell's output; with wait: true, only when the next output arrives (no flicker). */
    clear: (options: { wait?: boolean } = {}): void => {
      host().display({ type: "clear_output", wait: options.wait ?? false });
    },
  },
);
