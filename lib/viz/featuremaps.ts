/**
 * Feature maps (activations per channel) and convolution filters as labelled PNG
 * grids. Labels are drawn into the PNG with a tiny bitmap font, so the picture is
 * self-explanatory in every frontend; text/plain repeats them with any notes.
 */
import * as tf from "@tensorflow/tfjs";
import { upscaleNearest, type RasterImage } from "../display/png.js";
import { batchOf, findLayer, requireLayersModel, runLayers, singleOutputShape } from "./activations.js";
import { applyColormap, type ColormapName } from "./colormap.js";
import { composeGrid, type GridSection } from "./grid.js";
import { defaultFeatureMapLayers } from "./map-layers.js";
import { imageOutput } from "./output.js";
import { panelFactor } from "./panels.js";

/** Options of viz.featureMaps(). */
export interface FeatureMapsOptions {
  /**
   * models.features names or layer names to show. Default: the model's stage outputs
   * (models.features) with maps of at least 4x4, at most six; for models built elsewhere,
   * up to six of their convolutions spread over the depth.
   */
  layers?: string[];
  /** Colormap (default "viridis"). */
  colormap?: ColormapName;
  /** Most channels drawn per layer (default 16); a note says how many were left out. */
  maxChannels?: number;
}

/** Small maps are enlarged (nearest neighbour) until their short side reaches this. */
const TILE_MIN_SIDE = 64;
/** Larger maps are subsampled until their long side is at most this. */
const TILE_MAX_SIDE = 128;
/** Tiles per row. */
const TILE_COLUMNS = 8;
/** Layers are dropped (with a note) once the picture would be taller than this. */
const MAX_PICTURE_HEIGHT = 3000;

/** Colours one [h, w] channel (min-max normalised on its own) into an RGB tile between 64 and 128 px. */
function channelTile(values: ArrayLike<number>, height: number, width: number, colormap: ColormapName): RasterImage {
  const stride = Math.ceil(Math.max(height, width) / TILE_MAX_SIDE);
  const rows = Math.ceil(height / stride);
  const cols = Math.ceil(width / stride);
  const sampled = new Float32Array(rows * cols);
  for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) sampled[y * cols + x] = values[y * stride * width + x * stride]!;
  const tile: RasterImage = { pixels: applyColormap(sampled, colormap), width: cols, height: rows, channels: 3 };
  return upscaleNearest(tile, Math.min(panelFactor(cols, rows, TILE_MIN_SIDE), Math.max(1, Math.floor(TILE_MAX_SIDE / Math.max(rows, cols)))));
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
  const caller = "viz.featureMaps";
  requireLayersModel(model, caller);
  const colormap = options.colormap ?? "viridis";
  const maxChannels = Math.max(1, options.maxChannels ?? 16);
  const notes: string[] = [];
  const batch = tf.tidy(() => batchOf(model, input));
  let layers: string[];
  try {
    if (options.layers) {
      layers = options.layers;
    } else {
      const defaults = defaultFeatureMapLayers(model, batch, caller);
      layers = defaults.layers.map((layer) => layer.name);
      notes.push(...defaults.notes);
    }
  } catch (layerError) {
    batch.dispose();
    throw layerError;
  }
  if (layers.length === 0) throw new Error(`${caller}: layers is empty; name the layers to show, e.g. { layers: ["layer1"] }.`);
  for (const name of layers) {
    const shape = singleOutputShape(findLayer(model, name));
    if (shape?.length !== 4) {
      batch.dispose();
      throw new Error(`Layer "${name}" has output shape ${JSON.stringify(shape)}; feature maps need a [batch, h, w, channels] output.`);
    }
  }
  const activations = tf.tidy(() => {
    const outputs = runLayers(model, batch, layers);
    return layers.map((name) => outputs.get(name)!.slice([0, 0, 0, 0], [1, -1, -1, -1]).squeeze([0]) as tf.Tensor3D);
  });
  batch.dispose();
  const sections: GridSection[] = [];
  const shapes: Record<string, number[]> = {};
  const shown: string[] = [];
  let pictureHeight = 0;
  try {
    activations.forEach((activation, i) => {
      const [height, width, channels] = activation.shape;
      const name = layers[i]!;
      shapes[name] = [height, width, channels];
      if (pictureHeight > MAX_PICTURE_HEIGHT) return;
      const count = Math.min(channels, maxChannels);
      const values = activation.dataSync() as Float32Array;
      const tiles = Array.from({ length: count }, (_, c) => channelTile(channelValues(values, height, width, channels, c), height, width, colormap));
      if (count < channels) notes.push(`${name}: showing the first ${count} of ${channels} channels (raise maxChannels to see more).`);
      const channelNote = count < channels ? `first ${count} of ${channels} channels` : `${channels} channels`;
      sections.push({ label: `${name} (${height}x${width}), ${channelNote}`, tiles, tileLabels: tiles.map((_, c) => String(c)), columns: TILE_COLUMNS });
      shown.push(name);
      pictureHeight += Math.ceil(count / TILE_COLUMNS) * (tiles[0]!.height + 16) + 20;
    });
  } finally {
    tf.dispose(activations);
  }
  if (shown.length < layers.length) {
    notes.push(`Picture capped at about ${MAX_PICTURE_HEIGHT} px tall: ${layers.filter((l) => !shown.includes(l)).join(", ")} not drawn (pass fewer layers or a smaller maxChannels).`);
  }
  const image = composeGrid(sections);
  const text = [`Feature maps (${colormap}, each channel scaled to its own min..max; tiles labelled by channel index):`,
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
    tiles.push(upscaleNearest(tile, panelFactor(kw, kh, TILE_MIN_SIDE)));
  }
  const note = shown < outChannels ? `first ${shown} of ${outChannels}` : `${outChannels}`;
  const image = composeGrid([{ label: `${layerName} ${kh}x${kw}x${inChannels}, ${note} filters`, tiles, tileLabels: tiles.map((_, f) => String(f)), columns: TILE_COLUMNS }]);
  const text = `Filters of ${layerName}: ${outChannels} kernels of ${kh}x${kw}x${inChannels}${rgb ? " (shown as RGB)" : " (mean over input channels)"}` +
    (shown < outChannels ? `; showing the first ${shown}.` : ".");
  return imageOutput(image, text, { layer: layerName, kernelShape: kernel.shape });
}
