/**
 * Building blocks shared by the CNN family files, written so each layer has
 * the same parameters and the same arithmetic as its PyTorch reference
 * (torchvision / timm): PyTorch pads convolutions symmetrically, while
 * tfjs's "same" pads the extra pixel only at the bottom/right when striding,
 * so strided convolutions get an explicit ZeroPadding2D first.
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormalization } from "../layers/batch_norm.js";
import { headActivationOption, headOutput } from "../layers/vit_blocks.js";
import { setFeatureLayers, writeModelMetadata } from "./metadata.js";
import { classifierHeadOption } from "./svm_head.js";
import type { ResolvedModelOptions } from "./options.js";

/** A weight initialiser (tfjs-layers does not export the Initializer type by name). */
export type WeightInitializer = ReturnType<typeof tf.initializers.zeros>;

/** A symbolic tensor in a functional model under construction. */
export type Node = tf.SymbolicTensor;

/** Applies a layer to one symbolic input and returns its one symbolic output. */
export function apply(layer: tf.layers.Layer, input: Node | Node[]): Node {
  return layer.apply(input) as Node;
}

/** He/Kaiming normal initialisation with fan_out, torchvision's choice for ResNet convolutions. */
export function kaimingFanOut(): WeightInitializer {
  return tf.initializers.varianceScaling({ scale: 2, mode: "fanOut", distribution: "normal" });
}

/** timm's trunc_normal_(std=0.02), used by ConvNeXt / InceptionNeXt for every conv and linear weight. */
export function truncNormal02(): WeightInitializer {
  return tf.initializers.truncatedNormal({ stddev: 0.02 });
}

/** Options of {@link torchConv2d}. */
export interface TorchConvOptions {
  /** Output channels. */
  filters: number;
  /** Kernel size, square or [height, width]. */
  kernelSize: number | [number, number];
  /** Stride. Default 1. */
  strides?: number;
  /** Symmetric zero padding, PyTorch's `padding=`. Default 0. */
  padding?: number | [number, number];
  /** Whether the convolution has a bias. Default true (PyTorch's default). */
  useBias?: boolean;
  /** Depthwise (groups = channels) instead of a full convolution. */
  depthwise?: boolean;
  /** Weight initialiser. Default Kaiming normal (fan_out). */
  kernelInitializer?: WeightInitializer;
  /** Layer name (timm-style dotted names, e.g. "layer1.0.conv1"). */
  name: string;
}

/**
 * A convolution that matches PyTorch's Conv2d(padding=p): "same" when that is
 * equivalent (stride 1, p = (k-1)/2), otherwise ZeroPadding2D(p) + "valid".
 */
export function torchConv2d(x: Node, options: TorchConvOptions): Node {
  const strides = options.strides ?? 1;
  const kernel: [number, number] = typeof options.kernelSize === "number" ? [options.kernelSize, options.kernelSize] : options.kernelSize;
  const pad = options.padding ?? 0;
  const [padH, padW] = typeof pad === "number" ? [pad, pad] : pad;
  const isSame = strides === 1 && padH * 2 === kernel[0] - 1 && padW * 2 === kernel[1] - 1;
  let input = x;
  if (!isSame && (padH > 0 || padW > 0)) {
    input = apply(tf.layers.zeroPadding2d({ padding: [[padH, padH], [padW, padW]], name: `${options.name}.pad` }), x);
  }
  const common = {
    kernelSize: kernel,
    strides,
    padding: (isSame ? "same" : "valid") as "same" | "valid",
    useBias: options.useBias ?? true,
    name: options.name,
  };
  const initializer = options.kernelInitializer ?? kaimingFanOut();
  const layer = options.depthwise
    ? tf.layers.depthwiseConv2d({ ...common, depthMultiplier: 1, depthwiseInitializer: initializer })
    : tf.layers.conv2d({ ...common, filters: options.filters, kernelInitializer: initializer });
  return apply(layer, input);
}

/** BatchNorm2d with PyTorch's defaults (momentum 0.1 = tfjs momentum 0.9, eps 1e-5). */
export function batchNorm(x: Node, name: string): Node {
  return apply(batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name }), x);
}

/** An activation layer ("relu", "gelu", "tanh" ...). */
export function activation(x: Node, kind: "relu" | "gelu" | "tanh", name: string): Node {
  return apply(tf.layers.activation({ activation: kind, name }), x);
}

/** Element-wise sum of two branches (a residual connection). */
export function add(a: Node, b: Node, name: string): Node {
  return apply(tf.layers.add({ name }), [a, b]);
}

/** Global average pooling over height and width: [b, h, w, c] -> [b, c]. */
export function globalAvgPool(x: Node, name = "global_pool"): Node {
  return apply(tf.layers.globalAveragePooling2d({ name }), x);
}

/** Fully connected layer; logits (no activation) unless `options.activation` is given. */
export function dense(
  x: Node,
  units: number,
  name: string,
  options: { activation?: "relu" | "tanh" | "softmax" | "gelu"; kernelInitializer?: WeightInitializer } = {},
): Node {
  return apply(
    tf.layers.dense({ units, name, activation: options.activation, kernelInitializer: options.kernelInitializer }),
    x,
  );
}

/**
 * Ends a CNN classifier: `logits`, then softmax unless option headActivation is "linear" (the
 * option the ViT and GNN families take too) or option head is "svm" (CNN-SVM: linear scores
 * for models.svmLoss), as a model named `name` whose models.features points are `features`.
 */
export function classifierModel(
  images: Node,
  logits: Node,
  options: ResolvedModelOptions,
  name: string,
  features: Record<string, string>,
): tf.LayersModel {
  // head "svm" (CNN-SVM): linear scores for models.svmLoss, whatever headActivation says.
  const head = classifierHeadOption(options.head, name);
  const output = head === "svm" ? logits : headOutput(logits, headActivationOption(options.headActivation, name));
  const model = setFeatureLayers(tf.model({ inputs: images, outputs: output, name }), features);
  if (head === "svm") writeModelMetadata(model, { head });
  return model;
}

/** Reads an optional number option within [min, max), or throws a one-line error naming the model and option. */
export function numberOption(value: unknown, fallback: number, option: string, model: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value >= min && value < max)) {
    throw new Error(`${model}: option ${option} must be a number in [${min}, ${max}), got ${JSON.stringify(value)}.`);
  }
  return value;
}
