/** Rich representation of tfjs tensors: header, small-value table, PNG for image-like ones. */
import * as tf from "@tensorflow/tfjs";
import type { MimeBundle } from "./host.js";
import { escapeHtml, formatCell, htmlTable } from "./html.js";
import { imageShape, rasterToPng, tensorToRaster, toBase64, upscaleFactorFor, upscaleNearest } from "./png.js";

/** Tensors with at most this many values get an HTML table of their values. */
const TABLE_MAX_VALUES = 400;
/** Image-like tensors need both sides at least this long to be shown as a picture. */
const IMAGE_MIN_SIDE = 8;

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

/** The bundle for a tensor: text/plain always, text/html for small or image-like ones, image/png for images. */
export function tensorBundle(tensor: tf.Tensor): MimeBundle {
  const header = tensorHeader(tensor);
  if (tensor.isDisposed) return { "text/plain": `${header} (disposed: its values are gone)` };
  // tfjs's own formatting elides the middle of long dimensions, like NumPy.
  // tfjs indents every line of its values by 4 spaces under a "Tensor" heading; drop both.
  const values = tensor.toString().replace(/^Tensor\n/, "").replace(/^ {4}/gm, "");
  const bundle: MimeBundle = { "text/plain": `${header}\n${values}` };
  const dims = imageShape(tensor.shape);
  if (dims && dims[0] >= IMAGE_MIN_SIDE && dims[1] >= IMAGE_MIN_SIDE && tensor.dtype !== "string" && tensor.dtype !== "complex64") {
    const raster = tensorToRaster(tensor);
    const png = toBase64(rasterToPng(upscaleNearest(raster, upscaleFactorFor(raster.width, raster.height))));
    bundle["image/png"] = png;
    return bundle;
  }
  if (tensor.size <= TABLE_MAX_VALUES && tensor.rank <= 2 && tensor.dtype !== "complex64") {
    bundle["text/html"] = `<div><code>${escapeHtml(header)}</code>${valuesTable(tensor)}</div>`;
  }
  return bundle;
}

function valuesTable(tensor: tf.Tensor): string {
  const data = tensor.arraySync() as unknown;
  if (tensor.rank === 0) return htmlTable(["value"], [[formatCell(data)]]);
  const rows = (tensor.rank === 1 ? [data] : data) as unknown[][];
  const columns = tensor.shape[tensor.rank - 1] ?? 0;
  const header = ["", ...Array.from({ length: columns }, (_, i) => String(i))];
  return htmlTable(header, rows.map((row, i) => [tensor.rank === 1 ? "" : String(i), ...row.map(formatCell)]));
}
