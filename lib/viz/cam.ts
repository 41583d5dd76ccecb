/**
 * Class activation maps overlaid on the input: Eigen-CAM (first principal
 * component of a conv layer's activations, no gradients) and Grad-CAM
 * (class-score gradients with respect to a conv layer's output).
 */
import * as tf from "@tensorflow/tfjs";
import { tensorToRaster, upscaleFactorFor, upscaleNearest, type RasterImage } from "../display/png.js";
import { batchOf, findLayer, lastSpatialLayer, requireLayersModel, runLayers, runModel, singleOutputShape } from "./activations.js";
import { applyColormap, type ColormapName } from "./colormap.js";
import { composeGrid } from "./grid.js";
import { imageOutput } from "./output.js";

/** Options shared by the CAM functions. */
export interface CamOptions {
  /** Convolution layer to explain (default: the last layer with a [batch,h,w,c] output). */
  layer?: string;
  /** Heatmap colormap (default "inferno"). */
  colormap?: ColormapName;
  /** Heatmap opacity over the image, 0..1 (default 0.5). */
  alpha?: number;
}

function pickLayer(model: tf.LayersModel, name: string | undefined, caller: string): string {
  if (name === undefined) return lastSpatialLayer(model, caller).name;
  const shape = singleOutputShape(findLayer(model, name));
  if (shape?.length !== 4) throw new Error(`${caller}: layer "${name}" has output shape ${JSON.stringify(shape)}; pick a layer with a [batch, h, w, channels] output.`);
  return name;
}

/** The input image (first example) as a raster, with a clear error for non-image inputs. */
export function inputRaster(image: tf.Tensor, caller: string): RasterImage {
  const single = image.rank === 4 ? image.slice([0, 0, 0, 0], [1, -1, -1, -1]) : image;
  try {
    return tensorToRaster(single);
  } catch (imageError) {
    throw new Error(`${caller} explains image models: ${imageError instanceof Error ? imageError.message : String(imageError)}`);
  } finally {
    if (single !== image) single.dispose();
  }
}

/** Normalises a [h, w] map to 0..1 and resizes it (bilinear) to the image size. */
export function resizeCam(cam: tf.Tensor2D, height: number, width: number): Float32Array {
  return tf.tidy(() => {
    const min = cam.min();
    const range = cam.max().sub(min);
    const normalised = cam.sub(min).div(tf.maximum(range, 1e-12));
    return tf.image.resizeBilinear(normalised.expandDims(-1) as tf.Tensor3D, [height, width], true).dataSync() as Float32Array;
  });
}

/** [input | heatmap | overlay] side by side, enlarged when the image is small. */
export function camPicture(input: RasterImage, heat: Float32Array, label: string, options: CamOptions): RasterImage {
  const { width, height } = input;
  const alpha = Math.min(1, Math.max(0, options.alpha ?? 0.5));
  const colours = applyColormap(heat, options.colormap ?? "inferno", 0, 1);
  const base = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) base[i * 3 + c] = input.pixels[i * input.channels + (input.channels >= 3 ? c : 0)]!;
  }
  const overlay = Uint8Array.from(base, (v, i) => Math.round((1 - alpha) * v + alpha * colours[i]!));
  const factor = upscaleFactorFor(width, height, 160);
  const tile = (pixels: Uint8Array) => upscaleNearest({ pixels, width, height, channels: 3 }, factor);
  return composeGrid([{ label, tiles: [tile(base), tile(colours), tile(overlay)], columns: 3 }]);
}

