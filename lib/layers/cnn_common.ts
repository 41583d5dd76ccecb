/**
 * Shared plumbing for the CNN layers in this folder: the constructor-args type,
 * the serialization package name, and unwrapping tfjs's "tensor or list" inputs.
 */
import * as tf from "@tensorflow/tfjs";

/** Arguments every tfjs-layers Layer accepts (name, trainable, dtype ...). */
export type CnnLayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/**
 * Package given to tf.serialization.registerClass. tfjs-layers still writes and
 * looks up layers by their bare className ("LayerScale"), so class names must be
 * unique across tensorcell.
 */
export const CNN_LAYER_PACKAGE = "tensorcell";

/** The single input tensor of a one-input layer (tfjs passes a tensor or a one-element list). */
export function onlyInput(inputs: tf.Tensor | tf.Tensor[], layerName: string): tf.Tensor {
  if (!Array.isArray(inputs)) return inputs;
  if (inputs.length !== 1) throw new Error(`${layerName} takes one input tensor, got ${inputs.length}.`);
  return inputs[0];
}

/** The single input shape of a one-input layer. */
export function onlyShape(inputShape: tf.Shape | tf.Shape[], layerName: string): tf.Shape {
  if (!Array.isArray(inputShape[0])) return inputShape as tf.Shape;
  const shapes = inputShape as tf.Shape[];
  if (shapes.length !== 1) throw new Error(`${layerName} takes one input, got ${shapes.length}.`);
  return shapes[0];
}

/** The channel (last) dimension of an NHWC / NC shape; throws when it is unknown. */
export function lastDim(shape: tf.Shape, layerName: string): number {
  const channels = shape[shape.length - 1];
  if (channels == null) throw new Error(`${layerName} needs a known channel (last) dimension, got shape [${shape.join(", ")}].`);
  return channels;
}
