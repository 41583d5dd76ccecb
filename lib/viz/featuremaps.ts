/**
 * Feature maps (activations per channel) and convolution filters as labelled PNG
 * grids. Labels are drawn into the PNG with a tiny bitmap font, so the picture is
 * self-explanatory in every frontend; text/plain repeats them with any notes.
 */
import * as tf from "@tensorflow/tfjs";
import { upscaleNearest, type RasterImage } from "../display/png.js";
import { batchOf, findLayer, requireLayersModel, runLayers, singleOutputShape, spatialLayers } from "./activations.js";
import { applyColormap, type ColormapName } from "./colormap.js";
import { composeGrid, type GridSection } from "./grid.js";
import { imageOutput } from "./output.js";

/** Options of viz.featureMaps(). */
export interface FeatureMapsOptions {
  /** Layer names to show (default: every convolution layer with a [batch,h,w,c] output). */
  layers?: string[];
  /** Colormap (default "viridis"). */
  colormap?: ColormapName;
  /** Most channels drawn per layer (default 64); the label says how many were left out. */
  maxChannels?: number;
}

/** Tiles are enlarged by an integer factor until their longer side reaches this. */
const TILE_TARGET = 32;

/** Colours one [h, w] channel (min-max normalised on its own) into an upscaled RGB tile. */
function channelTile(values: ArrayLike<number>, height: number, width: number, colormap: ColormapName): RasterImage {
  const tile: RasterImage = { pixels: applyColormap(values, colormap), width, height, channels: 3 };
  return upscaleNearest(tile, Math.max(1, Math.min(8, Math.floor(TILE_TARGET / Math.max(width, height)))));
}

/** Reads channel c of an [h, w, channels] activation laid out channels-last. */
function channelValues(all: Float32Array | Int32Array | Uint8Array, height: number, width: number, channels: number, c: number): Float32Array {
  const out = new Float32Array(height * width);
  for (let i = 0; i < height * width; i++) out[i] = all[i * channels + c]!;
  return out;
}

/**
 * A grid of each chosen layer's channels for one input (the first example of a batch),
 * each channel normalised on its own and coloured with a perceptual colormap.
 */
export function featureMaps(model: tf.LayersModel, input: tf.Tensor, options: FeatureMapsOptions = {}) {
  requireLayersModel(model, "viz.featureMaps");
  const colormap = options.colormap ?? "viridis";
  const maxChannels = Math.max(1, options.maxChannels ?? 64);
  const layers = options.layers ?? spatialLayers(model, true).map((l) => l.name);
  if (layers.length === 0) throw new Error("viz.featureMaps found no convolution layers; name the layers to show with { layers: [...] }.");
  for (const name of layers) {
    const shape = singleOutputShape(findLayer(model, name));
    if (shape?.length !== 4) {
      throw new Error(`Layer "${name}" has output shape ${JSON.stringify(shape)}; feature maps need a [batch, h, w, channels] output.`);
    }
  }
  const activations = tf.tidy(() => {
    const outputs = runLayers(model, batchOf(model, input), layers);
    return layers.map((name) => outputs.get(name)!.slice([0, 0, 0, 0], [1, -1, -1, -1]).squeeze([0]) as tf.Tensor3D);
  });
  const sections: GridSection[] = [];
  const notes: string[] = [];
  const shapes: Record<string, number[]> = {};
  try {
    activations.forEach((activation, i) => {
      const [height, width, channels] = activation.shape;
      const name = layers[i]!;
      shapes[name] = [height, width, channels];
      const shown = Math.min(channels, maxChannels);
      const values = activation.dataSync() as Float32Array;
      const tiles = Array.from({ length: shown }, (_, c) => channelTile(channelValues(values, height, width, channels, c), height, width, colormap));
      const capped = shown < channels ? `, FIRST ${shown} OF ${channels} CH` : `, ${channels} CH`;
      if (shown < channels) notes.push(`${name}: showing the first ${shown} of ${channels} channels (raise maxChannels to see more).`);
      sections.push({ label: `${name} ${height}x${width}${capped}`, tiles });
    });
  } finally {
    tf.dispose(activations);
  }
  const image = composeGrid(sections);
  const text = [`Feature maps (${colormap}, each channel scaled to its own min..max):`,
    ...layers.map((name) => `  ${name}: [${shapes[name]!.join(",")}]`), ...notes].join("\n");
  return imageOutput(image, text, { layers, shapes, notes });
}

/** Options of viz.filters(). */
export interface FiltersOptions {
  /** Colormap for filters with other than 3 input channels (default "viridis"). */
  colormap?: ColormapName;
  /** Most filters drawn (default 64). */
  maxFilters?: number;
}

/**
 * The kernels of a 2-D convolution layer as a grid: RGB when the layer reads 3
 * channels (first layers of image models), else the mean over input channels
 * through a colormap. Each filter is scaled to its own min..max.
 */
export function filters(model: tf.LayersModel, layerName: string, options: FiltersOptions = {}) {
  requireLayersModel(model, "viz.filters");
  const layer = findLayer(model, layerName);
  const kernel = layer.getWeights().find((w, i) => /kernel$/.test(layer.weights[i]?.originalName ?? "") && w.rank === 4);
  if (!kernel) throw new Error(`Layer "${layerName}" (${layer.getClassName()}) has no 2-D convolution kernel [kh, kw, in, out]; pick a Conv2D layer.`);
  const [kh, kw, inChannels, outChannels] = kernel.shape as [number, number, number, number];
  const shown = Math.min(outChannels, Math.max(1, options.maxFilters ?? 64));
  const values = kernel.dataSync() as Float32Array;
  const rgb = inChannels === 3;
  const tiles: RasterImage[] = [];
  for (let f = 0; f < shown; f++) {
    const filterValues = new Float32Array(kh * kw * (rgb ? 3 : 1));
    for (let p = 0; p < kh * kw; p++) {
      if (rgb) {
        for (let c = 0; c < 3; c++) filterValues[p * 3 + c] = values[(p * inChannels + c) * outChannels + f]!;
      } else {
        let sum = 0;
        for (let c = 0; c < inChannels; c++) sum += values[(p * inChannels + c) * outChannels + f]!;
        filterValues[p] = sum / inChannels;
      }
    }
    let tile: RasterImage;
    if (rgb) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of filterValues) { min = Math.min(min, v); max = Math.max(max, v); }
      const scale = max > min ? 255 / (max - min) : 0;
      tile = { pixels: Uint8Array.from(filterValues, (v) => Math.round((v - min) * scale)), width: kw, height: kh, channels: 3 };
    } else {
      tile = { pixels: applyColormap(filterValues, options.colormap ?? "viridis"), width: kw, height: kh, channels: 3 };
    }
    tiles.push(upscaleNearest(tile, Math.max(1, Math.min(16, Math.floor(TILE_TARGET / Math.max(kh, kw))))));
  }
  const note = shown < outChannels ? `FIRST ${shown} OF ${outChannels}` : `${outChannels}`;
  const image = composeGrid([{ label: `${layerName} ${kh}x${kw}x${inChannels}, ${note} FILTERS`, tiles }]);
  const text = `Filters of ${layerName}: ${outChannels} kernels of ${kh}x${kw}x${inChannels}${rgb ? " (shown as RGB)" : " (mean over input channels)"}` +
    (shown < outChannels ? `; showing the first ${shown}.` : ".");
  return imageOutput(image, text, { layer: layerName, kernelShape: kernel.shape });
}
