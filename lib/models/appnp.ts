/**
 * APPNP (Gasteiger, Bojchevski & Günnemann 2019, "Predict then Propagate:
 * Graph Neural Networks meet Personalized PageRank"), as PyG's
 * benchmark/citation/appnp.py:
 *   dropout(0.5) -> Linear(F, 64) -> ReLU -> dropout(0.5) -> Linear(64, C) -> APPNP(K=10, alpha=0.1)
 * Inputs [x, edge_index], output class probabilities [numNodes, C], or logits with headActivation "linear" (see graph_inputs.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { APPNP } from "../layers/graph_propagation.js";
import {
  GRAPH_HEAD_OPTIONS,
  type GraphModelOptions,
  numFeaturesOf,
  positiveInteger,
  probability,
  rate,
  twoLayerNodeClassifier,
} from "./graph_inputs.js";
import { registerModel } from "./registry.js";

/** Builds the APPNP node classifier. Options: hidden (64), dropout (0.5), K (10), alpha (0.1). */
export function buildAppnp(options: GraphModelOptions): tf.LayersModel {
  const numFeatures = numFeaturesOf(options, "appnp");
  const hidden = positiveInteger(options, "hidden", "appnp");
  const dropout = rate(options, "dropout", "appnp");
  const K = positiveInteger(options, "K", "appnp");
  const alpha = probability(options, "alpha", "appnp");
  return twoLayerNodeClassifier(options, "appnp", numFeatures, dropout, {
    first: tf.layers.dense({ units: hidden, activation: "relu", name: "lin1" }),
    second: tf.layers.dense({ units: options.numClasses, name: "lin2" }),
    propagation: new APPNP({ K, alpha, name: "prop" }),
  });
}

registerModel({
  name: "appnp",
  family: "appnp",
  paper: "Gasteiger, Bojchevski & Günnemann 2019, Predict then Propagate (ICLR); PyG benchmark/citation/appnp.py",
  task: "node",
  defaults: { inputShape: [1433], numClasses: 7, hidden: 64, dropout: 0.5, K: 10, alpha: 0.1, headActivation: "softmax" },
  options: ["hidden", "dropout", "K", "alpha", ...GRAPH_HEAD_OPTIONS],
  // PyG benchmark/citation/appnp.py on Cora: Linear(1433, 64) + Linear(64, 7); APPNP has no weights.
  referenceParams: 92_231,
  build: buildAppnp,
});
