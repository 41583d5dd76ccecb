/**
 * Convolution gradients for the wasm backend, written as ordinary (XNNPACK)
 * convolutions so they run at the same speed as the forward pass.
 *
 * - Conv2DBackpropFilter (missing in tfjs-backend-wasm): the filter gradient
 *   dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s+kh-pt, ow*s+kw-pl, ci] * dy[n,oh,ow,co]
 *   is a Conv2D whose "batch" is ci, whose input channels are n, whose filter is
 *   dy (spatial size OHxOW) and whose dilation is the forward stride.
 * - Conv2DBackpropInput (present, but a scalar C loop): the input gradient is a
 *   Conv2D of dy (zeros inserted between pixels when strided) with the filter
 *   rotated 180 degrees and its channel axes swapped. A patchify convolution
 *   (stride = filter size, no padding: ViT's patch embedding) is one matrix
 *   product instead, each patch of dx being dy's pixel times the filter.
 * - DepthwiseConv2dNativeBackpropInput / Filter (missing): the input gradient
 *   is a depthwise convolution with the rotated filter; the filter gradient is
 *   KHxKW shifted products of x and dy, each reduced over batch and space.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { filterGradientOnThreads } from "./filter-gradient.js";
import { winogradFilterGradientOnThreads, winogradFits } from "./winograd-conv.js";
import { kernelPoolFor, runOnTensors } from "./kernel-pool.js";
import { asTensor, existingConfigs, explicitPadding, insertZerosBetweenPixels, pair, withNativeFallback } from "./kernel-helpers.js";
import { wasmThreadCount } from "./threads.js";

type Pad = "valid" | "same" | number | tf.backend_util.ExplicitPadding;
type RoundingMode = "floor" | "round" | "ceil" | undefined;
type DataFormat = "NHWC" | "NCHW";

interface ConvBackpropFilterAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: DataFormat;
  dimRoundingMode?: RoundingMode;
  filterShape: [number, number, number, number];
}

interface ConvBackpropInputAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: DataFormat;
  dimRoundingMode?: RoundingMode;
  inputShape: [number, number, number, number];
}

interface DepthwiseBackpropFilterAttrs extends ConvBackpropFilterAttrs {
  dilations?: number | [number, number];
}

interface DepthwiseBackpropInputAttrs extends ConvBackpropInputAttrs {
  dilations?: number | [number, number];
}

/** tfjs's NCHW flag; layers and models here are NHWC, NCHW is transposed around the NHWC path. */
function toNhwc(t: tf.Tensor4D, format: DataFormat | undefined): tf.Tensor4D {
  return format === "NCHW" ? tf.transpose(t, [0, 2, 3, 1]) : t;
}
function fromNhwc(t: tf.Tensor4D, format: DataFormat | undefined): tf.Tensor4D {
  return format === "NCHW" ? tf.transpose(t, [0, 3, 1, 2]) : t;
}
function shapeToNhwc(shape: [number, number, number, number], format: DataFormat | undefined): [number, number, number, number] {
  return format === "NCHW" ? [shape[0], shape[2], shape[3], shape[1]] : shape;
}

/**
 * Filter gradient of a (non-dilated) Conv2D as one XNNPACK Conv2D, see the file
 * comment. Rows/columns of x that no output reads are cropped first, because
 * padding cannot be negative.
 */
export function conv2dBackpropFilterAsConv(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number],
  strides: [number, number], dilations: [number, number], pad: Pad, roundingMode: RoundingMode,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad, roundingMode);
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const [oh, ow] = [info.outHeight, info.outWidth];
    const { top, left } = info.padInfo;
    // Rows needed below the input: last row read is (oh-1)*sh + (kh-1)*dh - top.
    let bottom = (oh - 1) * sh + (kh - 1) * dh + 1 - top - x.shape[1];
    let right = (ow - 1) * sw + (kw - 1) * dw + 1 - left - x.shape[2];
    let input = x;
    if (bottom < 0 || right < 0) {
      input = tf.slice(x, [0, 0, 0, 0], [-1, x.shape[1] + Math.min(bottom, 0), x.shape[2] + Math.min(right, 0), -1]);
      bottom = Math.max(bottom, 0);
      right = Math.max(right, 0);
    }
    const channelsAsBatch = tf.transpose(input, [3, 1, 2, 0]); // [Ci, H, W, N]
    const gradientAsFilter = tf.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Co]
    // The roles swap: the forward stride becomes the dilation, the forward dilation the stride.
    const out = tf.conv2d(channelsAsBatch, gradientAsFilter, [dh, dw], explicitPadding(top, bottom, left, right), "NHWC", [sh, sw]);
    return tf.transpose(out, [1, 2, 0, 3]); // [KH, KW, Ci, Co]
  });
}

