/**
 * Selects a contiguous range of channels (the last axis): the channel split of
 * InceptionNeXt's token mixer (torch.split over channels). No parameters.
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, lastDim, onlyInput, onlyShape } from "./cnn_common.js";

/** Arguments of {@link ChannelSlice}. */
export interface ChannelSliceArgs extends CnnLayerArgs {
  /** First channel taken. */
  start: number;
  /** Number of channels taken. */
  size: number;
}

/** y = x[..., start : start + size]. */
export class ChannelSlice extends tf.layers.Layer {
  /** Serialization name. */
  static className = "ChannelSlice";
  /** First channel taken. */
  readonly start: number;
  /** Number of channels taken. */
  readonly size: number;

  constructor(args: ChannelSliceArgs) {
    super(args);
    if (!(Number.isInteger(args.start) && args.start >= 0 && Number.isInteger(args.size) && args.size > 0)) {
      throw new Error(`ChannelSlice needs integer start >= 0 and size > 0, got start ${args.start}, size ${args.size}.`);
    }
    this.start = args.start;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = onlyShape(inputShape, "ChannelSlice");
    const channels = lastDim(shape, "ChannelSlice");
    if (this.start + this.size > channels) {
      throw new Error(`ChannelSlice [${this.start}, ${this.start + this.size}) is outside the ${channels} input channels.`);
    }
    return [...shape.slice(0, -1), this.size];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = onlyInput(inputs, "ChannelSlice");
    const begin = x.shape.map((_, axis) => (axis === x.rank - 1 ? this.start : 0));
    const size = x.shape.map((dim, axis) => (axis === x.rank - 1 ? this.size : dim));
    return tf.slice(x, begin, size);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), start: this.start, size: this.size };
  }
}

tf.serialization.registerClass(ChannelSlice, CNN_LAYER_PACKAGE);
