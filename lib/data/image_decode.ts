/**
 * Decoding PNG (fast-png) and JPEG (jpeg-js) files into float pixels in 0..1,
 * with the channel count the caller asks for.
 */
import { convertIndexedToRgb, decode as decodePng } from "fast-png";
import jpeg from "jpeg-js";
import { DataFileError } from "./errors.js";

/** A decoded image: height x width x channels floats in 0..1, row-major HWC. */
export interface DecodedImage {
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 3 | 4;
  pixels: Float32Array;
}

/** The image formats recognised by their first bytes. */
export function sniffImageFormat(bytes: Uint8Array): "png" | "jpeg" | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  return null;
}

/** Unpacks PNG samples (1, 2, 4, 8 or 16 bits, rows padded to whole bytes) into floats in 0..1. */
function pngSamplesToFloat(data: ArrayLike<number>, width: number, height: number, samplesPerPixel: number, depth: number): Float32Array {
  const out = new Float32Array(width * height * samplesPerPixel);
  const max = 2 ** depth - 1;
  if (depth >= 8) {
    for (let i = 0; i < out.length; i++) out[i] = data[i]! / max;
    return out;
  }
  const rowBytes = Math.ceil((width * samplesPerPixel * depth) / 8);
  const perRow = width * samplesPerPixel;
  for (let y = 0; y < height; y++) {
    for (let s = 0; s < perRow; s++) {
      const bit = s * depth;
      const byte = data[y * rowBytes + (bit >> 3)]!;
      const value = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * perRow + s] = value / max;
    }
  }
  return out;
}

function decodePngFile(bytes: Uint8Array, path: string, loader: string): DecodedImage {
  let png: ReturnType<typeof decodePng>;
  try {
    png = decodePng(bytes);
  } catch (error) {
    throw new DataFileError(loader, path, `is not a valid PNG (${(error as Error).message})`);
  }
  const { width, height } = png;
  if (png.palette !== undefined) {
    const rgb = convertIndexedToRgb(png);
    const samples = rgb.length / (width * height);
    return toStandardChannels(pngSamplesToFloat(rgb, width, height, samples, 8), width, height, samples);
  }
  const expectedLength =
    png.depth >= 8 ? width * height * png.channels : Math.ceil((width * png.channels * png.depth) / 8) * height;
  if (png.data.length < expectedLength) {
    throw new DataFileError(loader, path, `is a truncated PNG (${png.data.length} samples, its header needs ${expectedLength})`);
  }
  return toStandardChannels(pngSamplesToFloat(png.data, width, height, png.channels, png.depth), width, height, png.channels);
}

/** Grey+alpha (2 samples) becomes grey; 1, 3 and 4 stay as they are. */
function toStandardChannels(pixels: Float32Array, width: number, height: number, samples: number): DecodedImage {
  if (samples === 1 || samples === 3 || samples === 4) return { width, height, channels: samples, pixels };
  if (samples === 2) {
    const grey = new Float32Array(width * height);
    for (let i = 0; i < grey.length; i++) grey[i] = pixels[i * 2]!;
    return { width, height, channels: 1, pixels: grey };
  }
  throw new Error(`unexpected PNG sample count ${samples}`);
}

function decodeJpegFile(bytes: Uint8Array, path: string, loader: string): DecodedImage {
  let image: { width: number; height: number; data: Uint8Array };
  try {
    image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
  } catch (error) {
    throw new DataFileError(loader, path, `is not a valid JPEG (${(error as Error).message})`);
  }
  const { width, height, data } = image;
  if (data.length !== width * height * 3) {
    throw new DataFileError(loader, path, `decoded to ${data.length} bytes, expected ${width * height * 3} (a corrupt JPEG)`);
  }
  const pixels = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) pixels[i] = data[i]! / 255;
  return { width, height, channels: 3, pixels };
}

/** Decodes a PNG or JPEG file's bytes; `path` names the file in errors. */
export function decodeImage(bytes: Uint8Array, path: string, loader = "decodeImage"): DecodedImage {
  const format = sniffImageFormat(bytes);
  if (format === "png") return decodePngFile(bytes, path, loader);
  if (format === "jpeg") return decodeJpegFile(bytes, path, loader);
  throw new DataFileError(loader, path, "is neither a PNG nor a JPEG (its first bytes match neither signature)");
}

/**
 * Converts decoded pixels to `channels` channels: grey is repeated to RGB,
 * RGB becomes grey by ITU-R BT.601 luma, alpha is dropped or set to 1.
 */
export function convertChannels(image: DecodedImage, channels: 1 | 3 | 4): Float32Array {
  if (image.channels === channels) return image.pixels;
  const count = image.width * image.height;
  const out = new Float32Array(count * channels);
  const source = image.pixels;
  const from = image.channels;
  for (let i = 0; i < count; i++) {
    const r = source[i * from]!;
    const g = from === 1 ? r : source[i * from + 1]!;
    const b = from === 1 ? r : source[i * from + 2]!;
    const alpha = from === 4 ? source[i * from + 3]! : 1;
    if (channels === 1) {
      out[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    } else {
      out[i * channels] = r;
      out[i * channels + 1] = g;
      out[i * channels + 2] = b;
      if (channels === 4) out[i * channels + 3] = alpha;
    }
  }
  return out;
}