/**
 * Input gradient of a (non-dilated) Conv2D as an XNNPACK Conv2D of dy with the
 * 180-degree rotated filter. Returns null when the geometry would need negative
 * padding (explicit pads larger than the filter), so the caller falls back.
 */
export function conv2dBackpropInputAsConv(
  dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: [number, number, number, number],
  strides: [number, number], pad: Pad, roundingMode: RoundingMode,
): tf.Tensor4D | null {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, roundingMode);
  const geometry = transposedConvPadding(info);
  if (!geometry) return null;
  return tf.tidy(() => {
    const spread = insertZerosBetweenPixels(dy, info.strideHeight, info.strideWidth);
    const rotated = rotatedFilter(filter);
    const { top, bottom, left, right } = geometry;
    return tf.conv2d(spread, rotated as tf.Tensor4D, 1, explicitPadding(top, bottom, left, right));
  });
}

/**
 * The filter turned by 180 degrees with its channel axes swapped, [KH, KW, Ci, Co] ->
 * [KH, KW, Co, Ci]: one pass of tensorcell's rotateFilter kernel over the (small) filter
 * in the heap. wasm's Reverse and Transpose kernels took 0.6-0.9 ms per ResNet-20 layer,
 * and a JavaScript loop over the read-back filter 0.1-0.6 ms; they remain for other dtypes
 * and when dist/asm is not built.
 */
export function rotatedFilter(filter: tf.Tensor4D): tf.Tensor4D {
  const backend = tf.backend() as BackendWasm;
  const pool = filter.dtype === "float32" ? kernelPoolFor(backend, wasmThreadCount()) : null;
  if (!pool) return tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  const [kh, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([kh, kw, co, ci], "float32");
  runOnTensors(pool, backend, "rotateFilter", { read: [filter], written: [out] }, 1, ([from, to]) => [from!, to!, kh * kw, ci, co]);
  return asTensor<tf.Rank.R4>(out);
}

/**
 * Padding of the "full" convolution that maps dy (zero-spread) back onto the
 * input grid; null when a side would be negative.
 */
function transposedConvPadding(info: tf.backend_util.Conv2DInfo): { top: number; bottom: number; left: number; right: number } | null {
  const effectiveKh = (info.filterHeight - 1) * info.dilationHeight + 1;
  const effectiveKw = (info.filterWidth - 1) * info.dilationWidth + 1;
  const spreadHeight = (info.outHeight - 1) * info.strideHeight + 1;
  const spreadWidth = (info.outWidth - 1) * info.strideWidth + 1;
  const top = effectiveKh - 1 - info.padInfo.top;
  const left = effectiveKw - 1 - info.padInfo.left;
  const bottom = info.inHeight - 1 + effectiveKh - spreadHeight - top;
  const right = info.inWidth - 1 + effectiveKw - spreadWidth - left;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;
  return { top, bottom, left, right };
}

/**
 * The input gradient of a patchify convolution (stride = filter size, no padding, no
 * dilation; NHWC): every input pixel is in exactly one patch, so dx's patch at (i, j) is
 * dy[i, j, :]·Wᵀ, reshaped from [KH·KW·Ci] to the patch. One product [N·OH·OW, Co]·[Co,
 * KH·KW·Ci] and a reordering, where the transposed convolution of dy spread with zeros
 * multiplies mostly zeros (ViT-Ti/4's patch embedding at batch 16: about 210 ms a training
 * step at 1 thread, including the spreading and cropping). Rows and columns the forward
 * pass dropped (an input size not a multiple of the stride) get zeros. Null for other
 * geometries.
 */
export function patchifyBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D | null {
  const { filterHeight: kh, filterWidth: kw, strideHeight, strideWidth, dilationHeight, dilationWidth, padInfo } = info;
  const patchify = strideHeight === kh && strideWidth === kw && dilationHeight === 1 && dilationWidth === 1 &&
    padInfo.top === 0 && padInfo.left === 0 && padInfo.bottom === 0 && padInfo.right === 0 && info.dataFormat === "channelsLast";
  if (!patchify) return null;
  const { batchSize: n, outHeight: oh, outWidth: ow, inHeight, inWidth, inChannels: ci, outChannels: co } = info;
  return tf.tidy(() => {
    const patches = tf.matMul(tf.reshape(dy, [n * oh * ow, co]), tf.reshape(filter, [kh * kw * ci, co]), false, true);
    const pixels = tf.reshape(tf.transpose(tf.reshape(patches, [n, oh, ow, kh, kw, ci]), [0, 1, 3, 2, 4, 5]), [n, oh * kh, ow * kw, ci]);
    const [bottom, right] = [inHeight - oh * kh, inWidth - ow * kw];
    return (bottom > 0 || right > 0 ? tf.pad(pixels, [[0, 0], [0, bottom], [0, right], [0, 0]]) : pixels) as tf.Tensor4D;
  });
}

/**
 * Input gradient of a depthwise convolution (any stride or dilation, channel
 * multiplier m): a depthwise convolution of dy with the rotated filter over
 * C*m channels, then a sum over each channel's m outputs.
 */
export function depthwiseBackpropInput(
  dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: [number, number, number, number],
  strides: [number, number], dilations: [number, number], pad: Pad, roundingMode: RoundingMode,
): tf.Tensor4D | null {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad, roundingMode, true);
  const geometry = transposedConvPadding(info);
  if (!geometry) return null;
  return tf.tidy(() => {
    const [kh, kw, channels, multiplier] = filter.shape;
    const spread = insertZerosBetweenPixels(dy, info.strideHeight, info.strideWidth);
    // Each of the C*m dy channels gets its own (rotated) 2-D filter.
    const rotated = tf.reverse(filter, [0, 1]).reshape([kh, kw, channels * multiplier, 1]) as tf.Tensor4D;
    const { top, bottom, left, right } = geometry;
    const perChannel = tf.depthwiseConv2d(spread, rotated, 1, explicitPadding(top, bottom, left, right), "NHWC", dilations);
    if (multiplier === 1) return perChannel;
    const [n, h, w] = perChannel.shape;
    return tf.sum(perChannel.reshape([n, h, w, channels, multiplier]), 4) as tf.Tensor4D;
  });
}

