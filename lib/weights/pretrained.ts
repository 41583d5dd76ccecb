/**
 * `models.create(name, { pretrained })`: finds the weights with locateWeights
 * (the model's default timm hub id for `true`, a hub id, downloaded once and
 * cached, a .safetensors file or a folder holding one), builds the model with the checkpoint's number of classes
 * unless numClasses says otherwise, and loads the timm state dict into it.
 */
import { readFile } from "node:fs/promises";
import type * as tf from "@tensorflow/tfjs";
import { writeModelMetadata } from "../models/metadata.js";
import type { ModelOptions, ModelSpec } from "../models/registry.js";
import { locateWeights } from "./hub.js";
import { PRETRAINED_CONFIGS } from "./pretrained-configs.js";
import { readSafetensors } from "./safetensors.js";
import { checkCheckpointFamily, checkpointClasses, loadTimmStateDict, requireTimmFamily } from "./timm/load.js";

/** Where pretrained weights come from: `true` (timm's default weights of the model), a hub id ("timm/convnext_atto.d2_in1k"), a .safetensors file, or a folder holding one. */
export type PretrainedSource = true | string;

/** The hub id or path a `pretrained` option names, checked. */
export function pretrainedSourceName(spec: ModelSpec, pretrained: unknown): string {
  const where = `models.create("${spec.name}")`;
  if (pretrained === true) {
    const config = PRETRAINED_CONFIGS[spec.name];
    if (!config) throw new Error(`${where}: ${spec.name} has no published timm weights; pass pretrained: "<file.safetensors>" to load your own.`);
    return config.hubId;
  }
  if (typeof pretrained !== "string" || pretrained.length === 0) {
    throw new Error(`${where}: option pretrained must be true, a hub id such as "timm/resnet18.a1_in1k", or a .safetensors path; got ${JSON.stringify(pretrained)}.`);
  }
  return pretrained;
}

/** Builds `spec`'s model and loads the weights `pretrained` names; `build` is models.create's synchronous path. */
export async function createPretrained(
  spec: ModelSpec,
  options: ModelOptions,
  pretrained: unknown,
  build: (options: ModelOptions) => tf.LayersModel,
): Promise<tf.LayersModel> {
  const source = pretrainedSourceName(spec, pretrained);
  const map = requireTimmFamily(spec.family, spec.name, `models.create("${spec.name}")`);
  const path = await locateWeights(source);
  const file = readSafetensors(await readFile(path), source);
  checkCheckpointFamily(file, map, source, spec.name);
  const classes = checkpointClasses(file, map);
  const numClasses = options.numClasses ?? classes ?? spec.defaults.numClasses;
  const model = build({ ...options, numClasses });
  const skipHead = classes !== undefined && classes !== numClasses;
  try {
    loadTimmStateDict(model, file, { source, modelName: spec.name, family: spec.family, skipHead });
  } catch (error) {
    model.dispose();
    throw error;
  }
  if (skipHead) console.log(`${spec.name}: loaded ${source} except its ${classes}-class head (${map.classifier.filter((c) => model.layers.some((l) => l.name === c)).join(", ")}), freshly initialised for numClasses ${numClasses}.`);
  writeModelMetadata(model, { pretrained: source });
  return model;
}
