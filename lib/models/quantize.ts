/**
 * Post-training quantization and quantization-aware training, after
 * Krishnamoorthi 2018, "Quantizing deep convolutional networks for efficient
 * inference: A whitepaper". `quantizeModel` returns a copy of a model whose
 * conv / dense layers compute with fake-quantized weights (symmetric, per
 * output channel or per tensor) and, when asked, fake-quantized outputs
 * (asymmetric 8-bit per tensor, ranges calibrated on sample batches). The
 * copy trains through the rounding with the straight-through estimator, so
 * `fit` on it is quantization-aware training. The settings and ranges live in
 * the model's metadata: models.save stores the quantized weights as int8 and
 * models.load applies the same quantization again.
 */
import * as tf from "@tensorflow/tfjs";
import { readModelMetadata, writeModelMetadata } from "./metadata.js";
import { type ActivationRange, fakeQuantActivation, fakeQuantWeight } from "./quantize_ops.js";

/** Options of `models.quantize`. */
export interface QuantizeOptions {
  /** Weight format: "int8" (the only one; `bits: 4` narrows the grid to 4-bit levels). Default "int8". */
  weights?: "int8";
  /** One scale per output channel (true, default) or one per weight tensor (false). */
  perChannel?: boolean;
  /**
   * "int8": layer outputs fake-quantized (asymmetric, per tensor; ranges from `calibration`, and
   * with `training` also tracked as a moving average of each training batch's min / max, so
   * calibration is optional there); "none": weights only. Default "int8" with calibration or
   * training, else "none".
   */
  activations?: "int8" | "none";
  /** Sample input batches (a tensor or a list of tensors shaped like the model's input) that set the activation ranges (min / max). */
  calibration?: tf.Tensor | tf.Tensor[];
  /** Weight bit width: 8 (default) or 4. Activations stay 8-bit. */
  bits?: 8 | 4;
  /** Quantization-aware training: the copy is meant to be compiled and fit (gradients pass straight through the rounding). Default false. */
  training?: boolean;
  /** Names of the conv / dense layers to quantize. Default: every Conv1D, Conv2D, DepthwiseConv2D and Dense layer. */
  layers?: string[];
}

/** What a quantized model records in its metadata (kept through models.save / models.load). */
export interface QuantizationInfo {
  weights: "int8";
  bits: number;
  perChannel: boolean;
  activations: "int8" | "none";
  training: boolean;
  /** Quantized layers, by name. */
  layers: string[];
  /** Calibrated output range of each quantized layer (activations "int8"). */
  ranges: Record<string, ActivationRange>;
}

/** Quantizable layer classes: the property holding the kernel and whether the kernel's trailing axes are the channels. */
const QUANTIZABLE: Record<string, { property: string; channelAxes: (rank: number) => number[] }> = {
  Conv1D: { property: "kernel", channelAxes: (rank) => [rank - 1] },
  Conv2D: { property: "kernel", channelAxes: (rank) => [rank - 1] },
  Dense: { property: "kernel", channelAxes: (rank) => [rank - 1] },
  DepthwiseConv2D: { property: "depthwiseKernel", channelAxes: (rank) => [rank - 2, rank - 1] },
};

const KNOWN_OPTIONS = ["weights", "perChannel", "activations", "calibration", "bits", "training", "layers"];
const WHERE = "models.quantize";

/** Reads the quantization a model was given by `models.quantize`, or undefined for a float model. */
export function quantizationOf(model: tf.LayersModel): QuantizationInfo | undefined {
  return readModelMetadata(model).quantization;
}

/** The layer's kernel variable and its channel axes, for a quantizable layer. */
export function quantizedKernel(layer: tf.layers.Layer, perChannel: boolean): { variable: tf.LayerVariable; channelAxes: number[]; property: string } {
  const kind = QUANTIZABLE[layer.getClassName()];
  if (!kind) throw new Error(`${WHERE}: layer "${layer.name}" (${layer.getClassName()}) has no conv or dense kernel to quantize.`);
  const variable = (layer as unknown as Record<string, tf.LayerVariable>)[kind.property];
  return { variable, channelAxes: perChannel ? kind.channelAxes(variable.shape.length) : [], property: kind.property };
}

/**
 * A quantized copy of `model` (the original is untouched). Weight-only unless
 * activations are "int8" (then `calibration` batches set each layer's output
 * range). Throws a one-line error for an option the model cannot take.
 */
