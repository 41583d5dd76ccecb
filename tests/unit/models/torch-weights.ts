/**
 * Loads PyTorch state-dict tensors into tensorcell models whose layers are
 * named like the reference modules ("layer1.0.conv1", "stages.2.blocks.0.norm"):
 * one mapping from each tfjs layer class to its PyTorch tensors and layout.
 * Shared by the parity tests (torch-parity, resnet-ibn, unireplknet).
 */
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { readSafetensors, toFloat32 } from "../../../lib/weights/safetensors.js";

/** A PyTorch tensor: shape and float32 values. */
export interface TorchTensor {
  shape: number[];
  values: Float32Array;
}

/** The tfjs value of each of a layer's weights, taken from the PyTorch state dict (`get` throws for a missing key). */
export function weightsFor(layer: tf.layers.Layer, get: (key: string) => TorchTensor): tf.Tensor[] {
  const t = (key: string) => {
    const entry = get(key);
    return tf.tensor(entry.values, entry.shape);
  };
  const vector = (key: string) => t(key).reshape([-1]); // GRN's (1, 1, 1, C) -> (C)
  const name = layer.name;
  switch (layer.getClassName()) {
    case "Conv2D": {
      const kernel = t(`${name}.weight`).transpose([2, 3, 1, 0]); // [out, in, kh, kw] -> [kh, kw, in, out]
      return layer.weights.length > 1 ? [kernel, t(`${name}.bias`)] : [kernel];
    }
    case "DepthwiseConv2D":
    case "DilatedDepthwiseConv2D": {
      const kernel = t(`${name}.weight`).transpose([2, 3, 0, 1]); // [c, 1, kh, kw] -> [kh, kw, c, 1]
      return layer.weights.length > 1 ? [kernel, t(`${name}.bias`)] : [kernel];
    }
    case "Dense": {
      const kernel = t(`${name}.weight`).transpose();
      return layer.weights.length > 1 ? [kernel, t(`${name}.bias`)] : [kernel];
    }
    case "BatchNormalization":
      return [t(`${name}.weight`), t(`${name}.bias`), t(`${name}.running_mean`), t(`${name}.running_var`)];
    case "ChannelLayerNorm":
    case "InstanceNorm":
      return [t(`${name}.weight`), t(`${name}.bias`)];
    case "LayerScale":
      return [t(name)];
    case "GlobalResponseNorm":
      return layer.weights.length > 1 ? [vector(`${name}.gamma`), vector(`${name}.beta`)] : [vector(`${name}.gamma`)];
    default:
      throw new Error(`no PyTorch mapping for ${layer.getClassName()} ${name}`);
  }
}

/**
 * Sets every weighted layer of `model` from `state`, and checks that every
 * state-dict key (besides `ignore`) found a layer: no reference parameter is
 * missing from the tensorcell model.
 */
export function loadTorchState(model: tf.LayersModel, state: Map<string, TorchTensor>, ignore: string[] = []): void {
  const used = new Set<string>();
  const get = (key: string) => {
    const entry = state.get(key);
    if (!entry) throw new Error(`no PyTorch weight "${key}"`);
    used.add(key);
    return entry;
  };
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const values = weightsFor(layer, get);
    layer.setWeights(values);
    tf.dispose(values);
  }
  expect([...state.keys()].filter((key) => !used.has(key) && !ignore.includes(key))).toEqual([]);
}

/** A fixture written by a tests/fixtures/<family>/generate.py: its tensors and its JSON "config" metadata. */
export function readTorchFixture(path: string): { state: Map<string, TorchTensor>; config: Record<string, unknown> } {
  const file = readSafetensors(new Uint8Array(readFileSync(path)), path);
  const state = new Map<string, TorchTensor>();
  for (const [name, stored] of file.tensors) state.set(name, { shape: stored.shape, values: toFloat32(stored) });
  return { state, config: JSON.parse(file.metadata?.config ?? "{}") as Record<string, unknown> };
}

/** Largest absolute difference over the largest reference magnitude (the absolute difference when the reference is all zeros). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  return scale === 0 ? worst : worst / scale;
}
