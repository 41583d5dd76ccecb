/**
 * DropPath / stochastic depth (Huang et al. 2016; timm's DropPath): while
 * training, zeroes the whole residual branch for a random subset of samples
 * and rescales the rest by 1 / keepProbability; at inference it is the
 * identity. No parameters.
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, onlyInput } from "./cnn_common.js";

/** Arguments of {@link DropPath}. */
export interface DropPathArgs extends CnnLayerArgs {
  /** Probability of dropping the branch for a sample, in [0, 1). */
  rate: number;
}

/** Per-sample branch dropout for residual blocks; identity unless `training` is true. */
export class DropPath extends tf.layers.Layer {
  /** Serialization name. */
  static className = "DropPath";
  /** Probability of dropping the branch for one sample. */
  readonly rate: number;

  constructor(args: DropPathArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`DropPath rate must be in [0, 1), got ${args.rate}.`);
    this.rate = args.rate;
  }

  // tfjs passes { training: true } from fit/trainOnBatch and nothing from predict.
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = onlyInput(inputs, "DropPath");
    if (kwargs?.["training"] !== true || this.rate === 0) return tf.clone(x);
    return tf.tidy(() => {
      const keep = 1 - this.rate;
      const maskShape = [x.shape[0], ...x.shape.slice(1).map(() => 1)];
      const mask = tf.floor(tf.add(tf.randomUniform(maskShape), keep));
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

tf.serialization.registerClass(DropPath, CNN_LAYER_PACKAGE);
