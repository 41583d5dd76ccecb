/**
 * `models.freeze` / `models.unfreeze`: fix the weights of a model's first
 * layers (the pretrained backbone) so that training only changes the rest.
 */
import * as tf from "@tensorflow/tfjs";
import { defaultFeatureLayers } from "../models/features.js";
import { countTrainableParams } from "../models/params.js";
import { closestNames } from "../models/registry.js";
import { describeValue, isLayersModel } from "./config.js";

/** Options of {@link freezeModel}. */
export interface FreezeOptions {
  /**
   * Last layer to freeze (included): a feature name ("layer3", "stages.2"; see
   * models.features), a layer name, or an index into model.layers (negative
   * counts from the end). Default: the model's last feature point, i.e. the
   * whole backbone, leaving the classifier head trainable.
   */
  upTo?: string | number;
}

const INFERENCE_PATCH = Symbol("tensorcell.frozenInference");

type PatchedLayer = tf.layers.Layer & { [INFERENCE_PATCH]?: true };

/**
 * Makes a layer run in inference mode whenever it is not trainable (BatchNorm
 * keeps its moving statistics, dropout and drop-path are off), as Keras does
 * for a frozen BatchNormalization. Patched once; a trainable layer is untouched.
 */
function runFrozenInInference(layer: PatchedLayer): void {
  if (layer[INFERENCE_PATCH]) return;
  const original = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => original(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
  layer[INFERENCE_PATCH] = true;
}

/**
 * Points a compiled model's training at the current trainable weights (tfjs
 * collects them at compile time). When that set changes, the optimizer is
 * replaced by a fresh one of the same kind and settings: tfjs optimizers keep
 * their moments by position in the weight list, so old moments would land on
 * the wrong weights (Keras users recompile here for the same reason).
 */
function refreshCollectedWeights(model: tf.LayersModel): void {
  const internal = model as unknown as { collectedTrainableWeights?: tf.LayerVariable[] | null; optimizer_?: tf.Optimizer };
  const before = internal.collectedTrainableWeights;
  if (before == null) return;
  const now = model.trainableWeights;
  internal.collectedTrainableWeights = now;
  const same = before.length === now.length && before.every((w, i) => w === now[i]);
  const optimizer = internal.optimizer_;
  if (same || !optimizer) return;
  const kind = optimizer.constructor as unknown as { fromConfig?: (cls: unknown, config: unknown) => tf.Optimizer };
  if (typeof kind.fromConfig === "function") internal.optimizer_ = kind.fromConfig(kind, optimizer.getConfig());
}

/**
 * Gives every layer of a loaded model the inference-mode rule of
 * {@link freezeModel}: a model saved while frozen comes back with its layers'
 * `trainable: false` (tfjs keeps that in model.json) but not with the rule,
 * so a fit after loading would update a frozen BatchNorm's statistics.
 */
export function keepFrozenLayersInInference(model: tf.LayersModel): void {
  for (const layer of model.layers) runFrozenInInference(layer);
}

/** Index in model.layers of the last layer to freeze. */
function resolveUpTo(model: tf.LayersModel, upTo: string | number | undefined, caller: string): number {
  const count = model.layers.length;
  const features = defaultFeatureLayers(model);
  if (upTo === undefined) {
    const last = Object.values(features).at(-1);
    if (last === undefined) throw new Error(`${caller}: this model has no feature points to find its backbone; pass { upTo: "<layer name>" } or an index.`);
    return model.layers.findIndex((layer) => layer.name === last);
  }
  if (typeof upTo === "number") {
    if (!Number.isInteger(upTo) || upTo >= count || upTo < -count) {
      throw new Error(`${caller}: upTo index ${upTo} is out of range; the model has ${count} layers (0..${count - 1}, or -1..-${count}).`);
    }
    return upTo < 0 ? count + upTo : upTo;
  }
  if (typeof upTo !== "string") throw new Error(`${caller}: upTo must be a feature name, a layer name or an index, got ${describeValue(upTo)}.`);
  const layerName = features[upTo] ?? upTo;
  const index = model.layers.findIndex((layer) => layer.name === layerName);
  if (index >= 0) return index;
  const close = closestNames(upTo, [...Object.keys(features), ...model.layers.map((layer) => layer.name)]);
  const names = close.length ? close : Object.keys(features).slice(0, 6);
  throw new Error(`${caller}: no layer or feature named "${upTo}"; try ${names.map((n) => `"${n}"`).join(", ")} (model.layers lists every layer).`);
}

function requireModel(model: unknown, caller: string): asserts model is tf.LayersModel {
  if (!isLayersModel(model)) throw new Error(`${caller}: the first argument must be a tf.LayersModel (e.g. from models.create), got ${describeValue(model)}.`);
}

/**
 * Freezes model.layers[0] up to and including `upTo` (the other layers are
 * made trainable) and returns how many parameters are trainable now. Frozen
 * layers also run in inference mode during fit (BatchNorm keeps its moving
 * statistics). A compiled model trains the new set without recompiling.
 */
export function freezeModel(model: tf.LayersModel, options: FreezeOptions = {}): number {
  const caller = "models.freeze";
  requireModel(model, caller);
  if (options === null || typeof options !== "object") throw new Error(`${caller}: options must be an object such as { upTo: "layer3" }, got ${describeValue(options)}.`);
  const unknown = Object.keys(options).filter((key) => key !== "upTo");
  if (unknown.length) throw new Error(`${caller}: unknown option ${unknown.map((k) => `"${k}"`).join(", ")}; the only option is upTo.`);
  const last = resolveUpTo(model, options.upTo, caller);
  model.trainable = true;
  model.layers.forEach((layer, i) => {
    runFrozenInInference(layer);
    layer.trainable = i > last;
  });
  refreshCollectedWeights(model);
  return countTrainableParams(model);
}

/** Makes every layer trainable again; returns the number of trainable parameters. */
export function unfreezeModel(model: tf.LayersModel): number {
  requireModel(model, "models.unfreeze");
  model.trainable = true;
  for (const layer of model.layers) layer.trainable = true;
  refreshCollectedWeights(model);
  return countTrainableParams(model);
}
