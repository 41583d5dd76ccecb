/**
 * The single place that chooses how a value is shown: used by display(x) and by
 * the kernel for a cell's last value (execute_result).
 */
import type { MimeBundle } from "./host.js";
import { errorMessage, formatCell, htmlTable, plainText, textTable } from "./html.js";
import { isLayersModel, modelBundle } from "./model-summary.js";
import { sniffImageType, toBase64 } from "./png.js";
import { isTensor, tensorBundle } from "./tensor-repr.js";
import { isVegaLiteSpec, vegaLiteBundle } from "./vegalite.js";

/**
 * The method name (Deno's convention) an object implements to choose its own
 * display: `[Symbol.for("Jupyter.display")]() { return { "text/html": "..." } }`.
 * It may return a bundle or a Promise of one.
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** A bundle with its metadata, as display_data and execute_result carry them. */
export interface DisplayBundle {
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** Arrays of more records than this show the first rows and a count of the rest. */
const TABLE_MAX_ROWS = 100;

interface SelfDisplaying {
  [JUPYTER_DISPLAY](): unknown;
}

function isSelfDisplaying(value: unknown): value is SelfDisplaying {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as Partial<SelfDisplaying>)[JUPYTER_DISPLAY] === "function";
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** True for non-empty arrays whose items are all plain objects (rows of a table). */
export function isRecordArray(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every(isPlainRecord);
}

/** An HTML + text table of records: columns are the union of keys, in first-seen order. */
export function recordsBundle(records: readonly Record<string, unknown>[]): MimeBundle {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) if (!seen.has(key)) { seen.add(key); columns.push(key); }
  const shown = records.slice(0, TABLE_MAX_ROWS);
  const rows = shown.map((record, i) => [String(i), ...columns.map((c) => (c in record ? formatCell(record[c]) : ""))]);
  const more = records.length > shown.length ? `… ${records.length - shown.length} more rows (${records.length} in all)` : undefined;
  const header = ["", ...columns];
  return {
    "text/html": htmlTable(header, rows, more),
    "text/plain": textTable(header, rows) + (more ? `\n${more}` : ""),
  };
}

function normalizeSelfBundle(result: unknown): MimeBundle {
  if (typeof result !== "object" || result === null || Array.isArray(result)) {
    throw new Error(`[Symbol.for("Jupyter.display")]() must return an object of mime type -> data; it returned ${plainText(result)}.`);
  }
  return { ...(result as MimeBundle) };
}

/**
 * The rich part of a value's bundle, synchronously when possible; a Promise only
 * when a `[Symbol.for("Jupyter.display")]` method returns one.
 */
/**
 * Values marked with this key show nothing as a cell's last value: display() returns a
 * handle, and like IPython's display() returning None, `display(x)` alone shows x once.
 */
export const SHOWS_NOTHING = Symbol.for("tensorcell.showsNothing");

function richBundle(value: unknown): MimeBundle | Promise<MimeBundle> | undefined {
  if (isSelfDisplaying(value)) {
    const result = value[JUPYTER_DISPLAY]();
    return result instanceof Promise ? result.then(normalizeSelfBundle) : normalizeSelfBundle(result);
  }
  if (isTensor(value)) return tensorBundle(value);
  if (isLayersModel(value)) return modelBundle(value);
  if (isVegaLiteSpec(value)) return vegaLiteBundle(value);
  if (value instanceof Uint8Array) {
    const type = sniffImageType(value);
    if (type) return { [type]: toBase64(value), "text/plain": `<${type === "image/png" ? "PNG" : "JPEG"} image, ${value.length} bytes>` };
    return undefined;
  }
  if (isRecordArray(value)) return recordsBundle(value);
  return undefined;
}

function finish(value: unknown, rich: MimeBundle | undefined): DisplayBundle {
  const data: MimeBundle = { ...rich };
  if (typeof data["text/plain"] !== "string") data["text/plain"] = plainText(value);
  return { data, metadata: {} };
}

function fallback(value: unknown, error: unknown): DisplayBundle {
  // Formatting must never break a cell: show the plain text and say why the rich form is missing.
  const reason = errorMessage(error);
  return {
    data: { "text/plain": `${plainText(value)}\n(rich display failed: ${reason})` },
    metadata: { tensorcell: { displayError: reason } },
  };
}

/**
 * Like {@link mimeBundle}, but synchronous unless the value's own
 * `[Symbol.for("Jupyter.display")]` method returns a Promise.
 */
export function mimeBundleSync(value: unknown): DisplayBundle | Promise<DisplayBundle> | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "object" && value !== null && SHOWS_NOTHING in value) return undefined;
  let rich: MimeBundle | Promise<MimeBundle> | undefined;
  try {
    rich = richBundle(value);
  } catch (formatError) {
    return fallback(value, formatError);
  }
  if (rich instanceof Promise) return rich.then((bundle) => finish(value, bundle), (formatError: unknown) => fallback(value, formatError));
  return finish(value, rich);
}

/**
 * The mime bundle a value is shown with (display(x) and a cell's last value); undefined for `undefined`.
 *
 * Always has text/plain (as Node's util.inspect prints it). Adds, by kind of value:
 * tensors: header, HTML table of values when small, PNG when image-like ([h,w], [h,w,1|3|4], [1,h,w,c]);
 * LayersModel: summary table with params and FLOPs; Vega-Lite specs (`$schema` naming vega-lite):
 * the spec plus an SVG rendered in the kernel; Uint8Array holding PNG/JPEG bytes: the image;
 * objects with `[Symbol.for("Jupyter.display")]()`: the bundle it returns; arrays of plain records:
 * a table. A value whose rich form throws falls back to text/plain with the reason.
 */
export async function mimeBundle(value: unknown): Promise<DisplayBundle | undefined> {
  return mimeBundleSync(value);
}
