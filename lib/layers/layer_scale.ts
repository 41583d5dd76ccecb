/**
 * LayerScale (Touvron et al., CaiT; used by ConvNeXt and InceptionNeXt blocks):
 * multiplies each channel of the residual branch by a learned scalar gamma,
 * initialised small (1e-6) so every block starts close to the identity.
 * Trainable parameters: one per channel (timm's `gamma`).
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, lastDim, onlyInput, onlyShape } from "./cnn_common.js";

/** Arguments of {@link LayerScale}. */
export interface LayerScaleArgs extends CnnLayerArgs {
  /** Initial value of every gamma entry. Default 1e-6 (timm's ls_init_value). */
  initValue?: number;
}

/** Per-channel learned scale on the last axis: y = x * gamma. */
export class LayerScale extends tf.layers.Layer {
  /** Serialization name. */
  static className = "LayerScale";
  /** Initial value of gamma. */
  readonly initValue: number;
  private gamma?: tf.LayerVariable;

  constructor(args: LayerScaleArgs = {}) {
    super(args);
    this.initValue = args.initValue ?? 1e-6;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = lastDim(onlyShape(inputShape, "LayerScale"), "LayerScale");
    this.gamma = this.addWeight("gamma", [channels], "float32", tf.initializers.constant({ value: this.initValue }));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(onlyInput(inputs, "LayerScale"), this.gamma!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), initValue: this.initValue };
  }
}

tf.serialization.registerClass(LayerScale, CNN_LAYER_PACKAGE);
