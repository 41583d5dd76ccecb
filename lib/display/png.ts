/**
 * PNG encoding (fast-png, pure JS) and tensor-to-image conversion. Used by the
 * display module for image-like tensors and by viz for feature maps and CAMs.
 */
import { encode } from "fast-png";
import type { Tensor } from "@tensorflow/tfjs";

/** Number of channels of an 8-bit image: gray, gray+alpha, RGB or RGBA. */
export type Channels = 1 | 2 | 3 | 4;

/** Raw 8-bit pixels, row-major, channels interleaved. */
export interface RasterImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: Channels;
}

/**
 * Encodes 8-bit pixels (row-major, channels interleaved) as PNG bytes.
 * @param pixels width * height * channels values in 0..255.
 * @param channels 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
 */
export function pngEncode(pixels: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: Channels): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`pngEncode: width and height must be positive integers; got ${width}x${height}.`);
  }
  if (![1, 2, 3, 4].includes(channels)) throw new Error(`pngEncode: channels must be 1, 2, 3 or 4; got ${channels}.`);
  if (pixels.length !== width * height * channels) {
    throw new Error(`pngEncode: expected ${width}*${height}*${channels} = ${width * height * channels} values, got ${pixels.length}.`);
  }
  return encode({ width, height, data: pixels, channels, depth: 8 });
}

/** Encodes a raster image as PNG bytes. */
export function rasterToPng(image: RasterImage): Uint8Array {
  return pngEncode(image.pixels, image.width, image.height, image.channels);
}

/** Which image format some bytes hold, from their magic numbers. */
export function sniffImageType(bytes: Uint8Array): "image/png" | "image/jpeg" | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47 &&
      bytes[4] === 0x0d && bytes[5] === 0x0a && bytes[6] === 0x1a && bytes[7] === 0x0a) return "image/png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  return undefined;
}

/** Base64 text of bytes, as Jupyter wants image data in a bundle. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * The [height, width, channels] of an image-like shape: [h,w], [h,w,1|3|4] or [1,h,w,1|3|4];
 * undefined for anything else.
 */
export function imageShape(shape: readonly number[]): [number, number, Channels] | undefined {
  const dims = shape.length === 4 && shape[0] === 1 ? shape.slice(1) : shape;
  if (dims.length === 2) return [dims[0]!, dims[1]!, 1];
  if (dims.length === 3 && (dims[2] === 1 || dims[2] === 3 || dims[2] === 4)) return [dims[0]!, dims[1]!, dims[2] as Channels];
  return undefined;
}

/** How tensor values map to 0..255 pixels. */
export interface TensorImageOptions {
  /**
   * The value range shown as black..white. Default "auto": integer tensors and
   * tensors with values in 0..255 (max > 1) are taken as 8-bit, values in 0..1
   * are scaled by 255, anything else is min-max normalised.
   */
  range?: "auto" | [number, number];
}

/** Converts an image-like tensor ([h,w], [h,w,1|3|4] or [1,h,w,c]) to 8-bit pixels. */
export function tensorToRaster(tensor: Tensor, options: TensorImageOptions = {}): RasterImage {
  const dims = imageShape(tensor.shape);
  if (!dims) {
    throw new Error(
      `Expected an image-like tensor of shape [h,w], [h,w,1|3|4] or [1,h,w,1|3|4]; got shape [${tensor.shape.join(",")}]. ` +
        "Reshape or slice it first (e.g. tensor.squeeze() or tensor.slice(...)), or use viz.featureMaps for many-channel activations.",
    );
  }
  const [height, width, channels] = dims;
  if (height === 0 || width === 0) throw new Error(`Cannot make an image from an empty tensor of shape [${tensor.shape.join(",")}].`);
  if (tensor.dtype === "string" || tensor.dtype === "complex64") throw new Error(`Cannot make an image from a ${tensor.dtype} tensor; cast it to float32 first.`);
  const values = tensor.dataSync() as Float32Array | Int32Array | Uint8Array;
  const [low, high] = valueRange(values, tensor.dtype, options.range ?? "auto");
  const scale = high > low ? 255 / (high - low) : 0;
  const pixels = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    pixels[i] = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round((v - low) * scale))) : 0;
  }
  return { pixels, width, height, channels };
}

function valueRange(values: ArrayLike<number>, dtype: string, range: "auto" | [number, number]): [number, number] {
  if (range !== "auto") return range;
  if (dtype === "bool") return [0, 1];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min === Infinity) return [0, 1];
  if (dtype === "int32" || (min >= 0 && max <= 255 && max > 1)) return [0, 255];
  if (min >= 0 && max <= 1) return [0, 1];
  return [min, max];
}

/** PNG bytes of an image-like tensor; see {@link tensorToRaster} for shapes and value scaling. */
export function tensorToPng(tensor: Tensor, options: TensorImageOptions = {}): Uint8Array {
  return rasterToPng(tensorToRaster(tensor, options));
}

/** Enlarges an image by an integer factor with nearest-neighbour sampling (keeps pixels crisp). */
export function upscaleNearest(image: RasterImage, factor: number): RasterImage {
  if (factor <= 1) return image;
  const { width, height, channels, pixels } = image;
  const out = new Uint8Array(width * factor * height * factor * channels);
  const outWidth = width * factor;
  for (let y = 0; y < height * factor; y++) {
    const sourceRow = Math.floor(y / factor) * width;
    for (let x = 0; x < outWidth; x++) {
      const source = (sourceRow + Math.floor(x / factor)) * channels;
      const target = (y * outWidth + x) * channels;
      for (let c = 0; c < channels; c++) out[target + c] = pixels[source + c]!;
    }
  }
  return { pixels: out, width: outWidth, height: height * factor, channels };
}

/** The integer factor that brings an image's longer side to at least `target` pixels (max 16). */
export function upscaleFactorFor(width: number, height: number, target = 160): number {
  return Math.max(1, Math.min(16, Math.floor(target / Math.max(width, height))));
}
