/**
 * Runs a tfjs LayersModel layer by layer so any layer's output can be read, or
 * replaced by a given tensor (how gradCam differentiates the class score with
 * respect to a layer's output: the model split at that layer).
 */
import * as tf from "@tensorflow/tfjs";
import { isLayersModel } from "../display/model-summary.js";
import { readModelMetadata } from "../models/metadata.js";

/** Checks that a value is a LayersModel, with advice otherwise. */
export function requireLayersModel(model: unknown, caller: string): tf.LayersModel {
  if (!isLayersModel(model)) throw new Error(`${caller} needs a tfjs LayersModel (tf.sequential, tf.model or a tensorcell model); got ${typeof model}.`);
  return model;
}

/**
 * Finds a layer by name, or by the feature name models.features uses for it (timm's
 * "stages.0", "layer1" ... recorded in the model's metadata); lists the layers when missing.
 */
export function findLayer(model: tf.LayersModel, name: string): tf.layers.Layer {
  const layerName = resolveLayerName(model, name);
  const layer = model.layers.find((l) => l.name === layerName);
  if (!layer) throw new Error(`No layer named "${name}"; the model's layers are: ${model.layers.map((l) => l.name).join(", ")}.`);
  return layer;
}

/** A layer name, or the layer a models.features name ("stages.0") stands for. */
export function resolveLayerName(model: tf.LayersModel, name: string): string {
  if (model.layers.some((l) => l.name === name)) return name;
  return readModelMetadata(model).features?.[name] ?? name;
}

/** The layer's output shape, or undefined when it has several. */
export function singleOutputShape(layer: tf.layers.Layer): (number | null)[] | undefined {
  try {
    const shape = layer.outputShape;
    return Array.isArray(shape) && !Array.isArray(shape[0]) ? (shape as (number | null)[]) : undefined;
  } catch (shapeError) {
    // tfjs throws for layers applied at several places; such layers cannot be picked by name.
    if (shapeError instanceof Error) return undefined;
    throw shapeError;
  }
}

/** Layers whose output is 4-D ([batch, h, w, channels]), optionally only those with a kernel (convolutions). */
export function spatialLayers(model: tf.LayersModel, withKernel: boolean): tf.layers.Layer[] {
  return model.layers.filter((layer) => {
    if (layer.getClassName() === "InputLayer") return false;
    if (singleOutputShape(layer)?.length !== 4) return false;
    return !withKernel || layer.weights.some((w) => /kernel$/.test(w.originalName ?? w.name));
  });
}

/** Adds the batch dimension when the input has one dimension fewer than the model's input. */
export function batchOf(model: tf.LayersModel, input: tf.Tensor): tf.Tensor {
  const inputRank = model.inputs[0]?.shape.length;
  if (inputRank !== undefined && input.rank === inputRank - 1) return input.expandDims(0);
  if (inputRank !== undefined && input.rank !== inputRank) {
    throw new Error(`The model takes inputs of shape [${model.inputs[0]!.shape.join(",")}]; got a tensor of shape [${input.shape.join(",")}].`);
  }
  return input;
}

/**
 * Runs the model graph on a batch, returning the outputs of the named layers. With
 * `replace`, the named layer's output is that tensor instead of its computation.
 * The caller owns (and disposes) the returned tensors; call inside tf.tidy when possible.
 */
export function runLayers(model: tf.LayersModel, batch: tf.Tensor, wanted: string[], replace?: { layer: string; value: tf.Tensor }): Map<string, tf.Tensor> {
  return runGraph(model, batch, wanted, replace).results;
}

function runGraph(model: tf.LayersModel, batch: tf.Tensor, wanted: string[], replace?: { layer: string; value: tf.Tensor }) {
  const values = new Map<number, tf.Tensor>();
  const firstInput = model.inputs[0];
  if (!firstInput || model.inputs.length !== 1) throw new Error("Only models with a single input are supported here.");
  values.set(firstInput.id, batch);
  const results = new Map<string, tf.Tensor>();
  // Results are keyed by the names asked for, which may be models.features names.
  const targets = new Map(wanted.map((name) => [resolveLayerName(model, name), name]));
  const replaced = replace && resolveLayerName(model, replace.layer);
  for (const layer of model.layers) {
    if (layer.getClassName() === "InputLayer") continue;
    for (const node of layer.inboundNodes) {
      const inputs = node.inputTensors.map((t) => values.get(t.id));
      if (inputs.some((t) => t === undefined) || node.outputTensors.every((t) => values.has(t.id))) continue;
      let outputs: tf.Tensor[];
      if (replace && layer.name === replaced) {
        outputs = [replace.value];
      } else {
        const applied = layer.apply(inputs.length === 1 ? inputs[0]! : (inputs as tf.Tensor[]), node.callArgs ?? {});
        outputs = (Array.isArray(applied) ? applied : [applied]) as tf.Tensor[];
      }
      node.outputTensors.forEach((symbolic, i) => values.set(symbolic.id, outputs[i]!));
      const requested = targets.get(layer.name);
      if (requested !== undefined && !results.has(requested)) results.set(requested, outputs[0]!);
    }
  }
  for (const name of wanted) {
    if (!results.has(name)) throw new Error(`Layer "${name}" is not on the path from the model's input; pick one of ${model.layers.map((l) => l.name).join(", ")}.`);
  }
  return { results, values };
}

/** The class scores of a model: its pre-softmax logits when it ends in a softmax, else its output. */
export interface ClassScores {
  /** [batch, classes] scores; differentiate these, not probabilities (a confident softmax has ~0 gradient). */
  logits: tf.Tensor;
  /** Whether a final softmax was stripped to get them. */
  strippedSoftmax: boolean;
}

/**
 * Runs the model (with {@link runLayers}' replacement rules) but stops before a final softmax: an Activation or
 * Softmax layer's input, or a softmax Dense layer's linear part (x·W + b).
 */
export function runClassScores(model: tf.LayersModel, batch: tf.Tensor, replace?: { layer: string; value: tf.Tensor }): ClassScores {
  const output = model.outputs[0];
  if (!output) throw new Error("The model has no output.");
  const { values } = runGraph(model, batch, [], replace);
  const last = output.sourceLayer as tf.layers.Layer;
  const inputId = last.inboundNodes[output.nodeIndex]?.inputTensors[0]?.id;
  const lastInput = inputId === undefined ? undefined : values.get(inputId);
  const config = last.getConfig() as { activation?: unknown; useBias?: unknown };
  const className = last.getClassName();
  if (lastInput && (className === "Softmax" || (className === "Activation" && config.activation === "softmax"))) {
    return { logits: lastInput, strippedSoftmax: true };
  }
  if (lastInput && className === "Dense" && config.activation === "softmax" && lastInput.rank === 2) {
    const [kernel, bias] = last.getWeights();
    const linear = tf.matMul(lastInput as tf.Tensor2D, kernel as tf.Tensor2D);
    return { logits: config.useBias && bias ? linear.add(bias) : linear, strippedSoftmax: true };
  }
  const value = values.get(output.id);
  if (!value) throw new Error("The model's output could not be computed layer by layer (is its graph connected to its single input?).");
  return { logits: value, strippedSoftmax: false };
}
