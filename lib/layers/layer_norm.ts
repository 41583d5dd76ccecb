/**
 * Layer normalisation over the channel (last) axis of NHWC feature maps or
 * [batch, features] vectors: ConvNeXt's "LayerNorm, channels last" and
 * timm's LayerNorm2d (which is the same normalisation on NCHW).
 *
 * Written with broadcasting ops (mean, subtract, rsqrt) rather than
 * tfjs-layers' LayerNormalization, whose statistics are tiled and whose Tile
 * gradient loops slice+add per repetition (slow to train). Epsilon defaults
 * to 1e-6 as in ConvNeXt (tfjs-layers defaults to 1e-3).
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, lastDim, onlyInput, onlyShape } from "./cnn_common.js";

/** Arguments of {@link ChannelLayerNorm}. */
export interface ChannelLayerNormArgs extends CnnLayerArgs {
  /** Added to the variance before the square root. Default 1e-6. */
  epsilon?: number;
}

/** y = (x - mean) / sqrt(var + eps) * gamma + beta, statistics over the last axis; 2 * channels parameters. */
export class ChannelLayerNorm extends tf.layers.Layer {
  /** Serialization name. */
  static className = "ChannelLayerNorm";
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(args: ChannelLayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-6;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = lastDim(onlyShape(inputShape, "ChannelLayerNorm"), "ChannelLayerNorm");
    this.gamma = this.addWeight("gamma", [channels], "float32", tf.initializers.ones());
    this.beta = this.addWeight("beta", [channels], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyInput(inputs, "ChannelLayerNorm");
      const axis = x.rank - 1;
      const mean = tf.mean(x, axis, true);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), axis, true);
      const normalized = tf.mul(centered, tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.gamma!.read()), this.beta!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(ChannelLayerNorm, CNN_LAYER_PACKAGE);