/**
 * Filter gradient of a depthwise convolution: for each of the KHxKW taps, the
 * strided window of (padded) x that the tap saw, times dy, summed over batch
 * and space. KH*KW memory-bound passes, which is what a depthwise conv costs anyway.
 */
export function depthwiseBackpropFilter(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number],
  strides: [number, number], dilations: [number, number], pad: Pad, roundingMode: RoundingMode,
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, dilations, pad, roundingMode, true);
    const [kh, kw, channels, multiplier] = filterShape;
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    const bottom = Math.max(0, (oh - 1) * sh + (kh - 1) * dh + 1 - top - x.shape[1]);
    const right = Math.max(0, (ow - 1) * sw + (kw - 1) * dw + 1 - left - x.shape[2]);
    const padded = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    const n = x.shape[0];
    const dyPerChannel = dy.reshape([n, oh, ow, channels, multiplier]);
    const taps: tf.Tensor[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const window = tf.stridedSlice(padded, [0, i * dh, j * dw, 0], [n, i * dh + (oh - 1) * sh + 1, j * dw + (ow - 1) * sw + 1, channels], [1, sh, sw, 1]);
        const product = multiplier === 1
          ? tf.mul(window, dy)
          : tf.mul(window.reshape([n, oh, ow, channels, 1]), dyPerChannel);
        taps.push(tf.sum(product, [0, 1, 2]));
      }
    }
    return tf.stack(taps).reshape([kh, kw, channels, multiplier]) as tf.Tensor4D;
  });
}

/**
 * Conv2DBackpropFilter of float32 NHWC tensors on every wasm thread with
 * tensorcell's SIMD kernel (filter-gradient.ts); null when that kernel is not
 * available, so the caller uses the XNNPACK composition.
 */
function filterGradientOnPool(x: tf.TensorInfo, dy: tf.TensorInfo, a: ConvBackpropFilterAttrs, backend: BackendWasm): tf.TensorInfo | null {
  if (x.dtype !== "float32" || dy.dtype !== "float32" || (a.dataFormat ?? "NHWC") !== "NHWC") return null;
  const pool = kernelPoolFor(backend, wasmThreadCount());
  if (!pool) return null;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, pair(a.strides), 1, a.pad, a.dimRoundingMode);
  return winogradFits(x, a.filterShape, info, a.dataFormat) ? winogradFilterGradientOnThreads(pool, backend, x, dy, info) : filterGradientOnThreads(pool, backend, x, dy, info);
}

