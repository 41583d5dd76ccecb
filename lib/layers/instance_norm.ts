/**
 * Instance normalisation of NHWC feature maps (PyTorch's
 * InstanceNorm2d(affine=True), track_running_stats=False): each sample's
 * channel is normalised by its own mean and (biased) variance over height
 * and width, in training and inference alike, then scaled and shifted by a
 * learned per-channel gamma and beta. Used by IBN-Net. Epsilon 1e-5 as in
 * PyTorch.
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, lastDim, onlyInput, onlyShape } from "./cnn_common.js";

/** Arguments of {@link InstanceNorm}. */
export interface InstanceNormArgs extends CnnLayerArgs {
  /** Added to the variance before the square root. Default 1e-5 (PyTorch's). */
  epsilon?: number;
}

/** y = (x - mean_hw) / sqrt(var_hw + eps) * gamma + beta per sample and channel; 2 * channels parameters. */
export class InstanceNorm extends tf.layers.Layer {
  /** Serialization name. */
  static className = "InstanceNorm";
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(args: InstanceNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = onlyShape(inputShape, "InstanceNorm");
    if (shape.length !== 4) throw new Error(`InstanceNorm expects NHWC feature maps (rank 4), got shape [${shape.join(", ")}].`);
    const channels = lastDim(shape, "InstanceNorm");
    this.gamma = this.addWeight("gamma", [channels], "float32", tf.initializers.ones());
    this.beta = this.addWeight("beta", [channels], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyInput(inputs, "InstanceNorm");
      const mean = tf.mean(x, [1, 2], true);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), [1, 2], true);
      const normalized = tf.mul(centered, tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.gamma!.read()), this.beta!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(InstanceNorm, CNN_LAYER_PACKAGE);