export async function quantizeModel(model: tf.LayersModel, options: QuantizeOptions = {}): Promise<tf.LayersModel> {
  if (!model || !Array.isArray((model as Partial<tf.LayersModel>).layers) || typeof (model as Partial<tf.LayersModel>).toJSON !== "function") {
    throw new Error(`${WHERE}: the first argument must be a tf.LayersModel (e.g. from models.create).`);
  }
  const info = resolveQuantizeOptions(model, options);
  const clone = await cloneModel(model);
  if (info.activations === "int8" && options.calibration) info.ranges = calibrate(clone, info.layers, options.calibration);
  writeModelMetadata(clone, { quantization: info });
  applyQuantization(clone, info);
  return clone;
}

/** Checks the options against the model and returns what the quantized model will record. */
function resolveQuantizeOptions(model: tf.LayersModel, options: QuantizeOptions): QuantizationInfo {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new Error(`${WHERE}: options must be an object such as { weights: "int8", perChannel: true }, got ${JSON.stringify(options)}.`);
  }
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.includes(key));
  if (unknown.length) throw new Error(`${WHERE}: unknown option ${unknown.map((k) => `"${k}"`).join(", ")}; it accepts ${KNOWN_OPTIONS.join(", ")}.`);
  if (quantizationOf(model)) throw new Error(`${WHERE}: this model is already quantized; quantize the float model instead.`);
  const weights = options.weights ?? "int8";
  if (weights !== "int8") throw new Error(`${WHERE}: weights must be "int8" (use bits: 4 for 4-bit levels), got ${JSON.stringify(weights)}.`);
  const bits = options.bits ?? 8;
  if (bits !== 8 && bits !== 4) throw new Error(`${WHERE}: bits must be 8 or 4, got ${JSON.stringify(bits)}.`);
  const perChannel = options.perChannel ?? true;
  if (typeof perChannel !== "boolean") throw new Error(`${WHERE}: perChannel must be true or false, got ${JSON.stringify(perChannel)}.`);
  const training = options.training ?? false;
  if (typeof training !== "boolean") throw new Error(`${WHERE}: training must be true or false, got ${JSON.stringify(training)}.`);
  const activations = options.activations ?? (options.calibration || training ? "int8" : "none");
  if (activations !== "int8" && activations !== "none") throw new Error(`${WHERE}: activations must be "int8" or "none", got ${JSON.stringify(activations)}.`);
  if (activations === "int8" && !(training && options.calibration === undefined)) checkCalibration(model, options.calibration);
  const layers = pickLayers(model, options.layers, perChannel);
  return { weights, bits, perChannel, activations, training, layers, ranges: {} };
}

function pickLayers(model: tf.LayersModel, requested: string[] | undefined, perChannel: boolean): string[] {
  const quantizable = model.layers.filter((layer) => QUANTIZABLE[layer.getClassName()]).map((layer) => layer.name);
  if (requested === undefined) {
    if (!quantizable.length) throw new Error(`${WHERE}: the model has no Conv1D, Conv2D, DepthwiseConv2D or Dense layer to quantize.`);
    return quantizable;
  }
  if (!Array.isArray(requested) || requested.length === 0 || requested.some((name) => typeof name !== "string")) {
    throw new Error(`${WHERE}: layers must be a non-empty list of layer names such as ["conv1", "fc1"], got ${JSON.stringify(requested)}.`);
  }
  for (const name of requested) {
    const layer = model.layers.find((l) => l.name === name);
    if (!layer) throw new Error(`${WHERE}: no layer named "${name}"; quantizable layers: ${quantizable.slice(0, 8).join(", ")}${quantizable.length > 8 ? " ..." : ""}.`);
    if (!quantizable.includes(name)) {
      const what = perChannel ? "no output channels to quantize per channel" : "no weights to quantize";
      throw new Error(`${WHERE}: layer "${name}" (${layer.getClassName()}) has ${what}; quantizable layers: ${quantizable.slice(0, 8).join(", ")}${quantizable.length > 8 ? " ..." : ""}.`);
    }
  }
  return [...requested];
}

