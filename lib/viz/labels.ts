/** Reading class labels and predictions given as arrays or tensors. */
import * as tf from "@tensorflow/tfjs";
import { isTensor } from "../display/tensor-repr.js";

/** Class ids or names per example: an array, or a tensor of ids [n], or scores/one-hot [n, classes]. */
export type LabelsLike = ArrayLike<number | string> | tf.Tensor;

/** Reads labels as a plain array; [n, classes] tensors are arg-maxed. */
export function readLabels(labels: LabelsLike, what: string): (number | string)[] {
  if (isTensor(labels)) {
    if (labels.rank === 2) return Array.from(tf.tidy(() => labels.argMax(-1)).dataSync());
    if (labels.rank !== 1) throw new Error(`${what} must be a 1-D tensor of class ids or a 2-D tensor of scores; got shape [${labels.shape.join(",")}].`);
    return Array.from(labels.dataSync() as ArrayLike<number>);
  }
  return Array.from(labels);
}
