/**
 * Loads the timm parity fixtures (tests/fixtures/<family>/*.safetensors, written
 * by tests/fixtures/timm/timm_fixture.py): timm's state dict, the input and the
 * eval-mode logits, and puts the weights into a tensorcell model whose layers
 * carry timm's module names ("features.3.conv" <- "features.3.conv.weight").
 */
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { readSafetensors, type StoredTensor, toFloat32 } from "../../../lib/weights/safetensors.js";

/** A parsed fixture. */
export interface TimmFixture {
  /** The builder config the generator used (plus numClasses and inputShape). */
  config: Record<string, unknown> & { numClasses: number; inputShape: number[] };
  /** Trainable parameters of timm's reduced model. */
  params: number;
  /** The input, NHWC. */
  input: tf.Tensor;
  /** timm's logits. */
  logits: Float32Array;
  /** State dict entries (without input / logits). */
  state: Map<string, StoredTensor>;
}

/** Reads a fixture file. */
export function readTimmFixture(path: string): TimmFixture {
  const { tensors, metadata } = readSafetensors(readFileSync(path), path);
  const take = (key: string) => {
    const entry = tensors.get(key)!;
    tensors.delete(key);
    return entry;
  };
  const input = take("__input__");
  const logits = take("__logits__");
  return {
    config: JSON.parse(metadata.config),
    params: Number(metadata.params),
    input: tf.tidy(() => tf.tensor(toFloat32(input), input.shape).transpose([0, 2, 3, 1])),
    logits: toFloat32(logits),
    state: tensors,
  };
}

/**
 * Sets every weighted layer of `model` from the state dict; `key` maps a layer
 * name to its timm module name (identity by default). Returns the state keys no
 * layer took, so a test can check the two models have the same parameters.
 */
export function loadTimmWeights(model: tf.LayersModel, state: Map<string, StoredTensor>, key: (layer: string) => string = (l) => l): string[] {
  const used = new Set<string>();
  const get = (name: string) => {
    const entry = state.get(name);
    if (!entry) throw new Error(`no timm weight "${name}"`);
    used.add(name);
    return tf.tensor(toFloat32(entry), entry.shape);
  };
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const m = key(layer.name);
    const values = tf.tidy(() => {
      switch (layer.getClassName()) {
        case "Conv2D": {
          const kernel = get(`${m}.weight`).transpose([2, 3, 1, 0]); // [out, in, kh, kw] -> [kh, kw, in, out]
          return layer.weights.length > 1 ? [kernel, get(`${m}.bias`)] : [kernel];
        }
        case "DepthwiseConv2D": { // [c, 1, kh, kw] -> [kh, kw, c, 1]
          const kernel = get(`${m}.weight`).transpose([2, 3, 0, 1]);
          return layer.weights.length > 1 ? [kernel, get(`${m}.bias`)] : [kernel];
        }
        case "Dense":
          return [get(`${m}.weight`).transpose(), get(`${m}.bias`)];
        case "BatchNormalization":
          return [get(`${m}.weight`), get(`${m}.bias`), get(`${m}.running_mean`), get(`${m}.running_var`)];
        default:
          throw new Error(`no timm mapping for ${layer.getClassName()} ${layer.name}`);
      }
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
  return [...state.keys()].filter((k) => !used.has(k));
}

/** Largest |actual - expected| over the largest |expected|. */
export function relativeError(actual: Float32Array | Int32Array | Uint8Array, expected: Float32Array): number {
  const scale = Math.max(...Array.from(expected, Math.abs));
  return Math.max(...Array.from(actual, (v, i) => Math.abs(v - expected[i]))) / scale;
}
