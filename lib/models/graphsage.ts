/**
 * GraphSAGE (Hamilton et al. 2017, "Inductive Representation Learning on
 * Large Graphs"), full-batch node classifier with PyG's SAGEConv (mean
 * aggregation, root weight), as PyG's BasicGNN GraphSAGE(F, 64, num_layers=2, C):
 *   dropout(0.5) -> SAGEConv(F, 64) -> ReLU -> dropout(0.5) -> SAGEConv(64, C)
 * Inputs [x, edge_index], output class probabilities [numNodes, C], or logits with headActivation "linear" (see graph_inputs.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { SAGEConv } from "../layers/graph_conv.js";
import { AGGREGATIONS } from "../layers/graph_segment.js";
import {
  GRAPH_HEAD_OPTIONS,
  type GraphModelOptions,
  numFeaturesOf,
  oneOf,
  positiveInteger,
  rate,
  twoLayerNodeClassifier,
} from "./graph_inputs.js";
import { registerModel } from "./registry.js";

/** Builds the two-layer GraphSAGE node classifier. Options: hidden (64), dropout (0.5), aggr ("mean"). */
export function buildGraphSage(options: GraphModelOptions): tf.LayersModel {
  const numFeatures = numFeaturesOf(options, "graphsage");
  const hidden = positiveInteger(options, "hidden", "graphsage");
  const dropout = rate(options, "dropout", "graphsage");
  const aggr = oneOf(options, "aggr", AGGREGATIONS, "graphsage");
  return twoLayerNodeClassifier(options, "graphsage", numFeatures, dropout, {
    first: new SAGEConv({ units: hidden, aggr, name: "conv1" }),
    activation: tf.layers.activation({ activation: "relu", name: "relu1" }),
    second: new SAGEConv({ units: options.numClasses, aggr, name: "conv2" }),
  });
}

registerModel({
  name: "graphsage",
  family: "graphsage",
  paper: "Hamilton, Ying & Leskovec 2017, Inductive Representation Learning on Large Graphs (NeurIPS); PyG SAGEConv",
  task: "node",
  defaults: { inputShape: [1433], numClasses: 7, hidden: 64, dropout: 0.5, aggr: "mean", headActivation: "softmax" },
  options: ["hidden", "dropout", "aggr", ...GRAPH_HEAD_OPTIONS],
  // No canonical Cora config exists in PyG's examples; this counts PyG's layout for
  // SAGEConv(1433, 64) + SAGEConv(64, 7): lin_l (weight + bias) and lin_r (weight only) per layer,
  // 2*1433*64 + 64 + 2*64*7 + 7 (bench/gnn_reference_params.py recounts it with torch.nn.Linear layers).
  referenceParams: 184_391,
  build: buildGraphSage,
});
