/**
 * `models.preprocess`: timm's eval transform (resolve_data_config +
 * create_transform) for a model's pretrained weights: resize the shorter side
 * to floor(size / cropPct) as Pillow does, centre-crop to size, scale to 0..1,
 * normalise by mean / std.
 */
import * as tf from "@tensorflow/tfjs";
import { describeValue, isLayersModel, pretrainedConfig } from "./config.js";
import type { PretrainedConfig } from "./pretrained-configs.js";
import { type PixelImage, resizeAndCrop } from "./resample.js";

/** What {@link preprocessImages} needs of a configuration (a PretrainedConfig has it all). */
export type PreprocessConfig = Pick<PretrainedConfig, "inputShape" | "interpolation" | "cropPct" | "mean" | "std"> & { cropMode?: PretrainedConfig["cropMode"] };

/**
 * Images {@link preprocessImages} accepts: a tf.Tensor [h, w, c] or [n, h, w, c]
 * (int32 = 0..255, as tf.browser.fromPixels / decoded files give; float32 =
 * 0..1, as data.loadImages gives), a list of [h, w, c] tensors of any sizes,
 * or anything with an `images` tensor (data.loadImages, data.shapes).
 */
export type PreprocessInput = tf.Tensor | tf.Tensor[] | { images: tf.Tensor };

const CALLER = "models.preprocess";
const FILTERS = ["bicubic", "bilinear", "nearest"];

/** Python's round(): halves go to the even neighbour (torchvision's centre crop uses it). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function checkConfig(config: PreprocessConfig): void {
  const fail = (what: string) => {
    throw new Error(`${CALLER}: the config's ${what}.`);
  };
  const shape = config.inputShape;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) fail(`inputShape must be [height, width, channels], got ${JSON.stringify(shape)}`);
  if (shape[2] !== 3) fail(`inputShape has ${shape[2]} channels; the eval transform makes RGB images (3)`);
  if (!FILTERS.includes(config.interpolation)) fail(`interpolation must be one of ${FILTERS.join(", ")}, got ${JSON.stringify(config.interpolation)}`);
  if (!(typeof config.cropPct === "number" && config.cropPct > 0 && config.cropPct <= 2)) fail(`cropPct must be a number in (0, 2], got ${JSON.stringify(config.cropPct)}`);
  const mode = config.cropMode ?? "center";
  if (mode !== "center" && mode !== "squash") fail(`cropMode "${mode}" is not supported (center and squash are)`);
  if (mode === "center" && shape[0] !== shape[1]) fail(`inputShape ${JSON.stringify(shape)} is not square; centre cropping supports square inputs`);
  for (const key of ["mean", "std"] as const) {
    const v = config[key];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === "number" && Number.isFinite(x))) fail(`${key} must be 3 numbers (RGB), got ${JSON.stringify(v)}`);
  }
  if (!config.std.every((s) => s > 0)) fail(`std must be positive, got ${JSON.stringify(config.std)}`);
}

/** The configuration to use: a model's pretrained config, or the object given. */
function resolveConfig(modelOrConfig: unknown): PreprocessConfig {
  if (isLayersModel(modelOrConfig) || typeof modelOrConfig === "string") return pretrainedConfig(modelOrConfig);
  if (modelOrConfig && typeof modelOrConfig === "object" && "inputShape" in modelOrConfig) {
    const config = modelOrConfig as PreprocessConfig;
    checkConfig(config);
    return config;
  }
  throw new Error(`${CALLER}: the first argument must be a model, a model name or a pretrained config (models.pretrainedConfig(...)), got ${describeValue(modelOrConfig)}.`);
}

/** The input as a list of [h, w, c] tensors. */
function imageList(images: unknown): tf.Tensor[] {
  if (images instanceof tf.Tensor) {
    if (images.rank === 3) return [images];
    if (images.rank === 4) return tf.unstack(images);
    throw new Error(`${CALLER}: images must be [height, width, channels] or [batch, height, width, channels], got shape [${images.shape.join(", ")}].`);
  }
  if (Array.isArray(images)) {
    if (images.length === 0) throw new Error(`${CALLER}: the list of images is empty.`);
    return images.map((image, i) => {
      if (!(image instanceof tf.Tensor) || image.rank !== 3) throw new Error(`${CALLER}: image ${i} of the list must be a [height, width, channels] tf.Tensor, got ${image instanceof tf.Tensor ? `shape [${image.shape.join(", ")}]` : describeValue(image)}.`);
      return image;
    });
  }
  if (images && typeof images === "object" && (images as { images?: unknown }).images instanceof tf.Tensor) return imageList((images as { images: tf.Tensor }).images);
  throw new Error(`${CALLER}: images must be a tf.Tensor ([h, w, c] or [n, h, w, c]), a list of them, or a dataset with an images tensor, got ${describeValue(images)}.`);
}

