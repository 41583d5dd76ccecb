/**
 * What tensorcell records inside a built model (tfjs's userDefinedMetadata,
 * which model.json keeps, so it survives models.save/models.load): the
 * registry name, the family, and the layers that end each stage, which
 * `models.features` returns by default.
 */
import type * as tf from "@tensorflow/tfjs";

/** The `tensorcell` entry of a model's userDefinedMetadata. */
export interface TensorcellModelMetadata {
  /** Registry name the model was created from (e.g. "resnet18"). */
  model?: string;
  /** Family (e.g. "resnet"). */
  family?: string;
  /**
   * Default feature points: key (timm's feature name, e.g. "layer1" or
   * "stages.0") -> name of the layer whose output is that feature.
   */
  features?: Record<string, string>;
  /** Where the model's pretrained weights came from: the hub id or path given to `models.create(name, { pretrained })`. */
  pretrained?: string;
  /** The family's build configuration, for transforms that rebuild the model (models.reparameterize). */
  config?: Record<string, unknown>;
  /** Set by models.quantize: the quantization settings and calibrated ranges (quantize.ts, QuantizationInfo). */
  quantization?: import("./quantize.js").QuantizationInfo;
  /** Set by the CNN families' head: "svm" option: the classifier is a linear SVM (train with models.svmLoss). */
  head?: "softmax" | "svm";
}

const KEY = "tensorcell";

/** Reads tensorcell's metadata from a model (an empty object for models built elsewhere). */
export function readModelMetadata(model: tf.LayersModel): TensorcellModelMetadata {
  const all = model.getUserDefinedMetadata() as Record<string, unknown> | undefined;
  const entry = all?.[KEY];
  return entry && typeof entry === "object" ? (entry as TensorcellModelMetadata) : {};
}

/** Merges `update` into tensorcell's metadata on the model, keeping other metadata keys. */
export function writeModelMetadata(model: tf.LayersModel, update: TensorcellModelMetadata): void {
  const all = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined) ?? {};
  model.setUserDefinedMetadata({ ...all, [KEY]: { ...readModelMetadata(model), ...update } });
}

/** Records which layers end each stage: `features` maps a feature name to a layer name. */
export function setFeatureLayers(model: tf.LayersModel, features: Record<string, string>): tf.LayersModel {
  for (const layerName of Object.values(features)) model.getLayer(layerName); // throws if a name is wrong
  writeModelMetadata(model, { features });
  return model;
}
