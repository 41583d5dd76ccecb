/**
 * A dilated depthwise convolution, stride 1, PyTorch's padding r*(k-1)/2 (the
 * output keeps the input's size): UniRepLKNet's dilated branches
 * (Conv2d(groups=channels, dilation=r)). tfjs-layers' DepthwiseConv2D ignores
 * its dilationRate, and tfjs-core has no gradient for dilated depthwise
 * convolutions, so this layer spreads its k x k kernel to the r*(k-1)+1 kernel
 * with zeros between the taps (pad + reshape + slice, all differentiable) and
 * runs an ordinary depthwise convolution: the same sums, exact, trainable on
 * every backend. The stored weight is the k x k kernel, [k, k, channels, 1]
 * as tfjs's DepthwiseConv2D stores it.
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, lastDim, onlyInput, onlyShape } from "./cnn_common.js";

/** Arguments of {@link DilatedDepthwiseConv2D}. */
export interface DilatedDepthwiseConv2DArgs extends CnnLayerArgs {
  /** Kernel size k (odd). */
  kernelSize: number;
  /** Dilation r (>= 1). */
  dilation: number;
  /** Whether a per-channel bias is added. Default false. */
  useBias?: boolean;
  /** Kernel initialiser (not serialised; loaded models get their weights). Default truncated normal, stddev 0.02. */
  kernelInitializer?: ReturnType<typeof tf.initializers.zeros>;
}

/** Depthwise k x k convolution with dilation r, "same" size output; k*k*channels (+ channels) parameters. */
export class DilatedDepthwiseConv2D extends tf.layers.Layer {
  /** Serialization name. */
  static className = "DilatedDepthwiseConv2D";
  /** Kernel size. */
  readonly kernelSize: number;
  /** Dilation. */
  readonly dilation: number;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  private readonly kernelInitializer: ReturnType<typeof tf.initializers.zeros>;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: DilatedDepthwiseConv2DArgs) {
    super(args);
    if (!(Number.isInteger(args.kernelSize) && args.kernelSize % 2 === 1 && Number.isInteger(args.dilation) && args.dilation >= 1)) {
      throw new Error(`DilatedDepthwiseConv2D needs an odd kernelSize and an integer dilation >= 1, got kernelSize ${args.kernelSize}, dilation ${args.dilation}.`);
    }
    this.kernelSize = args.kernelSize;
    this.dilation = args.dilation;
    this.useBias = args.useBias ?? false;
    this.kernelInitializer = args.kernelInitializer ?? tf.initializers.truncatedNormal({ stddev: 0.02 });
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = lastDim(onlyShape(inputShape, "DilatedDepthwiseConv2D"), "DilatedDepthwiseConv2D");
    const k = this.kernelSize;
    this.kernel = this.addWeight("depthwise_kernel", [k, k, channels, 1], "float32", this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight("bias", [channels], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return onlyShape(inputShape, "DilatedDepthwiseConv2D");
  }

  /** The k x k kernel spread to r*(k-1)+1 with zeros between the taps. */
  private spreadKernel(kernel: tf.Tensor4D): tf.Tensor4D {
    const k = this.kernelSize;
    const r = this.dilation;
    if (r === 1) return kernel;
    const channels = kernel.shape[2];
    const span = r * (k - 1) + 1;
    const spaced = tf.pad(kernel.reshape([k, 1, k, 1, channels]), [[0, 0], [0, r - 1], [0, 0], [0, r - 1], [0, 0]]);
    return tf.slice(spaced.reshape([k * r, k * r, channels, 1]), [0, 0, 0, 0], [span, span, channels, 1]) as tf.Tensor4D;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyInput(inputs, "DilatedDepthwiseConv2D") as tf.Tensor4D;
      const y = tf.depthwiseConv2d(x, this.spreadKernel(this.kernel!.read() as tf.Tensor4D), 1, "same");
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.kernelSize, dilation: this.dilation, useBias: this.useBias };
  }
}

tf.serialization.registerClass(DilatedDepthwiseConv2D, CNN_LAYER_PACKAGE);
