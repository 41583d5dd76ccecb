/**
 * Shared pieces of the GNN family files: the symbolic inputs every graph
 * model takes and the checks on their options.
 *
 * Design. A graph model is a tf.LayersModel with inputs
 *   x          [numNodes, numFeatures] float32   (name "x")
 *   edgeIndex  [numEdges, 2] int32, rows (source, target) (name "edge_index")
 *   batch      [numNodes] int32 graph id per node (name "batch"; graph-level models only)
 * and outputs class probabilities (softmax, the library's convention; option
 * headActivation: "linear" gives logits, as PyG before its log_softmax):
 * [numNodes, numClasses] for node classification, [numGraphs, numClasses]
 * for graph classification. The first dimension of
 * each input is its own (nodes, edges), so tf.LayersModel.fit/predict, which
 * split every input into equal batches, do not apply: train and predict with
 * fitNodeClassifier / predictNodes / fitGraphClassifier / predictGraphs
 * (graph_training.ts), which call model.apply on the whole graph (or on a
 * disjoint union of small graphs) and optimizer.minimize. model.save and
 * tf.loadLayersModel work as for any model.
 */
import * as tf from "@tensorflow/tfjs";
import { MessagePassing } from "../layers/message_passing.js";
import { dropout as dropoutLayer } from "../layers/dropout.js";
import { headActivationOption, headOutput } from "../layers/vit_blocks.js";
import type { ModelOptions } from "./registry.js";

/** Options of every graph model builder once defaulted. */
export type GraphModelOptions = ModelOptions & { inputShape: number[]; numClasses: number };

/** The symbolic inputs of a node-level graph model. */
export interface NodeModelInputs {
  /** Node features [numNodes, numFeatures]. */
  x: tf.SymbolicTensor;
  /** Edges [numEdges, 2] int32. */
  edgeIndex: tf.SymbolicTensor;
}

/** The symbolic inputs of a graph-level model: node inputs plus the graph id of each node. */
export interface GraphModelInputs extends NodeModelInputs {
  /** Graph id of each node [numNodes] int32. */
  batch: tf.SymbolicTensor;
}

/** Reads the feature count from inputShape [numFeatures], with an error naming the model. */
export function numFeaturesOf(options: GraphModelOptions, model: string): number {
  const { inputShape } = options;
  if (inputShape.length !== 1 || !Number.isInteger(inputShape[0]) || inputShape[0] < 1) {
    throw new Error(
      `${model} expects inputShape [numFeatures] (features per node, e.g. [1433] for Cora), got [${inputShape.join(", ")}].`,
    );
  }
  return inputShape[0];
}

/** Inputs x and edge_index for a node-level model on graphs with `numFeatures` features per node. */
export function nodeModelInputs(numFeatures: number): NodeModelInputs {
  return {
    x: tf.input({ shape: [numFeatures], name: "x" }),
    edgeIndex: tf.input({ shape: [2], dtype: "int32", name: "edge_index" }),
  };
}

/** Inputs x, edge_index and batch for a graph-level model. */
export function graphModelInputs(numFeatures: number): GraphModelInputs {
  return { ...nodeModelInputs(numFeatures), batch: tf.input({ shape: [], dtype: "int32", name: "batch" }) };
}

/** A positive integer option, or an error that says what was expected. */
export function positiveInteger(options: GraphModelOptions, name: string, model: string): number {
  const value = options[name];
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new Error(`${model}: option ${name} must be a positive integer, got ${String(value)}.`);
  }
  return value as number;
}

/** A rate option in [0, 1) (dropout), or an error. */
export function rate(options: GraphModelOptions, name: string, model: string): number {
  const value = options[name];
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    throw new Error(`${model}: option ${name} must be a number in [0, 1), got ${String(value)}.`);
  }
  return value;
}

/** A number option in [0, 1] (a probability such as APPNP's alpha), or an error. */
export function probability(options: GraphModelOptions, name: string, model: string): number {
  const value = options[name];
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new Error(`${model}: option ${name} must be a number in [0, 1], got ${String(value)}.`);
  }
  return value;
}

/** One of the allowed string values, or an error listing them. */
export function oneOf<T extends string>(options: GraphModelOptions, name: string, allowed: readonly T[], model: string): T {
  const value = options[name];
  if (!allowed.includes(value as T)) {
    throw new Error(`${model}: option ${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${String(value)}.`);
  }
  return value as T;
}

/** Option names every graph model accepts besides its own. */
export const GRAPH_HEAD_OPTIONS = ["headActivation"];

/** Name of the softmax layer that ends a graph classifier (how the training helpers recognise probabilities). */
export const GRAPH_SOFTMAX_LAYER = "head_softmax";

/**
 * The classifier output: `logits`, then a softmax layer unless the
 * headActivation option is "linear" (the same option as the image families).
 */
export function classifierOutput(logits: tf.SymbolicTensor, options: GraphModelOptions, model: string): tf.SymbolicTensor {
  // `?? "softmax"`: graph models have always taken null as the default.
  return headOutput(logits, headActivationOption(options.headActivation ?? "softmax", model), GRAPH_SOFTMAX_LAYER);
}

/** The layers of a {@link twoLayerNodeClassifier}, named by the caller. */
export interface TwoLayerNodeLayers {
  /** First layer (hidden width). */
  first: tf.layers.Layer;
  /** Activation layer after `first`, when `first` has none built in. */
  activation?: tf.layers.Layer;
  /** Second layer (numClasses wide). */
  second: tf.layers.Layer;
  /** Propagation after `second` (APPNP, DAGNN). */
  propagation?: tf.layers.Layer;
}

/**
 * The two-layer node classifier of the GNN papers' Cora setups:
 *   x -> dropout "dropout_in" -> first -> [activation] -> dropout "dropout1" -> second -> [propagation] -> head,
 * a model named `model` with inputs [x, edge_index]. Message-passing layers get [h, edge_index], others h.
 */
export function twoLayerNodeClassifier(
  options: GraphModelOptions,
  model: string,
  numFeatures: number,
  dropout: number,
  layers: TwoLayerNodeLayers,
): tf.LayersModel {
  const { x, edgeIndex } = nodeModelInputs(numFeatures);
  const step = (layer: tf.layers.Layer, h: tf.SymbolicTensor): tf.SymbolicTensor => connect(layer, layer instanceof MessagePassing ? [h, edgeIndex] : h);
  let h = connect(dropoutLayer({ rate: dropout, name: "dropout_in" }), x);
  h = step(layers.first, h);
  if (layers.activation) h = step(layers.activation, h);
  h = connect(dropoutLayer({ rate: dropout, name: "dropout1" }), h);
  h = step(layers.second, h);
  if (layers.propagation) h = step(layers.propagation, h);
  return tf.model({ inputs: [x, edgeIndex], outputs: classifierOutput(h, options, model), name: model });
}

/** Applies a layer to symbolic inputs and returns the one symbolic output. */
export function connect(layer: tf.layers.Layer, inputs: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  return layer.apply(inputs) as tf.SymbolicTensor;
}
