/**
 * Multiplies its input by a fixed number: HorNet's gnConv scales the depthwise
 * convolution's output by s = 1/3 (`self.dwconv(abc) * self.scale`). No parameters.
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, onlyInput } from "./cnn_common.js";

/** Arguments of {@link ConstantScale}. */
export interface ConstantScaleArgs extends CnnLayerArgs {
  /** The factor (a finite number). */
  scale: number;
}

/** y = x * scale, scale fixed (not trained). */
export class ConstantScale extends tf.layers.Layer {
  /** Serialization name. */
  static className = "ConstantScale";
  /** The factor. */
  readonly scale: number;

  constructor(args: ConstantScaleArgs) {
    super(args);
    if (typeof args.scale !== "number" || !Number.isFinite(args.scale)) throw new Error(`ConstantScale scale must be a finite number, got ${args.scale}.`);
    this.scale = args.scale;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(onlyInput(inputs, "ConstantScale"), this.scale));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), scale: this.scale };
  }
}

tf.serialization.registerClass(ConstantScale, CNN_LAYER_PACKAGE);
