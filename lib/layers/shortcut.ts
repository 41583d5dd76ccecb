/**
 * The parameter-free "option A" shortcut of He et al. 2016 (section 4.2, the
 * CIFAR ResNets): when a stage halves the resolution and widens the channels,
 * the identity path takes every second pixel and zero-pads the new channels.
 * Pads evenly on both sides of the channel axis, as the widely used PyTorch
 * CIFAR ResNet (akamaster/pytorch_resnet_cifar10) does; no parameters.
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, lastDim, onlyInput, onlyShape } from "./cnn_common.js";

/** Arguments of {@link ZeroPadShortcut}. */
export interface ZeroPadShortcutArgs extends CnnLayerArgs {
  /** Output channels; must be at least the input channels. */
  outChannels: number;
  /** Spatial subsampling step. Default 2. */
  stride?: number;
}

/** Identity shortcut for a downsampling block: x[:, ::s, ::s, :] zero-padded to `outChannels`. */
export class ZeroPadShortcut extends tf.layers.Layer {
  /** Serialization name. */
  static className = "ZeroPadShortcut";
  /** Output channels. */
  readonly outChannels: number;
  /** Spatial subsampling step. */
  readonly stride: number;

  constructor(args: ZeroPadShortcutArgs) {
    super(args);
    this.outChannels = args.outChannels;
    this.stride = args.stride ?? 2;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, height, width] = onlyShape(inputShape, "ZeroPadShortcut");
    const down = (size: number | null) => (size == null ? null : Math.ceil(size / this.stride));
    return [batch, down(height), down(width), this.outChannels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyInput(inputs, "ZeroPadShortcut") as tf.Tensor4D;
      const channels = lastDim(x.shape, "ZeroPadShortcut");
      const extra = this.outChannels - channels;
      if (extra < 0) throw new Error(`ZeroPadShortcut cannot shrink ${channels} channels to ${this.outChannels}.`);
      const sub = subsample(x, this.stride);
      const before = Math.floor(extra / 2);
      return tf.pad(sub, [[0, 0], [0, 0], [0, 0], [before, extra - before]]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), outChannels: this.outChannels, stride: this.stride };
  }
}

tf.serialization.registerClass(ZeroPadShortcut, CNN_LAYER_PACKAGE);

/**
 * x[:, ::s, ::s, :] as a 1x1 average pool with stride s and "valid" padding:
 * it keeps exactly those pixels (ceil(size / s) per axis, each divided by 1),
 * and has a gradient, unlike tfjs's stridedSlice. On wasm it runs XNNPACK's
 * pooling and AvgPoolGrad; the earlier pad + 6-D reshape + slice cost 0.46 s
 * per ResNet-20 training step in wasm's Slice.
 */
function subsample(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  return tf.avgPool(x, 1, s, "valid");
}