/** Takes a [1, h, w, c] activation to an [h*w, c] matrix and returns its first principal direction's projection as [h, w]. */
function firstComponentMap(activation: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const [, h, w, c] = activation.shape;
    const matrix = activation.reshape([h * w, c]) as tf.Tensor2D;
    // Eigen-CAM (Muhammad & Yeasin 2020) projects onto the first right singular vector
    // of the activation matrix; power iteration on AᵀA finds it without an SVD op.
    const gram = tf.matMul(matrix, matrix, true, false);
    // Start off every axis and diagonal (a symmetric start can be orthogonal to the answer).
    let vector: tf.Tensor2D = tf.tensor2d(Array.from({ length: c }, (_, j) => 1 + ((j * 7919) % 97) / 97), [c, 1]);
    for (let i = 0; i < 50; i++) {
      const next = tf.matMul(gram, vector);
      vector = next.div(tf.maximum(tf.norm(next), 1e-12));
    }
    let projection = tf.matMul(matrix, vector).reshape([h, w]) as tf.Tensor2D;
    // A singular vector's sign is arbitrary: orient it so the map's total is positive.
    if ((projection.sum().dataSync()[0] ?? 0) < 0) projection = projection.neg();
    return tf.relu(projection);
  });
}

/** Eigen-CAM of one image: which regions dominate a conv layer's activations (no gradients, no class). */
export function eigenCam(model: tf.LayersModel, image: tf.Tensor, options: CamOptions = {}) {
  requireLayersModel(model, "viz.eigenCam");
  const input = inputRaster(image, "viz.eigenCam");
  const layer = pickLayer(model, options.layer, "viz.eigenCam");
  const cam = tf.tidy(() => firstComponentMap(runLayers(model, batchOf(model, image), [layer]).get(layer)!.slice([0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D));
  const heat = resizeCam(cam, input.height, input.width);
  const camValues = cam.arraySync();
  cam.dispose();
  const picture = camPicture(input, heat, `EIGEN-CAM ${layer}`, options);
  return imageOutput(picture, `Eigen-CAM of layer ${layer} (input | heatmap | overlay)`, { layer, cam: camValues });
}

/**
 * Grad-CAM of one image for one class: the model is split at the layer, the class
 * score (the model's output at classIndex) is differentiated with respect to that
 * layer's output with tf.grad, and channels are weighted by their mean gradient.
 */
export function gradCam(model: tf.LayersModel, image: tf.Tensor, classIndex: number, options: CamOptions = {}) {
  requireLayersModel(model, "viz.gradCam");
  const input = inputRaster(image, "viz.gradCam");
  const layer = pickLayer(model, options.layer, "viz.gradCam");
  const outputShape = model.outputs[0]?.shape;
  const classes = outputShape?.at(-1);
  if (!Number.isInteger(classIndex) || classIndex < 0 || (typeof classes === "number" && classIndex >= classes)) {
    throw new Error(`viz.gradCam: classIndex must be an integer in 0..${typeof classes === "number" ? classes - 1 : "classes-1"}; got ${classIndex}.`);
  }
  const cam = tf.tidy(() => {
    const batch = batchOf(model, image).slice([0, 0, 0, 0], [1, -1, -1, -1]);
    const activation = runLayers(model, batch, [layer]).get(layer)! as tf.Tensor4D;
    const score = (a: tf.Tensor) => runModel(model, batch, { layer, value: a }).reshape([-1]).slice([classIndex], [1]).sum();
    const gradient = tf.grad(score)(activation) as tf.Tensor4D;
    const weights = gradient.mean([0, 1, 2]); // one weight per channel
    const [, h, w, c] = activation.shape;
    const weighted = tf.matMul(activation.reshape([h * w, c]), weights.reshape([c, 1])).reshape([h, w]);
    return tf.relu(weighted) as tf.Tensor2D;
  });
  const heat = resizeCam(cam, input.height, input.width);
  const camValues = cam.arraySync();
  cam.dispose();
  const picture = camPicture(input, heat, `GRAD-CAM ${layer} CLASS ${classIndex}`, options);
  return imageOutput(picture, `Grad-CAM of layer ${layer} for class ${classIndex} (input | heatmap | overlay)`, { layer, classIndex, cam: camValues });
}
