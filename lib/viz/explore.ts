/**
 * viz.explore: an interactive explorer in the spirit of CNN Explainer, built
 * on tensorcell's widgets. A dropdown picks a layer (convolutions, or the
 * attention layers of a ViT-family model), a slider a channel (or head), and
 * the picture (input | map | overlay, camPicture's layout) follows every change.
 */
import * as tf from "@tensorflow/tfjs";
import { attentionLayers, attentionMaps as readAttention } from "../layers/attention_maps.js";
import { rasterToPng, type RasterImage } from "../display/png.js";
import { Box, Dropdown, Image, Slider } from "../widgets/controls.js";
import { batchOf, requireLayersModel, runLayers, spatialLayers } from "./activations.js";
import { tokenLayout } from "./attention.js";
import { camPicture, inputRaster, resizeCam } from "./cam.js";
import type { ColormapName } from "./colormap.js";

/** Options of viz.explore(). */
export interface ExploreOptions {
  /** Layer shown first (default: the last one). */
  layer?: string;
  /** Heatmap colormap (default "viridis"). */
  colormap?: ColormapName;
  /** Heatmap opacity over the image, 0..1 (default 0.5). */
  alpha?: number;
}

/** What viz.explore returns: the widget (display it) with its controls and picture at hand. */
export interface Explorer extends Box {
  /** The layer dropdown. */
  readonly layer: Dropdown<string>;
  /** The channel (or head) slider. */
  readonly channel: Slider;
  /** The picture; its value is the PNG shown now. */
  readonly picture: Image;
}

/** One layer's maps for this input: [channels or heads][h * w] and the map size. */
interface LayerMaps {
  count: number;
  height: number;
  width: number;
  maps: Float32Array[];
}

function convolutionMaps(model: tf.LayersModel, batch: tf.Tensor, layer: string): LayerMaps {
  const activation = tf.tidy(() => runLayers(model, batch, [layer]).get(layer)!.slice([0, 0, 0, 0], [1, -1, -1, -1]).squeeze([0]) as tf.Tensor3D);
  const [height, width, count] = activation.shape;
  const values = activation.dataSync() as Float32Array;
  activation.dispose();
  const maps = Array.from({ length: count }, (_, c) => {
    const map = new Float32Array(height * width);
    for (let i = 0; i < height * width; i++) map[i] = values[i * count + c]!;
    return map;
  });
  return { count, height, width, maps };
}

function attentionHeadMaps(model: tf.LayersModel, batch: tf.Tensor, layer: string): LayerMaps {
  const [map] = readAttention(model, batch, [layer]);
  try {
    const { skip, side } = tokenLayout(map!);
    const heads = map!.attention.shape[1];
    // Each head's attention from the class token to the patches (or the mean attention a patch receives).
    const maps = tf.tidy(() => {
      const all = map!.attention.squeeze([0]) as tf.Tensor3D; // [heads, tokens, tokens]
      const received = skip ? all.slice([0, 0, skip], [-1, 1, -1]).reshape([heads, -1]) : all.mean(1);
      return (received.arraySync() as number[][]).map((row) => Float32Array.from(row));
    });
    return { count: heads, height: side, width: side, maps };
  } finally {
    map!.attention.dispose();
  }
}

/**
 * An interactive explorer of a model's internals for one image: pick a layer
 * (its convolutions; a ViT-family model's attention layers) and a channel (or
 * head) with widgets; the picture shows that map over the image and follows
 * every change.
 * @example viz.explore(net, image)
 */
export function explore(model: tf.LayersModel, image: tf.Tensor, options: ExploreOptions = {}): Explorer {
  const caller = "viz.explore";
  requireLayersModel(model, caller);
  if (!(image instanceof tf.Tensor)) throw new Error(`${caller}: expected an image tensor ([h, w, c] or [1, h, w, c]), got ${image === null ? "null" : typeof image}`);
  const input: RasterImage = inputRaster(image, caller);
  const attention = attentionLayers(model).map((layer) => layer.name);
  const kind = attention.length > 0 ? "attention" : "convolution";
  const names = attention.length > 0 ? attention : spatialLayers(model, true).map((layer) => layer.name);
  if (names.length === 0) throw new Error(`${caller}: model "${model.name}" has no convolution or attention layers to explore`);
  if (options.layer !== undefined && !names.includes(options.layer)) {
    throw new Error(`${caller}: "${options.layer}" is not one of the model's ${kind} layers (${names.join(", ")})`);
  }
  const batch = tf.tidy(() => batchOf(model, image).slice([0, 0, 0, 0], [1, -1, -1, -1]));
  const expected = model.inputs[0]?.shape.slice(1) ?? [];
  if (expected.some((side, i) => typeof side === "number" && side !== batch.shape[i + 1])) {
    const shape = batch.shape.slice(1);
    batch.dispose();
    throw new Error(`${caller}: the model takes images of shape [${expected.map((d) => d ?? "any").join(",")}]; got [${shape.join(",")}] (resize it first)`);
  }
  const cache = new Map<string, LayerMaps>();
  const mapsOf = (layer: string): LayerMaps => {
    let maps = cache.get(layer);
    if (!maps) {
      maps = kind === "attention" ? attentionHeadMaps(model, batch, layer) : convolutionMaps(model, batch, layer);
      cache.set(layer, maps);
    }
    return maps;
  };
  const unit = kind === "attention" ? "head" : "channel";
  const draw = (layer: string, index: number): Uint8Array => {
    const maps = mapsOf(layer);
    const values = maps.maps[Math.min(index, maps.count - 1)]!;
    const heat = tf.tidy(() => resizeCam(tf.tensor2d(values, [maps.height, maps.width]), input.height, input.width));
    let low = Infinity;
    let high = -Infinity;
    for (const v of values) {
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    const picture = camPicture(input, heat, {
      title: [`${layer} (${maps.height}x${maps.width}), ${unit} ${index} of ${maps.count}`],
      heatmapLabel: `${unit} ${index}`,
      range: [low, high],
    }, { colormap: options.colormap ?? "viridis", alpha: options.alpha });
    return rasterToPng(picture);
  };
  let first: LayerMaps;
  const start = options.layer ?? names.at(-1)!;
  try {
    first = mapsOf(start);
  } catch (error) {
    batch.dispose();
    throw error;
  }
  const layer = new Dropdown<string>(names, { value: start, description: "layer" });
  const channel = new Slider({ min: 0, max: first.count - 1, value: 0, description: unit, continuousUpdate: false });
  const picture = new Image(draw(start, 0), { format: "png" });
  layer.onChange((name) => {
    const count = mapsOf(name).count;
    channel.set({ max: count - 1 });
    if (channel.value > count - 1) channel.value = count - 1;
    picture.value = draw(name, channel.value);
  });
  channel.onChange((index) => {
    picture.value = draw(layer.value, index);
  });
  const box = new Box("VBox", [new Box("HBox", [layer, channel]), picture]) as Explorer;
  Object.defineProperties(box, {
    layer: { value: layer, enumerable: true },
    channel: { value: channel, enumerable: true },
    picture: { value: picture, enumerable: true },
  });
  return box;
}