function checkCalibration(model: tf.LayersModel, calibration: tf.Tensor | tf.Tensor[] | undefined): void {
  if (calibration === undefined) {
    throw new Error(`${WHERE}: activations "int8" needs calibration batches (calibration: xSample, a few hundred inputs), or activations: "none".`);
  }
  const batches = Array.isArray(calibration) ? calibration : [calibration];
  if (model.inputs.length !== 1) throw new Error(`${WHERE}: activation calibration needs a single-input model; this one has ${model.inputs.length} inputs (use activations: "none").`);
  const expected = model.inputs[0].shape;
  for (const batch of batches) {
    if (!(batch instanceof tf.Tensor)) throw new Error(`${WHERE}: calibration must be a tensor or a list of tensors, got ${typeof batch}.`);
    const ok = batch.shape.length === expected.length && expected.every((d, i) => i === 0 || d === null || d === batch.shape[i]);
    if (!ok || batch.shape[0] === 0) {
      throw new Error(`${WHERE}: calibration batch of shape [${batch.shape.join(", ")}] does not fit the model input [${expected.map((d) => d ?? "batch").join(", ")}].`);
    }
  }
}

/** A float copy of the model: same architecture, weights and metadata, no shared variables. */
async function cloneModel(model: tf.LayersModel): Promise<tf.LayersModel> {
  const topology = model.toJSON(null, false) as tf.io.ModelJSON["modelTopology"];
  const clone = await tf.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);
  const weights = model.getWeights();
  clone.setWeights(weights);
  const metadata = model.getUserDefinedMetadata();
  if (metadata) clone.setUserDefinedMetadata(structuredClone(metadata));
  return clone;
}

/** Min / max of each layer's output over the calibration batches (run in chunks of 256, inference mode). */
function calibrate(model: tf.LayersModel, layerNames: string[], calibration: tf.Tensor | tf.Tensor[]): Record<string, ActivationRange> {
  const outputs = layerNames.map((name) => model.getLayer(name).output as tf.SymbolicTensor);
  const probe = tf.model({ inputs: model.inputs, outputs });
  const ranges: Record<string, ActivationRange> = Object.fromEntries(layerNames.map((name) => [name, [Infinity, -Infinity]]));
  for (const batch of Array.isArray(calibration) ? calibration : [calibration]) {
    for (let start = 0; start < batch.shape[0]; start += 256) {
      const size = Math.min(256, batch.shape[0] - start);
      const stats = tf.tidy(() => {
        const chunk = tf.slice(batch, start, size);
        const result = probe.apply(chunk, { training: false }) as tf.Tensor | tf.Tensor[];
        const list = Array.isArray(result) ? result : [result];
        return tf.stack(list.flatMap((t) => [tf.min(t), tf.max(t)]));
      });
      const values = stats.dataSync();
      stats.dispose();
      layerNames.forEach((name, i) => {
        ranges[name] = [Math.min(ranges[name][0], values[2 * i]), Math.max(ranges[name][1], values[2 * i + 1])];
      });
    }
  }
  return ranges;
}

/**
 * Makes each listed layer compute with fake-quantized weights (and outputs,
 * when ranges are recorded): the layer's `call` reads its kernel through the
 * quantizer. Used by models.quantize and again by models.load.
 */
export function applyQuantization(model: tf.LayersModel, info: QuantizationInfo): void {
  for (const name of info.layers) {
    const layer = model.getLayer(name);
    const { variable, channelAxes, property } = quantizedKernel(layer, info.perChannel);
    const target = layer as unknown as Record<string, unknown>;
    const call = layer.call.bind(layer);
    layer.call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) =>
      tf.tidy(() => {
        target[property] = { read: () => fakeQuantWeight(variable.read(), info.bits, channelAxes) };
        let output: tf.Tensor | tf.Tensor[];
        try {
          output = call(inputs, kwargs);
        } finally {
          target[property] = variable;
        }
        if (info.activations !== "int8" || Array.isArray(output)) return output;
        if (info.training && kwargs?.training === true) trackRange(info, name, output);
        const range = info.ranges[name];
        return range ? fakeQuantActivation(output, range, 8) : output;
      });
  }
}

/** EMA weight of the old range when quantization-aware training updates a layer's output range (whitepaper 3.2). */
const RANGE_MOMENTUM = 0.9;

/** During quantization-aware training, moves a layer's recorded output range towards this batch's min / max. */
function trackRange(info: QuantizationInfo, name: string, output: tf.Tensor): void {
  const [low, high] = tf.tidy(() => tf.stack([tf.min(output), tf.max(output)]).dataSync());
  const old = info.ranges[name];
  info.ranges[name] = old
    ? [RANGE_MOMENTUM * old[0] + (1 - RANGE_MOMENTUM) * low, RANGE_MOMENTUM * old[1] + (1 - RANGE_MOMENTUM) * high]
    : [low, high];
}
