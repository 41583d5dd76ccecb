/**
 * Class activation maps overlaid on the input: Eigen-CAM (first principal
 * component of a conv layer's activations, no gradients) and Grad-CAM
 * (gradients of the pre-softmax class score with respect to a layer's output).
 * Defaults follow pytorch-grad-cam: the last stage output with a map of at least
 * 4x4 (see map-layers.ts) and, for Grad-CAM, the predicted class.
 */
import * as tf from "@tensorflow/tfjs";
import { tensorToRaster, upscaleNearest, type RasterImage } from "../display/png.js";
import { batchOf, findLayer, requireLayersModel, runClassScores, runLayers, singleOutputShape } from "./activations.js";
import { applyColormap, type ColormapName } from "./colormap.js";
import { composeGrid } from "./grid.js";
import { defaultCamLayer, describeMapLayer, type MapLayer } from "./map-layers.js";
import { imageOutput } from "./output.js";
import { colorBar, panelFactor, shortNumber } from "./panels.js";
import { checkClassNames, className, predict, predictedText, probabilityText } from "./prediction.js";

/** Options shared by the CAM functions. */
export interface CamOptions {
  /**
   * Layer to explain: a models.features name ("layer4", "stages.2") or a layer name. Default:
   * the last stage output whose map is at least 4x4 for this input (the model's last
   * convolution for models built elsewhere).
   */
  layer?: string;
  /** Heatmap colormap (default "inferno"; "turbo" and "jet" are common for CAMs). */
  colormap?: ColormapName;
  /** Heatmap opacity over the image, 0..1 (default 0.5). */
  alpha?: number;
  /** Class names by class index, shown in the picture and caption. */
  classNames?: string[];
}

/** Options of viz.gradCam(). */
export interface GradCamOptions extends CamOptions {
  /** Class to explain (default: the predicted class). */
  classIndex?: number;
}

/** The layer to explain: the one asked for (checked to be 4-D) or the default, with its map size for this batch. */
function chooseLayer(model: tf.LayersModel, batch: tf.Tensor, name: string | undefined, caller: string): { layer: MapLayer; note?: string } {
  if (name === undefined) return defaultCamLayer(model, batch, caller);
  const shape = singleOutputShape(findLayer(model, name));
  if (shape?.length !== 4) throw new Error(`${caller}: layer "${name}" has output shape ${JSON.stringify(shape)}; pick a layer with a [batch, h, w, channels] output.`);
  const size = tf.tidy(() => runLayers(model, batch, [name]).get(name)!.shape.slice(1, 3) as [number, number]);
  return { layer: { name, size } };
}

/** The first example of an input as a [1, ...] batch. */
function firstExample(model: tf.LayersModel, image: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const batch = batchOf(model, image);
    return batch.slice(new Array<number>(batch.rank).fill(0), [1, ...new Array<number>(batch.rank - 1).fill(-1)]);
  });
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

/** What a CAM picture shows besides the image: its title lines, the heatmap panel's label and the map's value range. */
export interface CamPictureText {
  /** Title lines above the panels. */
  title: string[];
  /** Label under the heatmap panel. */
  heatmapLabel: string;
  /** The map's raw minimum and maximum, written on the colour bar. */
  range: [number, number];
}

/** [input | heatmap | overlay | colour bar], each panel at least 192 px on its short side. */
export function camPicture(input: RasterImage, heat: Float32Array, text: CamPictureText, options: Pick<CamOptions, "colormap" | "alpha">): RasterImage {
  const { width, height } = input;
  const alpha = Math.min(1, Math.max(0, options.alpha ?? 0.5));
  const colormap = options.colormap ?? "inferno";
  const colours = applyColormap(heat, colormap, 0, 1);
  const base = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) base[i * 3 + c] = input.pixels[i * input.channels + (input.channels >= 3 ? c : 0)]!;
  }
  const overlay = Uint8Array.from(base, (v, i) => Math.round((1 - alpha) * v + alpha * colours[i]!));
  const factor = panelFactor(width, height);
  const tile = (pixels: Uint8Array) => upscaleNearest({ pixels, width, height, channels: 3 }, factor);
  const bar = colorBar(colormap, height * factor, text.range[0], text.range[1]);
  const titles = text.title.slice(0, -1).map((label) => ({ label, tiles: [] }));
  return composeGrid([...titles, {
    label: text.title.at(-1) ?? "",
    tiles: [tile(base), tile(colours), tile(overlay), bar],
    tileLabels: ["input", text.heatmapLabel, "overlay", ""],
    columns: 4,
  }]);
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

/** A CAM's numbers after the map is computed: resized heat, raw values and range. */
function finishCam(cam: tf.Tensor2D, input: RasterImage) {
  const heat = resizeCam(cam, input.height, input.width);
  const values = cam.arraySync();
  cam.dispose();
  const flat = values.flat();
  return { heat, values, range: [Math.min(...flat), Math.max(...flat)] as [number, number] };
}