/** Kernel configs for 'wasm': the conv gradients above, in tfjs's kernel interface. */
export function convGradientKernels(): tf.KernelConfig[] {
  return existingConfigs([
    {
      kernelName: "Conv2DBackpropFilter",
      backendName: "wasm",
      kernelFunc: ({ inputs, attrs, backend }) => {
        const a = attrs as unknown as ConvBackpropFilterAttrs;
        const onThreads = filterGradientOnPool(inputs.x as tf.TensorInfo, inputs.dy as tf.TensorInfo, a, backend as BackendWasm);
        if (onThreads) return onThreads;
        return tf.tidy(() => {
          const x = toNhwc(asTensor(inputs.x), a.dataFormat);
          const dy = toNhwc(asTensor(inputs.dy), a.dataFormat);
          const filterShape = a.filterShape;
          return conv2dBackpropFilterAsConv(x, dy, filterShape, pair(a.strides), [1, 1], a.pad, a.dimRoundingMode);
        });
      },
    },
    // Geometries the transposed convolution cannot express (negative padding) use the native kernel.
    withNativeFallback("Conv2DBackpropInput", (args) => {
      const a = args.attrs as unknown as ConvBackpropInputAttrs;
      const filterShape = args.inputs.filter?.shape as [number, number, number, number];
      const inputShape = shapeToNhwc(a.inputShape, a.dataFormat);
      const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, pair(a.strides), 1, a.pad, a.dimRoundingMode);
      if (!transposedConvPadding(info)) return null;
      return tf.tidy(() => {
        const dy = toNhwc(asTensor(args.inputs.dy), a.dataFormat);
        const filter = asTensor<tf.Rank.R4>(args.inputs.filter);
        const patches = dy.dtype === "float32" ? patchifyBackpropInput(dy, filter, info) : null;
        if (patches) return fromNhwc(patches, a.dataFormat);
        const dx = conv2dBackpropInputAsConv(dy, filter, inputShape, pair(a.strides), a.pad, a.dimRoundingMode);
        if (!dx) throw new Error("tensorcell: Conv2DBackpropInput geometry check disagreed with itself; please report the conv shapes.");
        return fromNhwc(dx, a.dataFormat);
      });
    }),
    {
      kernelName: "DepthwiseConv2dNativeBackpropInput",
      backendName: "wasm",
      kernelFunc: ({ inputs, attrs }) => {
        const a = attrs as unknown as DepthwiseBackpropInputAttrs;
        return tf.tidy(() => {
          const dy = asTensor<tf.Rank.R4>(inputs.dy);
          const filter = asTensor<tf.Rank.R4>(inputs.filter);
          const args = [dy, filter, a.inputShape, pair(a.strides), pair(a.dilations), a.pad, a.dimRoundingMode] as const;
          const dx = depthwiseBackpropInput(...args);
          if (dx) return dx;
          // Explicit pads wider than the filter: compute on a zero-padded grid and crop.
          return depthwiseBackpropInputViaPaddedGrid(...args);
        });
      },
    },
    {
      kernelName: "DepthwiseConv2dNativeBackpropFilter",
      backendName: "wasm",
      kernelFunc: ({ inputs, attrs }) => {
        const a = attrs as unknown as DepthwiseBackpropFilterAttrs;
        return tf.tidy(() =>
          depthwiseBackpropFilter(asTensor(inputs.x), asTensor(inputs.dy), a.filterShape, pair(a.strides), pair(a.dilations), a.pad, a.dimRoundingMode),
        );
      },
    },
  ]);
}

/**
 * Depthwise input gradient when the padding exceeds the filter reach: the
 * gradient w.r.t. an explicitly pre-padded input (valid conv), then cropped.
 */
function depthwiseBackpropInputViaPaddedGrid(
  dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: [number, number, number, number],
  strides: [number, number], dilations: [number, number], pad: Pad, roundingMode: RoundingMode,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, dilations, pad, roundingMode, true);
  const { top, bottom, left, right } = info.padInfo;
  const paddedShape: [number, number, number, number] = [inputShape[0], inputShape[1] + top + bottom, inputShape[2] + left + right, inputShape[3]];
  const full = depthwiseBackpropInput(dy, filter, paddedShape, strides, dilations, "valid", roundingMode);
  if (!full) throw new Error("tensorcell: depthwise input gradient geometry is unsupported; please report the conv shapes.");
  return tf.slice(full, [0, top, left, 0], inputShape);
}