/** Whether every value is an 8-bit level divided by 255 (as decoded image files are): k / 255 within float32 rounding. */
function isEightBitScaled(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    const level = values[i] * 255;
    if (Math.abs(level - Math.round(level)) > 1e-3) return false;
  }
  return true;
}

/**
 * One image tensor as RGB pixels: 8-bit for int32 (0..255) and for float32 images
 * holding only k / 255 values (decoded files), float for other float32 (0..1).
 */
function toPixels(image: tf.Tensor, index: number): PixelImage {
  const [height, width, channels] = image.shape;
  if (![1, 3, 4].includes(channels)) throw new Error(`${CALLER}: image ${index} has ${channels} channels; expected 1 (grey), 3 (RGB) or 4 (RGBA).`);
  if (image.dtype !== "int32" && image.dtype !== "float32") throw new Error(`${CALLER}: image ${index} has dtype ${image.dtype}; expected int32 (0..255) or float32 (0..1).`);
  const values = image.dataSync();
  const isInt = image.dtype === "int32";
  for (const v of values) {
    if (isInt ? !(v >= 0 && v <= 255) : !(v >= 0 && v <= 1)) {
      const hint = isInt
        ? "int32 images must hold 0..255"
        : v > 1 && v <= 255
          ? "float32 images must be 0..1 (divide by 255, or pass tf.cast(images, \"int32\") for 0..255)"
          : "float32 images must be 0..1";
      throw new Error(`${CALLER}: image ${index} has value ${v}; ${hint}.`);
    }
  }
  const eightBit = isInt || isEightBitScaled(values);
  const scale = isInt ? 1 : 255;
  const data = eightBit ? new Uint8Array(height * width * 3) : new Float64Array(height * width * 3);
  for (let p = 0; p < height * width; p++) {
    for (let c = 0; c < 3; c++) {
      const v = values[p * channels + (channels === 1 ? 0 : c)];
      data[p * 3 + c] = eightBit ? Math.round(v * scale) : v;
    }
  }
  return { height, width, channels: 3, data };
}

/**
 * timm's eval transform of a batch of images, as tensorcell's [n, size, size, 3]
 * float32 (NHWC): resize as Pillow does (shorter side to floor(size / cropPct),
 * the other int(that * long / short); "squash" mode: both sides to
 * floor(size / cropPct)), centre crop to size, scale to 0..1, normalise by
 * mean / std. 8-bit images (int32 0..255, or float32 holding only k / 255 as
 * data.loadImages gives) match timm on the same pixels exactly; other float32
 * inputs (0..1) skip Pillow's 8-bit rounding between the two resize passes
 * (at most 1/255 apart before normalising). Grey images are repeated to RGB,
 * alpha is dropped.
 */
export function preprocessImages(modelOrConfig: tf.LayersModel | string | PreprocessConfig, images: PreprocessInput): tf.Tensor4D {
  const config = resolveConfig(modelOrConfig);
  const list = imageList(images);
  const owned = list.filter((t) => t !== images && !(Array.isArray(images) && images.includes(t)));
  const [size] = config.inputShape;
  const scaleSize = Math.floor(size / config.cropPct);
  const out = new Float32Array(list.length * size * size * 3);
  const mean = config.mean.map(Math.fround);
  const std = config.std.map(Math.fround);
  list.forEach((image, index) => {
    const pixels = toPixels(image, index);
    const { height, width } = pixels;
    let outH = scaleSize;
    let outW = scaleSize;
    if ((config.cropMode ?? "center") === "center") {
      // torchvision's Resize(int): the shorter side to scaleSize, the longer int(scaleSize * long / short).
      if (width <= height) outH = Math.trunc((scaleSize * height) / width);
      else outW = Math.trunc((scaleSize * width) / height);
    }
    if (outH < size || outW < size) throw new Error(`${CALLER}: image ${index} resizes to ${outH}x${outW}, smaller than the crop ${size}x${size}.`);
    const crop = { top: roundHalfEven((outH - size) / 2), left: roundHalfEven((outW - size) / 2), height: size, width: size };
    const result = resizeAndCrop(pixels, outH, outW, config.interpolation, crop);
    const base = index * size * size * 3;
    const eightBit = result.data instanceof Uint8Array;
    for (let p = 0; p < size * size; p++) {
      for (let c = 0; c < 3; c++) {
        const v = result.data[p * 3 + c];
        // As torch: ToTensor divides by 255 in float32, Normalize subtracts then divides in float32.
        const unit = eightBit ? Math.fround(v / 255) : Math.fround(v);
        out[base + p * 3 + c] = Math.fround(Math.fround(unit - mean[c]) / std[c]);
      }
    }
  });
  owned.forEach((t) => t.dispose());
  return tf.tensor4d(out, [list.length, size, size, 3]);
}
