/** Parameter counting, as timm / PyTorch count: trainable weights only (BatchNorm running statistics excluded). */
import type * as tf from "@tensorflow/tfjs";

/** Number of trainable scalars in a model (sum over model.trainableWeights). */
export function countTrainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, weight) => sum + weight.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
}
