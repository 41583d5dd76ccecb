/**
 * Loads a parity fixture written by a tests/fixtures/<family>/generate.py
 * (a PyTorch state dict, an input and the reference logits, as safetensors)
 * and copies the state dict into a tensorcell model, layer by layer.
 * Every PyTorch tensor must be used exactly once, so a weight the tensorcell
 * model lacks (or has twice) fails the test rather than passing unnoticed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { readSafetensors, toFloat32 } from "../../../lib/weights/safetensors.js";

/** A generator's outputs: the state dict, the NHWC input, the logits and the options it used. */
export interface ReferenceFixture {
  state: Map<string, tf.Tensor>;
  input: tf.Tensor;
  logits: tf.Tensor;
  /** Every tensor of case.safetensors (extra inputs and logits some generators write). */
  tensors: Map<string, tf.Tensor>;
  config: { inputShape: number[]; numClasses: number; options: Record<string, unknown> };
}

function tensors(path: string): Map<string, tf.Tensor> {
  const file = readSafetensors(new Uint8Array(readFileSync(path)), path);
  return new Map([...file.tensors].map(([name, stored]) => [name, tf.tensor(toFloat32(stored), stored.shape)]));
}

/** Reads {weights,case}.safetensors and config.json from tests/fixtures/<family>, or from `dir` (a generator's --full output). */
export function readReferenceFixture(family: string, dir = join(import.meta.dirname, "..", "..", "fixtures", family)): ReferenceFixture {
  const state = tensors(join(dir, "weights.safetensors"));
  const testCase = tensors(join(dir, "case.safetensors"));
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as ReferenceFixture["config"];
  return { state, input: testCase.get("input")!, logits: testCase.get("logits")!, tensors: testCase, config };
}

/** Takes a PyTorch tensor by name (each at most once). */
export type TorchGetter = (key: string) => tf.Tensor;

/**
 * Copies `state` into `model`. `torchName` maps a tfjs layer name to its PyTorch module
 * prefix; `custom` returns the weights of layers the generic mapping does not know (or
 * undefined to use it). Throws if a PyTorch tensor is left unused.
 */
export function loadTorchState(
  model: tf.LayersModel,
  state: Map<string, tf.Tensor>,
  torchName: (layerName: string) => string,
  custom: (layer: tf.layers.Layer, prefix: string, get: TorchGetter) => tf.Tensor[] | undefined = () => undefined,
): void {
  const used = new Set<string>();
  const get: TorchGetter = (key) => {
    const value = state.get(key);
    if (!value) throw new Error(`no PyTorch tensor "${key}"`);
    if (used.has(key)) throw new Error(`PyTorch tensor "${key}" used twice`);
    used.add(key);
    return value;
  };
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const prefix = torchName(layer.name);
    const weights = custom(layer, prefix, get) ?? genericWeights(layer, prefix, get);
    layer.setWeights(weights);
  }
  const unused = [...state.keys()].filter((key) => !used.has(key) && !key.endsWith("num_batches_tracked"));
  if (unused.length) throw new Error(`PyTorch tensors not loaded: ${unused.join(", ")}`);
}

function genericWeights(layer: tf.layers.Layer, prefix: string, get: TorchGetter): tf.Tensor[] {
  const withBias = (kernel: tf.Tensor) => (layer.weights.length > 1 ? [kernel, get(`${prefix}.bias`)] : [kernel]);
  switch (layer.getClassName()) {
    case "Conv2D": // [out, in, kh, kw] -> [kh, kw, in, out]
      return withBias(get(`${prefix}.weight`).transpose([2, 3, 1, 0]));
    case "DepthwiseConv2D": // [c, 1, kh, kw] -> [kh, kw, c, 1]
      return withBias(get(`${prefix}.weight`).transpose([2, 3, 0, 1]));
    case "Dense":
      return withBias(get(`${prefix}.weight`).transpose());
    case "BatchNormalization":
      return [get(`${prefix}.weight`), get(`${prefix}.bias`), get(`${prefix}.running_mean`), get(`${prefix}.running_var`)];
    case "ChannelLayerNorm":
      return [get(`${prefix}.weight`), get(`${prefix}.bias`)];
    case "LayerScale":
      return [get(prefix)];
    default:
      throw new Error(`no PyTorch mapping for ${layer.getClassName()} ${layer.name}`);
  }
}

/** max |a - b| / max |b|: the relative error of logits. */
export function relativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0] / tf.max(tf.abs(expected)).dataSync()[0]);
}
