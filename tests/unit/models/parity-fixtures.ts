/**
 * Parity fixtures (tests/fixtures/<family>/generate.py: a reference state dict
 * with an input and its logits) read for the tests, their weights loaded
 * through the production loader (lib/weights/timm), and the save/load round
 * trip of a loaded model as a timm / reference-layout .safetensors file. Also
 * imported outside vitest (bench/parity), so vitest is loaded only by the
 * function that asserts with it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { readModelMetadata, writeModelMetadata } from "../../../lib/models/metadata.js";
import { readSafetensors, type SafetensorsFile, toFloat32 } from "../../../lib/weights/safetensors.js";
import type { TimmFamilyMap } from "../../../lib/weights/timm/index.js";
import { loadTimmStateDict } from "../../../lib/weights/timm/load.js";
import { saveTimmSafetensors } from "../../../lib/weights/timm/save.js";

/** tests/fixtures. */
export const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures");

/** A fixture file: its weights (a state dict for the loader), the tensors taken out of it, and its JSON "config" metadata. */
export interface ParityFixture {
  /** The state dict alone. */
  weights: SafetensorsFile;
  /** The non-weight tensors (input, logits ...), as written. */
  tensors: Map<string, tf.Tensor>;
  /** JSON.parse of the "config" metadata ({} when there is none). */
  config: Record<string, unknown>;
}

/** Reads a .safetensors fixture; `extra` names its tensors that are not weights (input, logits). */
export function readParityFixture(path: string, extra: string[] = []): ParityFixture {
  const weights = readSafetensors(new Uint8Array(readFileSync(path)), path);
  const tensors = new Map<string, tf.Tensor>();
  for (const key of extra) {
    const stored = weights.tensors.get(key);
    if (!stored) continue;
    tensors.set(key, tf.tensor(toFloat32(stored), stored.shape));
    weights.tensors.delete(key);
  }
  return { weights, tensors, config: JSON.parse(weights.metadata.config ?? "{}") as Record<string, unknown> };
}

/** A reference generator's folder: tests/fixtures/<family>/{weights,case}.safetensors and config.json. */
export interface FixtureFolder {
  /** Path of weights.safetensors (a state dict `models.create(name, { pretrained })` takes). */
  weightsPath: string;
  /** The state dict. */
  weights: SafetensorsFile;
  /** case.safetensors: input, logits (and any other inputs and logits the generator wrote). */
  tensors: Map<string, tf.Tensor>;
  /** The input shape, classes and model options the generator used. */
  config: { inputShape: number[]; numClasses: number; options: Record<string, unknown> };
}

/** Reads {weights,case}.safetensors and config.json from tests/fixtures/<family>, or from `dir` (a generator's full-size output). */
export function readFixtureFolder(family: string, dir = join(FIXTURES, family)): FixtureFolder {
  const weightsPath = join(dir, "weights.safetensors");
  const testCase = readParityFixture(join(dir, "case.safetensors"));
  const tensors = new Map([...testCase.weights.tensors].map(([key, stored]) => [key, tf.tensor(toFloat32(stored), stored.shape)]));
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as FixtureFolder["config"];
  return { weightsPath, weights: readParityFixture(weightsPath).weights, tensors, config };
}

/** `weights` with some tensors replaced or added (e.g. a position embedding for another input size). */
export function withTensors(weights: SafetensorsFile, replacements: Record<string, tf.Tensor>): SafetensorsFile {
  const tensors = new Map(weights.tensors);
  for (const [key, value] of Object.entries(replacements)) {
    const data = value.dataSync() as Float32Array;
    tensors.set(key, { dtype: "F32", shape: [...value.shape], data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  return { tensors, metadata: weights.metadata };
}

/**
 * Loads a reference state dict into `model` with lib/weights' loader, which checks that
 * every key is used and every shape matches. `family` is the tensorcell family (from the
 * model's metadata when it was made by models.create), or a map for a family lib/weights
 * does not map (layers named after the reference's modules, generic layouts).
 */
export function loadReference(model: tf.LayersModel, weights: SafetensorsFile, source: string, family?: string | TimmFamilyMap): void {
  const metadata = readModelMetadata(model);
  const map = typeof family === "object" ? family : undefined;
  const resolved = map?.family ?? family ?? metadata.family;
  if (typeof resolved !== "string") throw new Error(`${model.name}: no family; pass it`);
  if (!metadata.family) writeModelMetadata(model, { model: metadata.model ?? model.name, family: resolved });
  loadTimmStateDict(model, weights, { source, modelName: metadata.model ?? model.name, family: resolved, map });
}

/** Logits of `model` for `input`, as an array. */
export function logitsOf(model: tf.LayersModel, input: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync() as Float32Array);
}

/**
 * Saves `model` (weights loaded from `weights`) as .safetensors at `path`, checks the file has
 * exactly the reference's keys and shapes (BatchNorm's num_batches_tracked aside), loads it
 * with `reload` and checks the reloaded model gives the same logits for `input`.
 */
export async function expectSafetensorsRoundTrip(
  model: tf.LayersModel,
  weights: SafetensorsFile,
  path: string,
  input: tf.Tensor,
  reload: (path: string) => tf.LayersModel | Promise<tf.LayersModel>,
): Promise<void> {
  const { expect } = await import("vitest");
  await saveTimmSafetensors(model, path);
  const saved = readSafetensors(new Uint8Array(readFileSync(path)), path);
  const shapes = (file: SafetensorsFile) =>
    Object.fromEntries([...file.tensors].filter(([key]) => !key.endsWith("num_batches_tracked")).map(([key, t]) => [key, t.shape]));
  expect(shapes(saved)).toEqual(shapes(weights));
  const reloaded = await reload(path);
  expect(Array.from(logitsOf(reloaded, input))).toEqual(Array.from(logitsOf(model, input)));
  reloaded.dispose();
}

/** Largest |actual - expected| over the largest |expected| (the absolute difference when the reference is all zeros). */
export function relativeError(actual: tf.Tensor | ArrayLike<number>, expected: tf.Tensor | ArrayLike<number>): number {
  const values = (x: tf.Tensor | ArrayLike<number>) => (x instanceof tf.Tensor ? x.dataSync() : x);
  const a = values(actual);
  const e = values(expected);
  if (a.length !== e.length) throw new Error(`relativeError: ${a.length} values against ${e.length} expected.`);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    scale = Math.max(scale, Math.abs(e[i]));
    worst = Math.max(worst, Math.abs(a[i] - e[i]));
  }
  return scale === 0 ? worst : worst / scale;
}
