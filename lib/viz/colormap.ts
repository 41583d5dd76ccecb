/** Perceptual colormaps (matplotlib's viridis, magma, inferno, plasma) and gray. */
import { COLORMAP_TABLES } from "./colormap-data.js";

/** Names of the available colormaps. */
export type ColormapName = "viridis" | "magma" | "inferno" | "plasma" | "gray";

/** The colormap names, for validation and completion. */
export const COLORMAPS: readonly ColormapName[] = ["viridis", "magma", "inferno", "plasma", "gray"];

const cache = new Map<ColormapName, Uint8Array>();

/** A 256 x RGB lookup table for a colormap. */
export function colormapTable(name: ColormapName): Uint8Array {
  const cached = cache.get(name);
  if (cached) return cached;
  if (!COLORMAPS.includes(name)) throw new Error(`Unknown colormap "${name}"; use one of ${COLORMAPS.join(", ")}.`);
  const table = new Uint8Array(256 * 3);
  if (name === "gray") {
    for (let i = 0; i < 256; i++) table.fill(i, i * 3, i * 3 + 3);
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