/** Eigen-CAM of one image: which regions dominate a layer's activations (no gradients, no class). */
export function eigenCam(model: tf.LayersModel, image: tf.Tensor, options: CamOptions = {}) {
  const caller = "viz.eigenCam";
  requireLayersModel(model, caller);
  const input = inputRaster(image, caller);
  const batch = firstExample(model, image);
  try {
    const { layer, note } = chooseLayer(model, batch, options.layer, caller);
    const prediction = predict(model, batch);
    const classNames = checkClassNames(options.classNames, prediction.probabilities.length, caller);
    const { heat, values, range } = finishCam(tf.tidy(() => firstComponentMap(runLayers(model, batch, [layer.name]).get(layer.name) as tf.Tensor4D)), input);
    const predicted = predictedText(prediction, classNames);
    const picture = camPicture(input, heat, { title: [`Eigen-CAM ${describeMapLayer(layer)}`, predicted], heatmapLabel: "Eigen-CAM", range }, options);
    const text = [`Eigen-CAM of layer ${describeMapLayer(layer)}; ${predicted} (input | heatmap | overlay, map range ${shortNumber(range[0])}..${shortNumber(range[1])})`,
      ...(note ? [`Note: ${note}`] : [])].join("\n");
    return imageOutput(picture, text, { layer: layer.name, size: layer.size, predicted: prediction.classIndex, probability: prediction.probabilities[prediction.classIndex]!, cam: values, note });
  } finally {
    batch.dispose();
  }
}

/**
 * Grad-CAM of one image for one class (default: the predicted class): the model is split
 * at the layer, the class's pre-softmax score is differentiated with respect to that
 * layer's output with tf.grad, and channels are weighted by their mean gradient.
 * Call as gradCam(model, image), gradCam(model, image, classIndex, options) or gradCam(model, image, options).
 */
export function gradCam(model: tf.LayersModel, image: tf.Tensor, classOrOptions?: number | GradCamOptions, moreOptions: GradCamOptions = {}) {
  const caller = "viz.gradCam";
  requireLayersModel(model, caller);
  const options: GradCamOptions = typeof classOrOptions === "object" && classOrOptions !== null ? classOrOptions : { ...moreOptions, classIndex: classOrOptions ?? moreOptions.classIndex };
  const input = inputRaster(image, caller);
  const batch = firstExample(model, image);
  try {
    const { layer, note } = chooseLayer(model, batch, options.layer, caller);
    const prediction = predict(model, batch);
    const classes = prediction.probabilities.length;
    const classNames = checkClassNames(options.classNames, classes, caller);
    const classIndex = options.classIndex ?? prediction.classIndex;
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= classes) {
      throw new Error(`${caller}: classIndex must be an integer in 0..${classes - 1}; got ${classIndex}.`);
    }
    const cam = tf.tidy(() => {
      const activation = runLayers(model, batch, [layer.name]).get(layer.name)! as tf.Tensor4D;
      const score = (a: tf.Tensor) => runClassScores(model, batch, { layer: layer.name, value: a }).logits.reshape([-1]).slice([classIndex], [1]).sum();
      const gradient = tf.grad(score)(activation) as tf.Tensor4D;
      const weights = gradient.mean([0, 1, 2]); // one weight per channel
      const [, h, w, c] = activation.shape;
      const weighted = tf.matMul(activation.reshape([h * w, c]), weights.reshape([c, 1])).reshape([h, w]);
      return tf.relu(weighted) as tf.Tensor2D;
    });
    const { heat, values, range } = finishCam(cam, input);
    const explained = `class ${className(classIndex, classNames)} (p = ${probabilityText(prediction.probabilities[classIndex]!)})`;
    const predicted = classIndex === prediction.classIndex ? "the predicted class" : predictedText(prediction, classNames);
    const notes = [...(note ? [note] : []), ...(range[1] <= 0 ? [`the map is 0 everywhere: no position of ${layer.name} raises this class's score.`] : [])];
    const picture = camPicture(input, heat, { title: [`Grad-CAM ${describeMapLayer(layer)}`, `${explained}, ${predicted}`], heatmapLabel: "Grad-CAM", range }, options);
    const text = [`Grad-CAM of layer ${describeMapLayer(layer)} for ${explained}, ${predicted}; gradients of the pre-softmax score (input | heatmap | overlay, map range ${shortNumber(range[0])}..${shortNumber(range[1])})`,
      ...notes.map((n) => `Note: ${n}`)].join("\n");
    return imageOutput(picture, text, { layer: layer.name, size: layer.size, classIndex, predicted: prediction.classIndex, probability: prediction.probabilities[classIndex]!, cam: values, notes });
  } finally {
    batch.dispose();
  }
}
