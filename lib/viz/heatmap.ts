/** A 2-D tensor as a colour-mapped PNG (values min-max scaled unless a range is given). */
import type * as tf from "@tensorflow/tfjs";
import { upscaleNearest } from "../display/png.js";
import { applyColormap, type ColormapName } from "./colormap.js";
import { imageOutput } from "./output.js";

/** Options of viz.heatmap(). */
export interface HeatmapOptions {
  /** Colormap (default "viridis"). */
  colormap?: ColormapName;
  /** Value shown as the first colour (default: the minimum). */
  min?: number;
  /** Value shown as the last colour (default: the maximum). */
  max?: number;
  /** Integer enlargement factor (default 1: one pixel per value). */
  scale?: number;
}

/** Colours a [h, w] (or [h, w, 1]) tensor with a perceptual colormap into a PNG. */
export function heatmap(values: tf.Tensor, options: HeatmapOptions = {}) {
  const shape = values.rank === 3 && values.shape[2] === 1 ? values.shape.slice(0, 2) : values.shape;
  if (shape.length !== 2) throw new Error(`viz.heatmap needs a [h, w] tensor; got shape [${values.shape.join(",")}]. Use viz.featureMaps for [h, w, channels].`);
  const [height, width] = shape as [number, number];
  if (height === 0 || width === 0) throw new Error(`viz.heatmap got an empty tensor of shape [${values.shape.join(",")}].`);
  const colormap = options.colormap ?? "viridis";
  const image = upscaleNearest({ pixels: applyColormap(values.dataSync() as Float32Array, colormap, options.min, options.max), width, height, channels: 3 }, Math.max(1, Math.floor(options.scale ?? 1)));
  return imageOutput(image, `Heatmap [${height},${width}] (${colormap})`, { colormap });
}
