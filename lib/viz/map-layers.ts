/**
 * Which layers CAMs and feature maps look at by default, following pytorch-grad-cam's
 * conventions: the stage (block) outputs that models.features names (resnet's `layer4`,
 * ConvNeXt's `stages.3`), the latest one whose map is at least 4x4 for the given input,
 * never a convolution inside a block. Models built elsewhere fall back to their
 * convolution layers. Transformers (token sequences) are refused with a pointer to
 * viz.attentionMaps instead of silently using their patch embedding.
 */
import * as tf from "@tensorflow/tfjs";
import { attentionLayers } from "../layers/attention_maps.js";
import { readModelMetadata } from "../models/metadata.js";
import { findLayer, runLayers, singleOutputShape, spatialLayers } from "./activations.js";

/** Maps smaller than this on either side are too coarse to explain anything; defaults avoid them. */
export const MIN_MAP_SIDE = 4;

/** A layer that has a [batch, h, w, channels] output, with its map size for the input at hand. */
export interface MapLayer {
  /** The name shown and accepted back: the models.features name ("layer4") or the layer name. */
  name: string;
  /** Map height and width for this input. */
  size: [number, number];
}

/** "layer4 (7x7)": how captions name a layer and its map size. */
export function describeMapLayer(layer: MapLayer): string {
  return `${layer.name} (${layer.size[0]}x${layer.size[1]})`;
}

/** The model's candidate layers in order: its 4-D models.features points, else its convolutions. */
function candidateNames(model: tf.LayersModel, caller: string): string[] {
  const features = readModelMetadata(model).features ?? {};
  const featureNames = Object.keys(features);
  const spatial = featureNames.filter((name) => singleOutputShape(findLayer(model, name))?.length === 4);
  const transformer = attentionLayers(model).length > 0 || (featureNames.length > 0 && spatial.length === 0);
  if (transformer) {
    const instead = attentionLayers(model).length > 0 ? "use viz.attentionMaps(model, image) to see where it attends, or pass" : "pass";
    throw new Error(`${caller}: "${model.name}" works on token sequences, not 2-D maps (its only [h, w, channels] map is the patch embedding, before any mixing); ` +
      `${instead} { layer: "..." } naming a layer with a [batch, h, w, channels] output.`);
  }
  if (spatial.length > 0) return spatial;
  const convolutions = spatialLayers(model, true);
  const layers = convolutions.length > 0 ? convolutions : spatialLayers(model, false);
  if (layers.length === 0) throw new Error(`${caller} needs a layer with a [batch, h, w, channels] output (a convolution); this model has none.`);
  return layers.map((layer) => layer.name);
}

/** Map sizes of the named layers for this input batch: from static shapes, else by running the model once. */
export function mapSizes(model: tf.LayersModel, batch: tf.Tensor, names: string[]): MapLayer[] {
  const shapes = names.map((name) => singleOutputShape(findLayer(model, name)));
  if (shapes.every((shape) => shape?.length === 4 && typeof shape[1] === "number" && typeof shape[2] === "number")) {
    return names.map((name, i) => ({ name, size: [shapes[i]![1]!, shapes[i]![2]!] }));
  }
  const measured = tf.tidy(() => [...runLayers(model, batch, names).values()].map((t) => [t.shape[1]!, t.shape[2]!] as [number, number]));
  return names.map((name, i) => ({ name, size: measured[i]! }));
}

const minSide = (layer: MapLayer) => Math.min(...layer.size);

/** The default layer of a CAM, with a note when the last stage's map was too small and an earlier one was taken. */
export function defaultCamLayer(model: tf.LayersModel, batch: tf.Tensor, caller: string): { layer: MapLayer; note?: string } {
  const candidates = mapSizes(model, batch, candidateNames(model, caller));
  const last = candidates.at(-1)!;
  const usable = candidates.filter((layer) => minSide(layer) >= MIN_MAP_SIDE);
  const chosen = usable.at(-1);
  if (chosen === last) return { layer: last };
  if (chosen) {
    return { layer: chosen, note: `${describeMapLayer(last)} is smaller than ${MIN_MAP_SIDE}x${MIN_MAP_SIDE} at this input size, so ${chosen.name} is shown; pass { layer: "${last.name}" } to use it anyway.` };
  }
  const largest = candidates.reduce((best, layer) => (minSide(layer) >= minSide(best) ? layer : best));
  return { layer: largest, note: `every candidate map is smaller than ${MIN_MAP_SIDE}x${MIN_MAP_SIDE} at this input size (the largest is ${describeMapLayer(largest)}); a larger input gives a finer map.` };
}

/** Most layers featureMaps draws by default; the rest are named in a note. */
const MAX_DEFAULT_LAYERS = 6;

/**
 * The default layers of featureMaps: the stage outputs (or convolutions) with maps of at
 * least 4x4, at most six of them spread over the depth, and notes on what was left out.
 */
export function defaultFeatureMapLayers(model: tf.LayersModel, batch: tf.Tensor, caller: string): { layers: MapLayer[]; notes: string[] } {
  const candidates = mapSizes(model, batch, candidateNames(model, caller));
  const notes: string[] = [];
  let layers = candidates.filter((layer) => minSide(layer) >= MIN_MAP_SIDE);
  const tooSmall = candidates.filter((layer) => minSide(layer) < MIN_MAP_SIDE);
  if (layers.length === 0) {
    layers = [candidates.reduce((best, layer) => (minSide(layer) >= minSide(best) ? layer : best))];
    notes.push(`Every candidate map is smaller than ${MIN_MAP_SIDE}x${MIN_MAP_SIDE} at this input size; showing the largest, ${describeMapLayer(layers[0]!)}.`);
  } else if (tooSmall.length > 0) {
    notes.push(`Left out (maps smaller than ${MIN_MAP_SIDE}x${MIN_MAP_SIDE} at this input size): ${tooSmall.map(describeMapLayer).join(", ")}; name them in { layers } to see them.`);
  }
  if (layers.length > MAX_DEFAULT_LAYERS) {
    const step = (layers.length - 1) / (MAX_DEFAULT_LAYERS - 1);
    const kept = Array.from({ length: MAX_DEFAULT_LAYERS }, (_, i) => layers[Math.round(i * step)]!);
    const skipped = layers.filter((layer) => !kept.includes(layer));
    notes.push(`Showing ${MAX_DEFAULT_LAYERS} of ${layers.length} layers spread over the depth; also available: ${skipped.map((l) => l.name).join(", ")} (pass { layers: [...] }).`);
    layers = kept;
  }
  return { layers, notes };
}
