/**
 * GAT (Veličković et al. 2018, "Graph Attention Networks"), the Cora model of
 * the paper and PyG's examples/gat.py:
 *   dropout(0.6) -> GATConv(F, 8, heads 8, attention dropout 0.6) -> ELU ->
 *   dropout(0.6) -> GATConv(64, C, heads 1, concat false, attention dropout 0.6)
 * (PubMed uses 8 output heads: option outputHeads.)
 * Inputs [x, edge_index], output class probabilities [numNodes, C], or logits with headActivation "linear" (see graph_inputs.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { GATConv } from "../layers/graph_attention.js";
import { GRAPH_HEAD_OPTIONS, type GraphModelOptions, numFeaturesOf, positiveInteger, rate, twoLayerNodeClassifier } from "./graph_inputs.js";
import { registerModel } from "./registry.js";

/** Builds the two-layer GAT node classifier. Options: hidden (8 per head), heads (8), outputHeads (1), dropout (0.6). */
export function buildGat(options: GraphModelOptions): tf.LayersModel {
  const numFeatures = numFeaturesOf(options, "gat");
  const hidden = positiveInteger(options, "hidden", "gat");
  const heads = positiveInteger(options, "heads", "gat");
  const outputHeads = positiveInteger(options, "outputHeads", "gat");
  const dropout = rate(options, "dropout", "gat");
  return twoLayerNodeClassifier(options, "gat", numFeatures, dropout, {
    first: new GATConv({ units: hidden, heads, attentionDropout: dropout, name: "conv1" }),
    activation: tf.layers.activation({ activation: "elu", name: "elu1" }),
    second: new GATConv({ units: options.numClasses, heads: outputHeads, concat: false, attentionDropout: dropout, name: "conv2" }),
  });
}

registerModel({
  name: "gat",
  family: "gat",
  paper: "Veličković et al. 2018, Graph Attention Networks (ICLR); PyG examples/gat.py",
  task: "node",
  defaults: { inputShape: [1433], numClasses: 7, hidden: 8, heads: 8, outputHeads: 1, dropout: 0.6, headActivation: "softmax" },
  options: ["hidden", "heads", "outputHeads", "dropout", ...GRAPH_HEAD_OPTIONS],
  // PyG examples/gat.py on Cora: GATConv(1433, 8, heads=8) = lin 1433*64 + att_src 64 + att_dst 64 + bias 64,
  // GATConv(64, 7, heads=1, concat=False) = 64*7 + 7 + 7 + 7. Total 92,373.
  referenceParams: 92_373,
  build: buildGat,
});
