/**
 * Image resampling as Pillow does it (Image.resize, which torchvision's
 * Resize uses on PIL images and so timm's eval transform): separable
 * convolution, horizontal pass then vertical pass, with the filter stretched
 * by the scale factor when downscaling (antialiasing). 8-bit images follow
 * Pillow's fixed-point arithmetic and rounding exactly; float images use the
 * same filters without rounding. Nearest follows Pillow's affine scaling.
 */

/** Resize filters Pillow offers for this transform. */
export type ResampleFilter = "bicubic" | "bilinear" | "nearest";

/** An image as interleaved channels, row-major [height, width, channels]. */
export interface PixelImage {
  height: number;
  width: number;
  channels: number;
  /** Uint8Array (0..255) for Pillow's 8-bit arithmetic, Float32Array/Float64Array (0..1) for float. */
  data: Uint8Array | Float32Array | Float64Array;
}

const PRECISION_BITS = 32 - 8 - 2;

/** Pillow's filters and their support (in source pixels at scale 1). */
const FILTERS: Record<Exclude<ResampleFilter, "nearest">, { support: number; weight: (x: number) => number }> = {
  bilinear: { support: 1, weight: (x) => Math.max(1 - Math.abs(x), 0) },
  bicubic: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      if (x < 0) x = -x;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

/** Filter taps for each output position of one axis: first source index, tap count, normalised weights. */
interface Coefficients {
  ksize: number;
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
}

/** Pillow's precompute_coeffs for output positions [from, to) of an axis resized inSize -> outSize. */
function coefficients(inSize: number, outSize: number, filter: (typeof FILTERS)["bicubic"], from: number, to: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const n = to - from;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Float64Array(n * ksize);
  const ss = 1 / filterScale;
  for (let i = 0; i < n; i++) {
    const center = (from + i + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      weights[i * ksize + x] = w;
      total += w;
    }
    if (total !== 0) for (let x = 0; x < xmax; x++) weights[i * ksize + x] /= total;
    start[i] = xmin;
    count[i] = xmax;
  }
  return { ksize, start, count, weights };
}

/** Pillow's normalize_coeffs_8bpc: weights as fixed-point integers. */
function fixedPoint(weights: Float64Array): Float64Array {
  const one = 1 << PRECISION_BITS;
  return weights.map((w) => (w < 0 ? Math.trunc(-0.5 + w * one) : Math.trunc(0.5 + w * one)));
}

/** Pillow's clip8: a fixed-point accumulator back to 0..255. */
function clip8(value: number): number {
  if (value >= 256 * (1 << PRECISION_BITS)) return 255;
  if (value <= 0) return 0;
  return Math.floor(value / (1 << PRECISION_BITS));
}

/**
 * One separable pass along an axis ("x": rows, "y": columns) to outSize samples,
 * computing only output positions [from, to) of that axis.
 */
function pass(
  src: PixelImage,
  axis: "x" | "y",
  outSize: number,
  filter: (typeof FILTERS)["bicubic"],
  from: number,
  to: number,
): PixelImage {
  const { height, width, channels } = src;
  const inSize = axis === "x" ? width : height;
  const coeffs = coefficients(inSize, outSize, filter, from, to);
  const eightBit = src.data instanceof Uint8Array;
  const weights = eightBit ? fixedPoint(coeffs.weights) : coeffs.weights;
  const n = to - from;
  const outH = axis === "y" ? n : height;
  const outW = axis === "x" ? n : width;
  const data = eightBit ? new Uint8Array(outH * outW * channels) : new Float64Array(outH * outW * channels);
  const input = src.data;
  const rounding = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const i = axis === "x" ? x : y;
      const first = coeffs.start[i];
      const taps = coeffs.count[i];
      const k = i * coeffs.ksize;
      for (let c = 0; c < channels; c++) {
        let sum = eightBit ? rounding : 0;
        for (let t = 0; t < taps; t++) {
          const sx = axis === "x" ? first + t : x;
          const sy = axis === "y" ? first + t : y;
          sum += input[(sy * width + sx) * channels + c] * weights[k + t];
        }
        data[(y * outW + x) * channels + c] = eightBit ? clip8(sum) : Math.min(Math.max(sum, 0), 1);
      }
    }
  }
  return { height: outH, width: outW, channels, data };
}

/** Pillow's ImagingScaleAffine (nearest): source index floor((i + 0.5) * scale), accumulated as Pillow does. */
function nearestIndices(inSize: number, outSize: number, from: number, to: number): Int32Array {
  const scale = inSize / outSize;
  const indices = new Int32Array(to - from);
  let position = scale * 0.5;
  for (let i = 0; i < to; i++) {
    if (i >= from) indices[i - from] = Math.min(Math.max(position < 0 ? -1 : Math.trunc(position), 0), inSize - 1);
    position += scale;
  }
  return indices;
}

/**
 * Resizes `image` to outHeight x outWidth as Pillow's Image.resize does, and
 * returns only the window rows [top, top + cropHeight) x columns [left, left + cropWidth)
 * of the result (identical to resizing, then cropping).
 */
export function resizeAndCrop(
  image: PixelImage,
  outHeight: number,
  outWidth: number,
  filter: ResampleFilter,
  crop: { top: number; left: number; height: number; width: number },
): PixelImage {
  const { top, left, height, width } = crop;
  if (filter === "nearest") {
    const sameSize = outHeight === image.height && outWidth === image.width;
    const rows = sameSize ? Int32Array.from({ length: height }, (_, i) => top + i) : nearestIndices(image.height, outHeight, top, top + height);
    const cols = sameSize ? Int32Array.from({ length: width }, (_, i) => left + i) : nearestIndices(image.width, outWidth, left, left + width);
    const { channels } = image;
    const data = image.data instanceof Uint8Array ? new Uint8Array(height * width * channels) : new Float64Array(height * width * channels);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = image.data[(rows[y] * image.width + cols[x]) * channels + c];
    return { height, width, channels, data };
  }
  const spec = FILTERS[filter];
  let current = image;
  // Pillow skips a pass whose axis keeps its size; the window is then a plain crop of that axis.
  if (outWidth !== image.width) current = pass(current, "x", outWidth, spec, left, left + width);
  else current = cropAxis(current, "x", left, width);
  if (outHeight !== image.height) current = pass(current, "y", outHeight, spec, top, top + height);
  else current = cropAxis(current, "y", top, height);
  return current;
}

/** Rows or columns [from, from + n) of an image. */
function cropAxis(image: PixelImage, axis: "x" | "y", from: number, n: number): PixelImage {
  const { height, width, channels } = image;
  const outH = axis === "y" ? n : height;
  const outW = axis === "x" ? n : width;
  if (outH === height && outW === width) return image;
  const data = image.data instanceof Uint8Array ? new Uint8Array(outH * outW * channels) : new Float64Array(outH * outW * channels);
  const y0 = axis === "y" ? from : 0;
  const x0 = axis === "x" ? from : 0;
  for (let y = 0; y < outH; y++) data.set(image.data.subarray(((y + y0) * width + x0) * channels, ((y + y0) * width + x0 + outW) * channels), y * outW * channels);
  return { height: outH, width: outW, channels, data };
}
