/** Sizing of picture panels and the colour bar drawn beside heatmaps. */
import type { RasterImage } from "../display/png.js";
import { colormapTable, type ColormapName } from "./colormap.js";
import { drawText, GLYPH_HEIGHT, textWidth } from "./font.js";

/** Panels (images, CAMs) are enlarged with nearest neighbour until their short side reaches this. */
export const MIN_PANEL_SIDE = 192;

/** Enlargement stops before a panel's long side passes this (very elongated maps). */
const MAX_PANEL_SIDE = 2048;

/** The integer enlargement that takes a width x height panel's short side to at least `minSide`, within 2048 px on the long side. */
export function panelFactor(width: number, height: number, minSide = MIN_PANEL_SIDE): number {
  const wanted = Math.ceil(minSide / Math.max(1, Math.min(width, height)));
  return Math.max(1, Math.min(wanted, Math.floor(MAX_PANEL_SIDE / Math.max(1, width, height))));
}

/** A number short enough for a label: 3 significant digits, exponent form when tiny or huge. */
export function shortNumber(value: number, digits = 3): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e5 ? String(Number(value.toPrecision(digits))) : value.toExponential(digits - 2);
}

const BAR_WIDTH = 12;
const LABEL_SCALE = 2;

/**
 * A vertical colour bar `height` pixels tall: the colormap from `low` (bottom) to `high`
 * (top), with the two values written beside its ends.
 */
export function colorBar(colormap: ColormapName, height: number, low: number, high: number): RasterImage {
  // More digits when three would print a narrow range's ends alike.
  let digits = 3;
  while (digits < 7 && high !== low && shortNumber(high, digits) === shortNumber(low, digits)) digits++;
  const labels = [shortNumber(high, digits), shortNumber(low, digits)];
  const width = BAR_WIDTH + 3 + Math.max(...labels.map((label) => textWidth(label, LABEL_SCALE)));
  const image: RasterImage = { pixels: new Uint8Array(width * height * 3).fill(255), width, height, channels: 3 };
  const table = colormapTable(colormap);
  for (let y = 0; y < height; y++) {
    const level = Math.round((255 * (height - 1 - y)) / Math.max(1, height - 1)) * 3;
    for (let x = 0; x < BAR_WIDTH; x++) image.pixels.set(table.subarray(level, level + 3), (y * width + x) * 3);
  }
  drawText(image, BAR_WIDTH + 3, 0, labels[0]!, [20, 20, 20], LABEL_SCALE);
  drawText(image, BAR_WIDTH + 3, height - GLYPH_HEIGHT * LABEL_SCALE, labels[1]!, [20, 20, 20], LABEL_SCALE);
  return image;
}
