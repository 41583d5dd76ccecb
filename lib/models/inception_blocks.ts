/**
 * Building blocks shared by the Inception family files (inception_v4.ts,
 * inception_resnet_v2.ts), with timm's module names so PyTorch weights map
 * one to one: ConvNormAct = `${name}.conv` (no bias) -> `${name}.bn`
 * (BatchNorm, eps 1e-3 as in the TensorFlow originals) -> ReLU named `${name}`.
 * Pools follow PyTorch: MaxPool2d(3, 2) without padding, and
 * AvgPool2d(3, 1, padding=1, count_include_pad=False), which is tfjs's "same"
 * average pool (padding is left out of the count).
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormalization } from "../layers/batch_norm.js";
import { activation, apply, type Node, torchConv2d } from "./cnn_blocks.js";

/** BatchNorm eps of the Inception families (timm's norm_eps=1e-3). */
export const INCEPTION_BN_EPS = 1e-3;

/** Options of {@link convBnAct}. */
export interface ConvBnActOptions {
  /** Stride. Default 1. */
  strides?: number;
  /** Symmetric zero padding (PyTorch's `padding=`). Default 0. */
  padding?: number | [number, number];
  /** Whether to end with the ReLU. Default true. */
  act?: boolean;
}

/** timm's ConvNormAct (conv without bias, BatchNorm eps 1e-3, ReLU); the last layer is named `name`. */
export function convBnAct(x: Node, filters: number, kernelSize: number | [number, number], name: string, options: ConvBnActOptions = {}): Node {
  const y = torchConv2d(x, { filters, kernelSize, strides: options.strides, padding: options.padding, useBias: false, name: `${name}.conv` });
  const normed = apply(batchNormalization({ axis: -1, momentum: 0.9, epsilon: INCEPTION_BN_EPS, name: `${name}.bn` }), y);
  return options.act === false ? normed : activation(normed, "relu", name);
}

/** PyTorch's MaxPool2d(3, stride=2) (no padding). */
export function maxPool3x3s2(x: Node, name: string): Node {
  return apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: "valid", name }), x);
}

/** PyTorch's AvgPool2d(3, stride=1, padding=1, count_include_pad=False). */
export function avgPool3x3Same(x: Node, name: string): Node {
  return apply(tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: "same", name }), x);
}

/** Channel concatenation (torch.cat(..., 1)). */
export function concat(branches: Node[], name: string): Node {
  return apply(tf.layers.concatenate({ axis: -1, name }), branches);
}

/** Applies a chain of ConvNormAct specs [filters, kernel, options] named `${prefix}.0`, `${prefix}.1` ... */
export function convChain(x: Node, prefix: string, specs: [number, number | [number, number], ConvBnActOptions?][]): Node {
  return specs.reduce((y, [filters, kernel, options], i) => convBnAct(y, filters, kernel, `${prefix}.${i}`, options), x);
}

/**
 * Returns c / divisor, checking it is a whole number: reduced-width configs
 * (used by tests to keep PyTorch fixtures small) divide every width of the
 * reference architecture by the same factor.
 */
export function widthScaler(divisor: number, model: string): (channels: number) => number {
  if (!Number.isInteger(divisor) || divisor < 1) throw new Error(`${model}: widthDivisor must be a positive integer, got ${divisor}.`);
  return (channels) => {
    const scaled = channels / divisor;
    if (!Number.isInteger(scaled)) throw new Error(`${model}: widthDivisor ${divisor} does not divide width ${channels}.`);
    return scaled;
  };
}
