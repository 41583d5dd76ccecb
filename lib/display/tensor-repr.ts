/**
 * Rich representation of tfjs tensors: a header, an HTML table of values
 * (first and last rows and columns when large), a PNG for image-like ones,
 * and a one-line form (`Tensor float32 [2000, 28, 28, 1]`) wherever Node
 * prints a tensor inside another value (util.inspect: text/plain of objects
 * and arrays, completion's inspect), installed on tf.Tensor's prototype when
 * this module loads.
 */
import { inspect } from "node:util";
import * as tf from "@tensorflow/tfjs";
import type { MimeBundle } from "./host.js";
import { escapeHtml, formatCell, htmlTable } from "./html.js";
import { imageShape, rasterToPng, tensorToRaster, toBase64, upscaleFactorFor, upscaleNearest } from "./png.js";

/** Rows or columns beyond this are shown as the first and last TABLE_EDGE ones. */
const TABLE_MAX_SIDE = 20;
/** Rows (columns) kept at each end of a long table. */
const TABLE_EDGE = 10;
/** [h, w, 1|3|4] and [1, h, w, c] tensors need both sides at least this long to be shown as a picture. */
const IMAGE_MIN_SIDE = 8;
/** 2-D tensors are pictures only with both sides at least this long (and values in 0..1, or integers in 0..255). */
const MATRIX_IMAGE_MIN_SIDE = 16;
/** 2-D tensors longer than this on a side are never drawn (a table of its corners instead). */
const MATRIX_IMAGE_MAX_SIDE = 2048;

/** True for tfjs tensors (by class, or by shape for a second copy of tfjs). */
export function isTensor(value: unknown): value is tf.Tensor {
  if (value instanceof tf.Tensor) return true;
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<tf.Tensor>;
  return Array.isArray(candidate.shape) && typeof candidate.dtype === "string" && typeof candidate.dataSync === "function";
}

/** "Tensor float32 [2,3] (6 values)". */
export function tensorHeader(tensor: tf.Tensor): string {
  return `Tensor ${tensor.dtype} [${tensor.shape.join(",")}]${tensor.rank > 0 ? ` (${tensor.size} values)` : ""}`;
}

/**
 * The one-line form of a tensor inside other values: `Tensor float32 [2000, 28, 28, 1]`
 * (`Variable ...` for variables), a scalar's value after its shape, `(disposed)` when freed.
 */
export function tensorInline(tensor: tf.Tensor): string {
  const kind = tensor instanceof tf.Variable ? "Variable" : "Tensor";
  const head = `${kind} ${tensor.dtype} [${tensor.shape.join(", ")}]`;
  if (tensor.isDisposed) return `${head} (disposed)`;
  if (tensor.rank === 0 && tensor.dtype !== "string" && tensor.dtype !== "complex64") return `${head} ${formatCell(tensor.dataSync()[0])}`;
  return head;
}

// util.inspect (console.log, text/plain of objects and arrays, completion's inspect) prints
// tensors in one line instead of tfjs's internals (dataId, strides, isDisposedInternal ...).
Object.defineProperty(tf.Tensor.prototype, inspect.custom, {
  configurable: true,
  writable: true,
  enumerable: false,
  value: function (this: tf.Tensor): string {
    return tensorInline(this);
  },
});

/** Whether finite values (NaN/Infinity ignored, at least one) all lie in 0..1, or are all integers in 0..255. */
function pixelValues(values: ArrayLike<number>): boolean {
  let finite = 0;
  let unit = true;
  let bytes = true;
  for (let i = 0; i < values.length && (unit || bytes); i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    finite++;
    if (v < 0 || v > 255) return false;
    if (v > 1) unit = false;
    if (!Number.isInteger(v)) bytes = false;
  }
  return finite > 0 && (unit || bytes);
}

/**
 * Whether a tensor is shown as a picture: [h, w, 1|3|4] or [1, h, w, c] with both sides
 * at least 8; a 2-D [h, w] only with both sides 16..2048 and values within 0..1 or
 * integers within 0..255 (so logits, activations and other matrices get a table).
 */
