/**
 * Loads a timm / PyTorch state dict (a parsed .safetensors file) into a
 * tensorcell model, all or nothing: every key, shape and dtype is checked and
 * every tensor converted before the first variable is written, so a bad file
 * leaves the model exactly as it was.
 */
import * as tf from "@tensorflow/tfjs";
import { type SafetensorsFile, type StoredTensor, toFloat32 } from "../safetensors.js";
import { detectTimmFamily, type TimmFamilyMap, timmFamily, TIMM_FAMILIES } from "./index.js";
import { timmBindings, type WeightBinding } from "./layout.js";

/** What to load and how to name it in errors. */
export interface TimmLoadOptions {
  /** The checkpoint's source (hub id or path), first word of every error. */
  source: string;
  /** Registry name of the model (e.g. "resnet18"). */
  modelName: string;
  /** tensorcell family of the model (e.g. "resnet"). */
  family: string;
  /** Leave the classifier head as built (freshly initialised) and ignore the checkpoint's head. */
  skipHead?: boolean;
  /**
   * The map to use instead of the family's: for a model outside the mapped families whose
   * layers carry its reference's module names, so the generic layouts of layout.ts apply.
   */
  map?: TimmFamilyMap;
}

/** Keys PyTorch keeps that tensorcell has no use for. */
const IGNORED = /(^|\.)num_batches_tracked$/;

function shapeText(shape: number[]): string {
  return `[${shape.join(",")}]`;
}

/** The family map of a tensorcell family, or a one-line error listing the mapped ones. */
export function requireTimmFamily(family: string | undefined, modelName: string, caller: string): TimmFamilyMap {
  const map = timmFamily(family);
  if (!map) {
    throw new Error(`${caller}: ${modelName} has no timm weights layout; pretrained weights load into the ${TIMM_FAMILIES.map((f) => f.family).join(", ")} families.`);
  }
  return map;
}

/** Throws "looks like a convnext checkpoint, not resnet18" when the keys are another mapped family's. */
export function checkCheckpointFamily(file: SafetensorsFile, map: TimmFamilyMap, source: string, modelName: string): void {
  const detected = detectTimmFamily(new Set(file.tensors.keys()));
  if (detected && detected !== map) throw new Error(`${source}: looks like a ${detected.family} checkpoint, not ${modelName}.`);
}

/** Classes of the checkpoint's head (rows of its first classifier weight), or undefined when it has none. */
export function checkpointClasses(file: SafetensorsFile, map: TimmFamilyMap): number | undefined {
  const key = `${map.classifier[0]}.weight`;
  const weight = file.tensors.get(map.torchKey?.(key) ?? key);
  return weight && weight.shape.length >= 1 ? weight.shape[0] : undefined;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isHead(key: string, map: TimmFamilyMap, headKeys: Set<string>): boolean {
  return headKeys.has(key) || map.classifier.some((prefix) => key === prefix || key.startsWith(`${prefix}.`));
}

/**
 * Checks every tensor of `file` against `model` and returns the converted
 * values, in binding order; throws a one-line error naming the first missing,
 * unexpected or misshapen key.
 */
function planLoad(model: tf.LayersModel, file: SafetensorsFile, options: TimmLoadOptions, map: TimmFamilyMap): { binding: WeightBinding; stored: StoredTensor[] }[] {
  const { source, modelName } = options;
  const all = timmBindings(model, `${source}`, map);
  const headKeys = new Set(all.filter((b) => map.classifier.includes(b.layer)).flatMap((b) => b.torch.map((spec) => spec.key)));
  const bindings = all.filter((b) => !(options.skipHead && map.classifier.includes(b.layer)));
  const used = new Set<string>();
  const plan = bindings.map((binding) => {
    const stored = binding.torch.map((spec) => {
      const tensor = file.tensors.get(spec.key);
      if (!tensor) throw new Error(`${source}: missing ${spec.key} ${shapeText(spec.shape)}, which ${modelName} needs (the checkpoint has ${file.tensors.size} tensors).`);
      const accepted = [spec.shape, ...(spec.alternatives ?? [])];
      if (!accepted.some((shape) => sameShape(shape, tensor.shape))) {
        const hint = spec.key.endsWith("pos_embed") ? " (the weights were trained at another input size or patch size; create the model with their inputShape)" : "";
        throw new Error(`${source}: ${spec.key} has shape ${shapeText(tensor.shape)}, ${modelName} expects ${shapeText(spec.shape)}${hint}.`);
      }
      if (!["F32", "F16", "BF16", "F64"].includes(tensor.dtype)) throw new Error(`${source}: ${spec.key} is ${tensor.dtype}, ${modelName} expects a floating-point tensor.`);
      used.add(spec.key);
      return tensor;
    });
    return { binding, stored };
  });
  for (const key of file.tensors.keys()) {
    if (used.has(key) || IGNORED.test(key) || (options.skipHead && isHead(key, map, headKeys))) continue;
    throw new Error(`${source}: unexpected ${key} ${shapeText(file.tensors.get(key)!.shape)}; ${modelName} has no such weight.`);
  }
  return plan;
}

/**
 * Loads a timm-layout state dict into `model`: validates everything, converts
 * every tensor, then writes the variables. Nothing is written when any check fails.
 */
export function loadTimmStateDict(model: tf.LayersModel, file: SafetensorsFile, options: TimmLoadOptions): void {
  const map = options.map ?? requireTimmFamily(options.family, options.modelName, options.source);
  checkCheckpointFamily(file, map, options.source, options.modelName);
  const plan = planLoad(model, file, options, map);
  const values = plan.map(({ binding, stored }) => binding.fromTorch(stored.map(toFloat32)));
  plan.forEach(({ binding }, i) => {
    const tensor = tf.tensor(values[i], binding.variable.shape as number[], "float32");
    binding.variable.write(tensor);
    tensor.dispose();
  });
}
