/**
 * A training batch norm's statistics over every axis but the last, as tf.moments
 * computes them (lib/layers/batch_norm.ts): mean = mean(x), xc = x - mean and
 * variance = mean(xc²), with xc kept for the backward pass. The wasm backend
 * registers tensorcell's kernel BATCH_NORM_MOMENTS (two passes over x on every
 * thread, the same bits as these ops on wasm, see wasm/column-sums.ts); other
 * backends compose the ops (four passes).
 */
import * as tf from "@tensorflow/tfjs";

/** Name of tensorcell's kernel for a training batch norm's statistics (registered on wasm). */
export const BATCH_NORM_MOMENTS = "TensorcellBatchNormMoments";

/** A batch's statistics over every axis but the last: mean and biased variance ([C]) and the centred input. */
export interface BatchMoments {
  mean: tf.Tensor;
  variance: tf.Tensor;
  centred: tf.Tensor;
}

/** The mean, biased variance and centred input of `x` over every axis but the last. */
export function batchNormMoments(x: tf.Tensor): BatchMoments {
  if (tf.getKernel(BATCH_NORM_MOMENTS, tf.getBackend())) {
    const [mean, variance, centred] = tf.engine().runKernel(BATCH_NORM_MOMENTS, { x }, {}) as unknown as tf.Tensor[];
    return { mean: mean!, variance: variance!, centred: centred! };
  }
  return composedBatchNormMoments(x);
}

/** batchNormMoments as tf ops (tf.moments' own), for any backend. */
export function composedBatchNormMoments(x: tf.Tensor): BatchMoments {
  return tf.tidy(() => {
    const axes = [...Array(x.rank - 1).keys()];
    const mean = tf.mean(x, axes);
    const centred = tf.sub(x, mean);
    return { mean, variance: tf.mean(tf.square(centred), axes), centred };
  });
}
