/**
 * The backward pass of a training batch norm over every axis but the last
 * (lib/layers/batch_norm.ts), with r = 1 / sqrt(var + eps), g = gamma and sums
 * over the n = size / channels values of each channel:
 *
 *   dbeta = Σ dy, dgamma = r Σ dy·xc,
 *   dx = g r dy - (g r / n) Σ dy - xc (g r³ / n) Σ dy·xc,
 *
 * where xc = x - mean was kept from the forward pass. The wasm backend registers
 * tensorcell's kernel BATCH_NORM_GRADIENT (two passes over dy and xc: the sums,
 * then dx); other backends compose it from tf ops (7 passes).
 */
import * as tf from "@tensorflow/tfjs";

/** Name of tensorcell's backward kernel for a training batch norm (registered on wasm). */
export const BATCH_NORM_GRADIENT = "TensorcellBatchNormGradient";

/** Attributes of BATCH_NORM_GRADIENT: the epsilon added to the variance. */
export interface BatchNormGradientAttrs {
  varianceEpsilon: number;
}

/**
 * [dx, dgamma, dbeta] of a training batch norm (see the file comment) from dy, the
 * centred input xc, the batch's (biased) variance and gamma (both [C]).
 */
export function batchNormTrainingGradients(
  dy: tf.Tensor, xc: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, varianceEpsilon: number,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (tf.getKernel(BATCH_NORM_GRADIENT, tf.getBackend())) {
    const attrs: BatchNormGradientAttrs = { varianceEpsilon };
    return tf.engine().runKernel(BATCH_NORM_GRADIENT, { dy, xc, variance, gamma }, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
  }
  return composedBatchNormGradients(dy, xc, variance, gamma, varianceEpsilon);
}

/** batchNormTrainingGradients as tf ops, for any backend. */
export function composedBatchNormGradients(
  dy: tf.Tensor, xc: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, varianceEpsilon: number,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const axes = [...Array(dy.rank - 1).keys()];
    const n = dy.size / dy.shape[dy.rank - 1]!;
    const r = tf.rsqrt(tf.add(variance, varianceEpsilon));
    const gr = tf.mul(gamma, r);
    const sumDy = tf.sum(dy, axes);
    const sumDyXc = tf.sum(tf.mul(dy, xc), axes);
    const dx = tf.sub(
      tf.add(tf.mul(dy, gr), tf.mul(tf.div(gr, -n), sumDy)),
      tf.mul(xc, tf.mul(tf.div(tf.mul(gr, tf.square(r)), n), sumDyXc)),
    );
    return [dx, tf.mul(sumDyXc, r), sumDy] as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}
