/**
 * Global Response Normalization (Woo et al. 2023, ConvNeXt V2), in the NHWC
 * form UniRepLKNet uses (GRNwithNHWC): Gx = L2 norm of each channel over
 * height and width, Nx = Gx / (mean over channels of Gx + 1e-6), and
 * y = (gamma * Nx + 1) * x + beta. gamma and beta start at zero (identity);
 * `useBias: false` drops beta (UniRepLKNet's deploy form folds it into the
 * next linear layer).
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, lastDim, onlyInput, onlyShape } from "./cnn_common.js";

/** Arguments of {@link GlobalResponseNorm}. */
export interface GlobalResponseNormArgs extends CnnLayerArgs {
  /** Whether the layer adds a learned beta. Default true. */
  useBias?: boolean;
}

/** y = (gamma * Nx + 1) * x (+ beta) on NHWC maps; channels (or 2 * channels) parameters. */
export class GlobalResponseNorm extends tf.layers.Layer {
  /** Serialization name. */
  static className = "GlobalResponseNorm";
  /** Whether beta is added. */
  readonly useBias: boolean;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(args: GlobalResponseNormArgs = {}) {
    super(args);
    this.useBias = args.useBias ?? true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = onlyShape(inputShape, "GlobalResponseNorm");
    if (shape.length !== 4) throw new Error(`GlobalResponseNorm expects NHWC feature maps (rank 4), got shape [${shape.join(", ")}].`);
    const channels = lastDim(shape, "GlobalResponseNorm");
    this.gamma = this.addWeight("gamma", [channels], "float32", tf.initializers.zeros());
    if (this.useBias) this.beta = this.addWeight("beta", [channels], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyInput(inputs, "GlobalResponseNorm");
      const gx = tf.sqrt(tf.sum(tf.square(x), [1, 2], true));
      const nx = tf.div(gx, tf.add(tf.mean(gx, -1, true), 1e-6));
      const y = tf.mul(tf.add(tf.mul(this.gamma!.read(), nx), 1), x);
      return this.beta ? tf.add(y, this.beta.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), useBias: this.useBias };
  }
}

tf.serialization.registerClass(GlobalResponseNorm, CNN_LAYER_PACKAGE);
