/**
 * `models.pretrainedConfig`: what a model's pretrained weights expect (timm's
 * default pretrained_cfg for its registry name), plus the source of the
 * weights when the model recorded one.
 */
import type * as tf from "@tensorflow/tfjs";
import { readModelMetadata } from "../models/metadata.js";
import { allModelSpecs, closestNames } from "../models/registry.js";
import { PRETRAINED_CONFIGS, type PretrainedConfig } from "./pretrained-configs.js";

/** A {@link PretrainedConfig} for one model, with the registry name and, when recorded, where its weights came from. */
export interface ModelPretrainedConfig extends PretrainedConfig {
  /** Registry name of the model (e.g. "resnet18"). */
  model: string;
  /** Where the model's weights were loaded from (hub id or file), when the model recorded it. */
  source?: string;
}

const CALLER = "models.pretrainedConfig";

/** Whether `value` looks like a tf.LayersModel. */
export function isLayersModel(value: unknown): value is tf.LayersModel {
  return !!value && typeof value === "object" && Array.isArray((value as Partial<tf.LayersModel>).layers) && typeof (value as Partial<tf.LayersModel>).getUserDefinedMetadata === "function";
}

/**
 * The pretrained configuration of a model or registry name: timm's default
 * pretrained_cfg (hub id, input size, interpolation, crop, mean/std, classes),
 * with `source` set when the model recorded where its weights came from.
 * The table holds each model's default weights; a checkpoint with another
 * tag (source "timm/resnet18.a2_in1k") may have been trained at other
 * settings. Throws a one-line error for anything without published weights.
 */
export function pretrainedConfig(modelOrName: tf.LayersModel | string): ModelPretrainedConfig {
  let name: string;
  let source: string | undefined;
  if (typeof modelOrName === "string") {
    name = modelOrName;
  } else if (isLayersModel(modelOrName)) {
    const recorded = readModelMetadata(modelOrName).model;
    if (!recorded) throw new Error(`${CALLER}: this model records no registry name (it was not built by models.create); pass the name instead, e.g. models.pretrainedConfig("resnet18").`);
    name = recorded;
    source = readModelMetadata(modelOrName).pretrained;
  } else {
    throw new Error(`${CALLER}: expected a model (from models.create) or a model name such as "resnet18", got ${describeValue(modelOrName)}.`);
  }
  const config = PRETRAINED_CONFIGS[name];
  if (!config) {
    const withWeights = Object.keys(PRETRAINED_CONFIGS);
    const registered = allModelSpecs().some((spec) => spec.name === name);
    const close = closestNames(name, withWeights);
    const hint = close.length ? `try ${close.map((n) => `"${n}"`).join(", ")}` : `models with them: ${withWeights.join(", ")}`;
    throw new Error(`${CALLER}: ${registered ? `"${name}" has no published pretrained weights` : `no model named "${name}"`}; ${hint}.`);
  }
  return { ...structuredClone(config), model: name, ...(source !== undefined ? { source } : {}) };
}

/** A short description of a bad argument for error messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "object") return `an object (${(value as object).constructor?.name ?? "Object"})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
