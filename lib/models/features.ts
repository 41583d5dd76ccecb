/**
 * Feature extraction, like timm's `features_only`: the activations of chosen
 * layers for an input, by name.
 *
 * Default feature points (recorded in the model's metadata by the builder, so
 * they survive save/load), named as timm names them:
 *   resnet18/34/50, *_ibn_*: act1 (stem, stride 2), layer1 .. layer4 (strides 4, 8, 16, 32)
 *   resnet20/32/56 (CIFAR): act1, layer1 .. layer3 (strides 1, 2, 4)
 *   convnext_*, inception_next_*, unireplknet_*: stages.0 .. stages.3 (strides 4, 8, 16, 32)
 *   hornet_*, halonet26t:   stages.0 .. stages.3 (strides 4, 8, 16, 32)
 *   tnt_*:                  blocks.0 .. blocks.11 (patch tokens after each block)
 *   lenet5: S2, S4; mnist_cnn: pool1, pool2; simplenet: pool1 .. pool4 (each pooling stage)
 *   inception_v4: features.2, features.3, features.9, features.17, features.21 (strides 2 .. 32)
 *   inception_resnet_v2: conv2d_2b, conv2d_4a, repeat, repeat_1, conv2d_7b
 *   spnasnet_100: blocks.0, blocks.1, blocks.2, blocks.4, blocks.6
 *   nasnetalarge: conv0, cell_stem_1.conv_1x1.act, reduction_cell_0.conv_1x1.act, reduction_cell_1.conv_1x1.act, act
 * Models without recorded feature points (built elsewhere) default to every
 * layer whose output is a 4-D feature map.
 */
import * as tf from "@tensorflow/tfjs";
import { readModelMetadata } from "./metadata.js";
import { closestNames } from "./registry.js";

/** Options of {@link extractFeatures}. */
export interface FeatureOptions {
  /**
   * Which activations to return: feature names ("layer1", "stages.2"), layer
   * names (any of model.layers[i].name), or indices into model.layers
   * (negative counts from the end). Default: the model's stage outputs.
   */
  layers?: (string | number)[];
}

const extractorCache = new WeakMap<tf.LayersModel, Map<string, tf.LayersModel>>();

/**
 * Runs `model` on `input` (inference mode) and returns the requested
 * intermediate activations, keyed by the requested name (or by layer name
 * for numeric indices), in request order. The caller owns (disposes) them.
 */
export function extractFeatures(
  model: tf.LayersModel,
  input: tf.Tensor | tf.Tensor[],
  options: FeatureOptions = {},
): Record<string, tf.Tensor> {
  if (!model || !Array.isArray((model as Partial<tf.LayersModel>).layers)) {
    throw new Error("models.features: the first argument must be a tf.LayersModel (e.g. from models.create).");
  }
  const points = resolveFeaturePoints(model, options.layers);
  const key = points.map(([, layer]) => layer).join("\u0000");
  let byRequest = extractorCache.get(model);
  if (!byRequest) extractorCache.set(model, (byRequest = new Map()));
  let extractor = byRequest.get(key);
  if (!extractor) {
    const outputs = points.map(([, layerName]) => model.getLayer(layerName).output as tf.SymbolicTensor);
    extractor = tf.model({ inputs: model.inputs, outputs });
    byRequest.set(key, extractor);
  }
  // apply, not predict: predict cuts every input into batches of one length, which breaks
  // graph models (nodes and edges differ in length); apply runs the graph once, in inference mode.
  const result = tf.tidy(() => extractor!.apply(input, { training: false }) as tf.Tensor | tf.Tensor[]);
  const tensors = Array.isArray(result) ? result : [result];
  return Object.fromEntries(points.map(([label], i) => [label, tensors[i]]));
}

/** The default feature points of a model: feature name -> layer name. */
export function defaultFeatureLayers(model: tf.LayersModel): Record<string, string> {
  const recorded = readModelMetadata(model).features;
  if (recorded && Object.keys(recorded).length) return recorded;
  const maps = model.layers.filter((layer) => {
    const output = layer.output as tf.SymbolicTensor | tf.SymbolicTensor[];
    return !Array.isArray(output) && output.shape.length === 4 && layer.getClassName() !== "InputLayer";
  });
  return Object.fromEntries(maps.map((layer) => [layer.name, layer.name]));
}

function resolveFeaturePoints(model: tf.LayersModel, requested: (string | number)[] | undefined): [string, string][] {
  const defaults = defaultFeatureLayers(model);
  if (requested === undefined) {
    const points = Object.entries(defaults);
    if (!points.length) throw new Error("models.features: this model has no 4-D feature maps; pass { layers: [...] } with layer names.");
    return points;
  }
  if (!Array.isArray(requested) || requested.length === 0) {
    throw new Error(`models.features: layers must be a non-empty list of names or indices, e.g. ["layer1", -2], got ${JSON.stringify(requested)}.`);
  }
  const count = model.layers.length;
  return requested.map((request): [string, string] => {
    if (typeof request === "number") {
      if (!Number.isInteger(request) || request >= count || request < -count) {
        throw new Error(`models.features: layer index ${request} is out of range; the model has ${count} layers (0..${count - 1}, or -1..-${count}).`);
      }
      const layer = model.layers[request < 0 ? count + request : request];
      return [layer.name, layer.name];
    }
    if (defaults[request]) return [request, defaults[request]];
    if (model.layers.some((layer) => layer.name === request)) return [request, request];
    const close = closestNames(request, [...Object.keys(defaults), ...model.layers.map((l) => l.name)]);
    const names = close.length ? close : Object.keys(defaults).slice(0, 6);
    throw new Error(`models.features: no layer or feature named "${request}"; try ${names.map((n) => `"${n}"`).join(", ")} (model.layers lists every layer).`);
  });
}
