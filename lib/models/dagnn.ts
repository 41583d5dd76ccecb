/**
 * DAGNN (Liu, Gao & Ji 2020, "Towards Deeper Graph Neural Networks", KDD), as
 * the authors' code (DeeperGNN/dagnn.py) with its Cora settings (run.sh:
 * K=10, dropout 0.8, hidden 64):
 *   dropout -> Linear(F, 64) -> ReLU -> dropout -> Linear(64, C) -> Prop(K):
 *   H_k = Â^k H (k = 0..K), s_k = sigmoid(H_k w + b), output Σ_k s_k H_k.
 * Inputs [x, edge_index], output class probabilities [numNodes, C], or logits with headActivation "linear" (see graph_inputs.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { DAGNNPropagation } from "../layers/graph_propagation.js";
import { GRAPH_HEAD_OPTIONS, type GraphModelOptions, numFeaturesOf, positiveInteger, rate, twoLayerNodeClassifier } from "./graph_inputs.js";
import { registerModel } from "./registry.js";

/** Builds the DAGNN node classifier. Options: hidden (64), dropout (0.8), K (10). */
export function buildDagnn(options: GraphModelOptions): tf.LayersModel {
  const numFeatures = numFeaturesOf(options, "dagnn");
  const hidden = positiveInteger(options, "hidden", "dagnn");
  const dropout = rate(options, "dropout", "dagnn");
  const K = positiveInteger(options, "K", "dagnn");
  return twoLayerNodeClassifier(options, "dagnn", numFeatures, dropout, {
    first: tf.layers.dense({ units: hidden, activation: "relu", name: "lin1" }),
    second: tf.layers.dense({ units: options.numClasses, name: "lin2" }),
    propagation: new DAGNNPropagation({ K, name: "prop" }),
  });
}

registerModel({
  name: "dagnn",
  family: "dagnn",
  paper: "Liu, Gao & Ji 2020, Towards Deeper Graph Neural Networks (KDD); authors' code mengliu1998/DeeperGNN, dagnn.py",
  task: "node",
  defaults: { inputShape: [1433], numClasses: 7, hidden: 64, dropout: 0.8, K: 10, headActivation: "softmax" },
  options: ["hidden", "dropout", "K", ...GRAPH_HEAD_OPTIONS],
  // DeeperGNN/dagnn.py on Cora: Linear(1433, 64) + Linear(64, 7) + Prop.proj Linear(7, 1) = 92,231 + 8.
  referenceParams: 92_239,
  build: buildDagnn,
});
