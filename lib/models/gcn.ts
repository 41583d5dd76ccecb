/**
 * GCN (Kipf & Welling 2017, "Semi-Supervised Classification with Graph
 * Convolutional Networks"), as PyG's examples/gcn.py:
 *   dropout(0.5) -> GCNConv(F, 16) -> ReLU -> dropout(0.5) -> GCNConv(16, C)
 * Inputs [x, edge_index], output class probabilities [numNodes, C], or logits with headActivation "linear" (see graph_inputs.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { GCNConv } from "../layers/graph_conv.js";
import { GRAPH_HEAD_OPTIONS, type GraphModelOptions, numFeaturesOf, positiveInteger, rate, twoLayerNodeClassifier } from "./graph_inputs.js";
import { registerModel } from "./registry.js";

/** Builds the two-layer GCN node classifier. Options: hidden (16), dropout (0.5). */
export function buildGcn(options: GraphModelOptions): tf.LayersModel {
  const numFeatures = numFeaturesOf(options, "gcn");
  const hidden = positiveInteger(options, "hidden", "gcn");
  const dropout = rate(options, "dropout", "gcn");
  return twoLayerNodeClassifier(options, "gcn", numFeatures, dropout, {
    first: new GCNConv({ units: hidden, name: "conv1" }),
    activation: tf.layers.activation({ activation: "relu", name: "relu1" }),
    second: new GCNConv({ units: options.numClasses, name: "conv2" }),
  });
}

registerModel({
  name: "gcn",
  family: "gcn",
  paper: "Kipf & Welling 2017, Semi-Supervised Classification with Graph Convolutional Networks (ICLR); PyG examples/gcn.py",
  task: "node",
  defaults: { inputShape: [1433], numClasses: 7, hidden: 16, dropout: 0.5, headActivation: "softmax" },
  options: ["hidden", "dropout", ...GRAPH_HEAD_OPTIONS],
  // PyG examples/gcn.py on Cora, 1433-16-7 with GCNConv biases: 1433*16 + 16 + 16*7 + 7.
  // (Kipf's original TensorFlow code has no biases by default: 23,040.)
  referenceParams: 23_063,
  build: buildGcn,
});
