/**
 * Colormaps: matplotlib's perceptual viridis, magma, inferno and plasma, gray, turbo
 * (a rainbow with smooth lightness, common for CAM heatmaps) and jet (on request only:
 * its lightness is not monotonic, so it invents edges; kept for comparison with older papers).
 */
import { COLORMAP_TABLES } from "./colormap-data.js";

/** Names of the available colormaps. */
export type ColormapName = "viridis" | "magma" | "inferno" | "plasma" | "gray" | "turbo" | "jet";

/** The colormap names, for validation and completion. */
export const COLORMAPS: readonly ColormapName[] = ["viridis", "magma", "inferno", "plasma", "gray", "turbo", "jet"];

/**
 * matplotlib's jet as piecewise-linear (position, value) anchors per channel
 * (its _jet_data segment table), evaluated here instead of stored.
 */
const JET_ANCHORS: readonly (readonly [number, number])[][] = [
  [[0, 0], [0.35, 0], [0.66, 1], [0.89, 1], [1, 0.5]],
  [[0, 0], [0.125, 0], [0.375, 1], [0.64, 1], [0.91, 0], [1, 0]],
  [[0, 0.5], [0.11, 1], [0.34, 1], [0.65, 0], [1, 0]],
];

function piecewiseLinear(anchors: readonly (readonly [number, number])[], x: number): number {
  for (let i = 1; i < anchors.length; i++) {
    const [x1, y1] = anchors[i]!;
    const [x0, y0] = anchors[i - 1]!;
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return anchors.at(-1)![1];
}

const cache = new Map<ColormapName, Uint8Array>();

/** A 256 x RGB lookup table for a colormap. */
export function colormapTable(name: ColormapName): Uint8Array {
  const cached = cache.get(name);
  if (cached) return cached;
  if (!COLORMAPS.includes(name)) throw new Error(`Unknown colormap "${name}"; use one of ${COLORMAPS.join(", ")}.`);
  const table = new Uint8Array(256 * 3);
  if (name === "gray") {
    for (let i = 0; i < 256; i++) table.fill(i, i * 3, i * 3 + 3);
  } else if (name === "jet") {
    for (let i = 0; i < 256; i++) {
      JET_ANCHORS.forEach((anchors, c) => { table[i * 3 + c] = Math.round(255 * piecewiseLinear(anchors, i / 255)); });
    }
  } else {
    const hex = COLORMAP_TABLES[name];
    for (let i = 0; i < 256 * 3; i++) table[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  }
  cache.set(name, table);
  return table;
}

/**
 * Colours values into RGB pixels: `low` maps to the first colour, `high` to the last
 * (defaults: the finite min and max of the values). Non-finite values become black.
 */
export function applyColormap(values: ArrayLike<number>, name: ColormapName, low?: number, high?: number): Uint8Array {
  const table = colormapTable(name);
  let min = low ?? Infinity;
  let max = high ?? -Infinity;
  if (low === undefined || high === undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      if (low === undefined && v < min) min = v;
      if (high === undefined && v > max) max = v;
    }
  }
  const scale = max > min ? 255 / (max - min) : 0;
  const out = new Uint8Array(values.length * 3);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const index = Math.max(0, Math.min(255, Math.round((v - min) * scale))) * 3;
    out[i * 3] = table[index]!;
    out[i * 3 + 1] = table[index + 1]!;
    out[i * 3 + 2] = table[index + 2]!;
  }
  return out;
}
