/**
 * `models.create(name, { pretrained })`: finds the weights (the family's
 * default timm hub id for `true`, a hub id, a .safetensors file or a folder
 * holding one), builds the model with the checkpoint's number of classes
 * unless numClasses says otherwise, and loads the timm state dict into it.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type * as tf from "@tensorflow/tfjs";
import { writeModelMetadata } from "../models/metadata.js";
import type { ModelOptions, ModelSpec } from "../models/registry.js";
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

/**
 * A local .safetensors path for a file or a folder holding one. Hub ids are
 * not downloaded here: the error says how to fetch the file by hand.
 */
export async function locateLocalWeights(source: string): Promise<string> {
  const info = await stat(source).catch(() => undefined);
  if (info?.isFile()) return source;
  if (info?.isDirectory()) {
    const files = (await readdir(source)).filter((f) => f.endsWith(".safetensors")).sort();
    const chosen = files.includes("model.safetensors") ? "model.safetensors" : files.length === 1 ? files[0] : undefined;
    if (!chosen) throw new Error(`${source}: ${files.length ? `several .safetensors files (${files.join(", ")}); pass the one to load` : "the folder holds no .safetensors file"}.`);
    return join(source, chosen);
  }
  if (/^[\w.-]+\/[\w.-]+$/.test(source) && !source.endsWith(".safetensors")) {
    throw new Error(`${source}: downloading from the Hugging Face hub is not available here; download https://huggingface.co/${source}/resolve/main/model.safetensors and pass its path.`);
  }
  throw new Error(`${source}: no such file or folder.`);
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
  const path = await locateLocalWeights(source);
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
