/**
 * A tensorcell model's weights as a timm / PyTorch state dict: the keys and
 * layouts of layout.ts, BatchNorm's num_batches_tracked added (PyTorch's
 * strict load_state_dict asks for it), written as .safetensors.
 */
import { rename, writeFile } from "node:fs/promises";
import type * as tf from "@tensorflow/tfjs";
import { readModelMetadata } from "../../models/metadata.js";
import { type TensorToWrite, writeSafetensors } from "../safetensors.js";
import { timmFamily } from "./index.js";
import { timmBindings } from "./layout.js";

/** The model's weights by PyTorch key, in PyTorch's layouts. */
export function timmStateDict(model: tf.LayersModel, caller = "models.save"): Record<string, TensorToWrite> {
  const { model: modelName = model.name, family } = readModelMetadata(model);
  const map = timmFamily(family);
  const out: Record<string, TensorToWrite> = {};
  for (const binding of timmBindings(model, caller, map)) {
    const parts = binding.toTorch(binding.variable.read().dataSync() as Float32Array);
    binding.torch.forEach((spec, i) => {
      out[spec.key] = { shape: map?.saveShape?.(modelName, spec.key, spec.shape) ?? spec.shape, data: Float32Array.from(parts[i]) };
    });
    const runningMean = binding.torch.find((spec) => spec.key.endsWith(".running_mean"));
    if (runningMean && model.getLayer(binding.layer).getClassName() === "BatchNormalization") {
      out[runningMean.key.replace(/running_mean$/, "num_batches_tracked")] = { shape: [], data: BigInt64Array.from([0n]) };
    }
  }
  return out;
}

/**
 * Writes the model's weights to `path` (.safetensors) with timm's keys and
 * layouts, loadable by `timm.create_model(name, pretrained_cfg_overlay=dict(file=path))`
 * or `model.load_state_dict(safetensors.torch.load_file(path))`.
 */
export async function saveTimmSafetensors(model: tf.LayersModel, path: string): Promise<void> {
  if (!model || typeof (model as Partial<tf.LayersModel>).getUserDefinedMetadata !== "function") {
    throw new Error(`models.save: the first argument must be a tf.LayersModel (e.g. from models.create), got ${model === null ? "null" : typeof model}.`);
  }
  const { model: modelName } = readModelMetadata(model);
  const bytes = writeSafetensors(timmStateDict(model), { format: "pt", ...(modelName ? { tensorcell_model: modelName } : {}) });
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}
