/**
 * tfjs-layers' BatchNormalization with a fused training path: in training
 * mode, over every axis but the last (channels last), the normalisation is one
 * op with a hand-written gradient instead of the graph tfjs records
 * (tf.moments' mean, subtract, square and mean, then the batch norm), whose
 * backward pass runs many small kernels (Fill, Multiply, Sum, Sub, Neg ...: a
 * ResNet-20 training step runs 2,555 kernels with tfjs-layers' layer and 1,377
 * with this one on wasm). Here the backward pass is:
 *
 *   r = 1 / sqrt(var + eps), xc = x - mean (kept from the forward pass),
 *   dbeta = Σ dy, dgamma = r Σ dy·xc,
 *   dx = gamma r dy - (gamma r / n) Σ dy - xc (gamma r³ / n) Σ dy·xc,
 *
 * sums over the n = size / channels values of each channel
 * (lib/backend/batch-norm-gradient.ts: on wasm, tensorcell's kernel makes it two
 * passes over dy and xc, the sums and then dx). The forward values
 * (output, batch mean, biased variance, moving averages) are the same bits as
 * tfjs-layers' own: the same ops in the same order, or on wasm tensorcell's
 * moments kernel, which gives those ops' bits in two passes
 * (lib/backend/batch-norm-moments.ts); the gradients differ from tfjs's by
 * float32 rounding.
 *
 * Inference and other axes keep tfjs-layers' code. A layer without scale or
 * center trains with gamma 1 and beta 0 (tfjs-layers' own training call throws
 * there: it reads the missing gamma). The class name stays "BatchNormalization":
 * saved models load in any tfjs (as tfjs-layers' own class) and tools that look
 * layers up by class name (weights/timm) see no difference.
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormTrainingGradients } from "../backend/batch-norm-gradient.js";
import { batchNormMoments } from "../backend/batch-norm-moments.js";

/** The fields of tfjs-layers' BatchNormalization that the training path reads. */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];
type BatchNormalizationClass = new (args?: Parameters<typeof tf.layers.batchNormalization>[0]) => tf.layers.Layer;

// tfjs exports only the factory; its class is the prototype's constructor.
const TfjsBatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as BatchNormalizationClass;

/**
 * Batch normalisation of `x` over every axis but the last, in training mode: the
 * normalised tensor with the batch's statistics, as one differentiable op (see the
 * file comment), and the batch mean and biased variance ([C], kept: the caller
 * disposes them).
 */
export function trainingBatchNorm(
  x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number,
): { normalized: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  let mean: tf.Tensor | undefined;
  let variance: tf.Tensor | undefined;
  const op = tf.customGrad((input, scale, offset, save) => {
    const [xIn, gammaIn, betaIn] = [input, scale, offset] as tf.Tensor[];
    // As tf.moments, then tf.batchNorm: the values tfjs-layers' training path computes.
    const moments = batchNormMoments(xIn!);
    mean = tf.keep(moments.mean);
    variance = tf.keep(moments.variance);
    const centered = moments.centred;
    const value = tf.batchNorm(xIn!, mean, variance, betaIn!, gammaIn!, epsilon);
    (save as tf.GradSaveFunc)([centered, variance, gammaIn!]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xc, batchVariance, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        return batchNormTrainingGradients(dy, xc, batchVariance, g, epsilon);
      },
    };
  });
  const normalized = op(x, gamma, beta);
  return { normalized, mean: mean!, variance: variance! };
}

/**
 * tfjs-layers' BatchNormalization whose training step over the channels-last
 * axis is {@link trainingBatchNorm}; everything else is tfjs-layers' own.
 */
export class FusedTrainingBatchNorm extends TfjsBatchNormalization {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const fields = this as unknown as BatchNormFields;
    const lastAxis = input !== undefined && (fields.axis === -1 || fields.axis === input.rank - 1);
    if (kwargs["training"] !== true || !lastAxis || input.rank < 2) {
      return (TfjsBatchNormalization.prototype as unknown as { call: LayerCall }).call.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      // Without scale or center: gamma 1 and beta 0 (tfjs-layers' own training call reads the missing gamma and throws).
      const channels = input.shape[input.rank - 1]!;
      const gamma = fields.gamma?.read() ?? tf.ones([channels]);
      const beta = fields.beta?.read() ?? tf.zeros([channels]);
      const { normalized, mean, variance } = trainingBatchNorm(input, gamma, beta, fields.epsilon);
      // tfjs-layers' moving averages, in its order of operations: m - (m - value) * (1 - momentum).
      for (const [variable, value] of [[fields.movingMean, mean], [fields.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const before = variable.read();
          variable.write(tf.sub(before, tf.mul(tf.sub(before, value), 1 - fields.momentum)));
        });
      }
      tf.dispose([mean, variance]);
      return normalized;
    });
  }
}

/**
 * A BatchNormalization layer (tf.layers.batchNormalization's arguments) that
 * trains with {@link trainingBatchNorm}'s fused gradient.
 *
 * @example batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name: "bn1" })
 */
export function batchNormalization(args: Parameters<typeof tf.layers.batchNormalization>[0] = {}): tf.layers.Layer {
  return new FusedTrainingBatchNorm(args);
}
