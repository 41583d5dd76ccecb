/**
 * Small helpers shared by the extra wasm kernels: wrapping a fast path around
 * tfjs-backend-wasm's own kernel, turning the TensorInfo a kernel receives
 * into a Tensor that tf ops accept, and reading conv geometry.
 */
import * as tf from "@tensorflow/tfjs";

/** What a kernel function receives: inputs, attributes and the backend. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * A wasm kernel config that runs `fastPath` and, wherever it returns null (a
 * dtype, shape or build it does not handle), tfjs-backend-wasm's own kernel of
 * the same name; null when wasm has no such kernel. Build it before it is
 * registered: afterwards `tf.getKernel` returns the replacement itself.
 */
export function withNativeFallback(
  kernelName: string, fastPath: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] | null,
): tf.KernelConfig | null {
  const native = tf.getKernel(kernelName, "wasm");
  if (!native) return null;
  return {
    kernelName,
    backendName: "wasm",
    // The native kernel's setup binds its wasm function; it must run when the backend initialises.
    setupFunc: native.setupFunc,
    kernelFunc: (args) => fastPath(args) ?? native.kernelFunc(args),
  };
}

/** The configs that exist (wasm had the kernels they wrap). */
export function existingConfigs(configs: (tf.KernelConfig | null)[]): tf.KernelConfig[] {
  return configs.filter((config): config is tf.KernelConfig => config !== null);
}

/** The `backend_util.Conv2DInfo` tfjs computes for a convolution (padding, output size, strides). */
export type ConvGeometry = tf.backend_util.Conv2DInfo;

/**
 * A kernel's inputs arrive as Tensors when an op called runKernel, but as bare
 * TensorInfo when another kernel called it directly; tf ops need Tensors.
 * The returned Tensor shares the data; dispose it (or create it inside tidy).
 */
export function asTensor<R extends tf.Rank>(info: tf.TensorInfo | undefined): tf.Tensor<R> {
  if (!info) throw new Error("tensorcell: a wasm kernel was called without one of its inputs; this is a bug, please report it.");
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}

/** A number's float32 bits as an int32 (tensorcell's kernel arguments are i32). */
export function floatBits(value: number): number {
  return new Int32Array(new Float32Array([value]).buffer)[0]!;
}

/** Explicit NHWC padding for tf.conv2d: [[0,0],[top,bottom],[left,right],[0,0]]. */
export function explicitPadding(top: number, bottom: number, left: number, right: number): tf.backend_util.ExplicitPadding {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

/**
 * Inserts (stride - 1) zeros between neighbouring rows and columns of an NHWC
 * tensor: [N,H,W,C] -> [N,(H-1)*sh+1,(W-1)*sw+1,C]. This is the "input dilation"
 * that turns a strided convolution's input gradient into a plain convolution.
 */
export function insertZerosBetweenPixels(t: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) return t;
  const [n, h, w, c] = t.shape;
  const spread = tf.pad(t.reshape([n, h, 1, w, 1, c]), [
    [0, 0], [0, 0], [0, strideHeight - 1], [0, 0], [0, strideWidth - 1], [0, 0],
  ]);
  const full = spread.reshape([n, h * strideHeight, w * strideWidth, c]);
  return tf.slice(full, [0, 0, 0, 0], [n, (h - 1) * strideHeight + 1, (w - 1) * strideWidth + 1, c]) as tf.Tensor4D;
}

/** Reads a [h, w] pair from a number-or-pair attribute (strides, dilations). */
export function pair(value: number | [number, number] | number[] | undefined, fallback = 1): [number, number] {
  if (value == null) return [fallback, fallback];
  if (typeof value === "number") return [value, value];
  return [value[0], value[1] ?? value[0]];
}

/**
 * The row length, in floats, of a C-float channel vector repeated until it is a multiple
 * of 4 (the SIMD width); null when a tensor of `size` floats is not whole rows of it.
 */
export function channelPeriod(channels: number, size: number): number | null {
  const period = channels % 4 === 0 ? channels : channels % 2 === 0 ? channels * 2 : channels * 4;
  return size % period === 0 ? period : null;
}

/** `vectors` (each C floats, or 1 float for all channels) repeated to `period` floats, one after another, into `into`. */
export function repeatVectors(vectors: ArrayLike<number>[], channels: number, period: number, into: Float32Array): void {
  vectors.forEach((vector, v) => {
    for (let i = 0; i < period; i++) into[v * period + i] = vector.length === 1 ? vector[0]! : vector[i % channels]!;
  });
}
