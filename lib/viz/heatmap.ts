/** A 2-D tensor as a colour-mapped PNG (values min-max scaled unless a range is given). */
import type * as tf from "@tensorflow/tfjs";
import { upscaleNearest } from "../display/png.js";
import { applyColormap, type ColormapName } from "./colormap.js";
import { composeGrid } from "./grid.js";
import { imageOutput } from "./output.js";
import { colorBar, panelFactor, shortNumber } from "./panels.js";

/** Options of viz.heatmap(). */
export interface HeatmapOptions {
  /** Colormap (default "viridis"). */
  colormap?: ColormapName;
  /** Value shown as the first colour (default: the minimum). */
  min?: number;
  /** Value shown as the last colour (default: the maximum). */
  max?: number;
  /** Integer enlargement factor (default: nearest-neighbour enlargement to at least 192 px on the short side). */
  scale?: number;
  /** Draw a colour bar with the value range beside the map (default true; false gives the bare map). */
  colorBar?: boolean;
}

/** Colours a [h, w] (or [h, w, 1]) tensor with a perceptual colormap into a PNG. */
export function heatmap(values: tf.Tensor, options: HeatmapOptions = {}) {
  const shape = values.rank === 3 && values.shape[2] === 1 ? values.shape.slice(0, 2) : values.shape;
  if (shape.length !== 2) throw new Error(`viz.heatmap needs a [h, w] tensor; got shape [${values.shape.join(",")}]. Use viz.featureMaps for [h, w, channels].`);
  const [height, width] = shape as [number, number];
  if (height === 0 || width === 0) throw new Error(`viz.heatmap got an empty tensor of shape [${values.shape.join(",")}].`);
  const colormap = options.colormap ?? "viridis";
  const values2d = values.dataSync() as Float32Array;
  let low = options.min ?? Infinity;
  let high = options.max ?? -Infinity;
  for (const v of values2d) {
    if (!Number.isFinite(v)) continue;
    if (options.min === undefined) low = Math.min(low, v);
    if (options.max === undefined) high = Math.max(high, v);
  }
  const factor = Math.max(1, Math.floor(options.scale ?? panelFactor(width, height)));
  const map = upscaleNearest({ pixels: applyColormap(values2d, colormap, options.min, options.max), width, height, channels: 3 }, factor);
  const image = options.colorBar === false ? map : composeGrid([{ label: "", tiles: [map, colorBar(colormap, map.height, low, high)], columns: 2 }]);
  return imageOutput(image, `Heatmap [${height},${width}] (${colormap}, ${shortNumber(low)}..${shortNumber(high)})`, { colormap, range: [low, high] });
}