export function isImageLike(tensor: tf.Tensor): boolean {
  if (tensor.dtype === "string" || tensor.dtype === "complex64") return false;
  const dims = imageShape(tensor.shape);
  if (!dims) return false;
  if (tensor.rank !== 2) return dims[0] >= IMAGE_MIN_SIDE && dims[1] >= IMAGE_MIN_SIDE;
  const [height, width] = dims;
  if (Math.min(height, width) < MATRIX_IMAGE_MIN_SIDE || Math.max(height, width) > MATRIX_IMAGE_MAX_SIDE) return false;
  return pixelValues(tensor.dataSync() as ArrayLike<number>);
}

/** The bundle for a tensor: text/plain always; a PNG when image-like, else an HTML table for rank 0-2. */
export function tensorBundle(tensor: tf.Tensor): MimeBundle {
  const header = tensorHeader(tensor);
  if (tensor.isDisposed) return { "text/plain": `${header} (disposed: its values are gone)` };
  // tfjs's own formatting elides the middle of long dimensions, like NumPy.
  // tfjs indents every line of its values by 4 spaces under a "Tensor" heading; drop both.
  const values = tensor.toString().replace(/^Tensor\n/, "").replace(/^ {4}/gm, "");
  const bundle: MimeBundle = { "text/plain": `${header}\n${values}` };
  if (isImageLike(tensor)) {
    const raster = tensorToRaster(tensor);
    bundle["image/png"] = toBase64(rasterToPng(upscaleNearest(raster, upscaleFactorFor(raster.width, raster.height))));
    return bundle;
  }
  // 3-D and larger tensors have no table layout; their text shows them.
  if (tensor.rank <= 2 && tensor.size > 0 && tensor.dtype !== "complex64") {
    bundle["text/html"] = `<div><code>${escapeHtml(header)}</code>${valuesTable(tensor)}</div>`;
  }
  return bundle;
}

/** The indices shown along an axis of `length`: all, or the first and last TABLE_EDGE with -1 for the gap. */
function shownIndices(length: number): number[] {
  if (length <= TABLE_MAX_SIDE) return Array.from({ length }, (_, i) => i);
  const tail = Array.from({ length: TABLE_EDGE }, (_, i) => length - TABLE_EDGE + i);
  return [...Array.from({ length: TABLE_EDGE }, (_, i) => i), -1, ...tail];
}

/** Contiguous runs [start, size] of the non-gap indices. */
function blocks(indices: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const i of indices) {
    if (i < 0) continue;
    const last = runs.at(-1);
    if (last && last[0] + last[1] === i) last[1]++;
    else runs.push([i, 1]);
  }
  return runs;
}

/** Values of the shown rows and columns of a matrix, reading only those slices. */
function cornerValues(matrix: tf.Tensor2D, rows: number[], columns: number[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [r0, nr] of blocks(rows)) {
    for (const [c0, nc] of blocks(columns)) {
      const block = tf.tidy(() => matrix.slice([r0, c0], [nr, nc]));
      const values = block.arraySync() as unknown[][];
      block.dispose();
      values.forEach((row, i) => row.forEach((v, j) => out.set(`${r0 + i},${c0 + j}`, v)));
    }
  }
  return out;
}

function valuesTable(tensor: tf.Tensor): string {
  if (tensor.rank === 0) return htmlTable(["value"], [[formatCell(tensor.arraySync())]]);
  const matrix = tensor.rank === 1 ? (tensor.reshape([1, tensor.size]) as tf.Tensor2D) : (tensor as tf.Tensor2D);
  try {
    const [numRows, numColumns] = matrix.shape;
    const rows = shownIndices(numRows);
    const columns = shownIndices(numColumns);
    const values = cornerValues(matrix, rows, columns);
    const header = ["", ...columns.map((c) => (c < 0 ? "…" : String(c)))];
    const body = rows.map((r) => [
      r < 0 ? "…" : tensor.rank === 1 ? "" : String(r),
      ...columns.map((c) => (r < 0 || c < 0 ? "…" : formatCell(values.get(`${r},${c}`)))),
    ]);
    const cuts = [
      rows.includes(-1) ? `${numRows} rows` : undefined,
      columns.includes(-1) ? `${numColumns} ${tensor.rank === 1 ? "values" : "columns"}` : undefined,
    ].filter((cut) => cut !== undefined);
    return htmlTable(header, body, cuts.length ? `first and last ${TABLE_EDGE} of ${cuts.join(" and of ")} shown` : undefined);
  } finally {
    if (matrix !== tensor) matrix.dispose();
  }
}
