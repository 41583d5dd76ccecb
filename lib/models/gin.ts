/**
 * GIN (Xu, Hu, Leskovec & Jegelka 2019, "How Powerful are Graph Neural
 * Networks?") with PyG's GINConv, whose MLP is Linear -> ReLU -> Linear.
 *  - `gin_graph`: graph classification as PyG's examples/mutag_gin.py (MUTAG:
 *    7 node features, 2 classes): five GINConv(MLP(·, 32, 32)) -> ReLU ->
 *    BatchNorm blocks, global add pool, Linear(32, 32) -> ReLU ->
 *    dropout(0.5) -> Linear(32, C). Inputs [x, edge_index, batch], output
 *    class probabilities per graph [numGraphs, C].
 *  - `gin`: a node classifier of the same blocks for Cora-sized input:
 *    dropout -> GINConv(MLP(F, 64, 64)) -> ReLU -> dropout -> GINConv(MLP(64, 64, C)).
 *    Inputs [x, edge_index], output class probabilities per node [numNodes, C].
 * Both take headActivation "linear" to output logits instead.
 * See graph_inputs.ts for the input layout and graph_training.ts for training.
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormalization } from "../layers/batch_norm.js";
import { dropout as dropoutLayer } from "../layers/dropout.js";
import { GINConv } from "../layers/graph_conv.js";
import { GlobalGraphPool } from "../layers/graph_pooling.js";
import { AGGREGATIONS } from "../layers/graph_segment.js";
import {
  classifierOutput,
  connect,
  GRAPH_HEAD_OPTIONS,
  graphModelInputs,
  type GraphModelOptions,
  numFeaturesOf,
  oneOf,
  positiveInteger,
  rate,
  twoLayerNodeClassifier,
} from "./graph_inputs.js";
import { registerModel } from "./registry.js";

/** Builds the two-layer GIN node classifier. Options: hidden (64), dropout (0.5). */
export function buildGin(options: GraphModelOptions): tf.LayersModel {
  const numFeatures = numFeaturesOf(options, "gin");
  const hidden = positiveInteger(options, "hidden", "gin");
  const dropout = rate(options, "dropout", "gin");
  return twoLayerNodeClassifier(options, "gin", numFeatures, dropout, {
    first: new GINConv({ mlpUnits: [hidden, hidden], name: "conv1" }),
    activation: tf.layers.activation({ activation: "relu", name: "relu1" }),
    second: new GINConv({ mlpUnits: [hidden, options.numClasses], name: "conv2" }),
  });
}

/**
 * Builds the GIN graph classifier of PyG's mutag_gin.py.
 * Options: hidden (32), numLayers (5), dropout (0.5), pooling ("sum"; "mean" or "max" also work).
 */
export function buildGinGraph(options: GraphModelOptions): tf.LayersModel {
  const numFeatures = numFeaturesOf(options, "gin_graph");
  const hidden = positiveInteger(options, "hidden", "gin_graph");
  const numLayers = positiveInteger(options, "numLayers", "gin_graph");
  const dropout = rate(options, "dropout", "gin_graph");
  const pooling = oneOf(options, "pooling", AGGREGATIONS, "gin_graph");
  const { x, edgeIndex, batch } = graphModelInputs(numFeatures);
  let h = x;
  for (let layer = 1; layer <= numLayers; layer++) {
    h = connect(new GINConv({ mlpUnits: [hidden, hidden], name: `conv${layer}` }), [h, edgeIndex]);
    h = connect(tf.layers.activation({ activation: "relu", name: `relu${layer}` }), h);
    // PyTorch's BatchNorm1d defaults: momentum 0.1 (Keras momentum 0.9), eps 1e-5.
    h = connect(batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: `bn${layer}` }), h);
  }
  let g = connect(new GlobalGraphPool({ mode: pooling, name: "pool" }), [h, batch]);
  g = connect(tf.layers.dense({ units: hidden, activation: "relu", name: "fc1" }), g);
  g = connect(dropoutLayer({ rate: dropout, name: "dropout" }), g);
  const logits = connect(tf.layers.dense({ units: options.numClasses, name: "fc2" }), g);
  return tf.model({ inputs: [x, edgeIndex, batch], outputs: classifierOutput(logits, options, "gin_graph"), name: "gin_graph" });
}

registerModel({
  name: "gin",
  family: "gin",
  paper: "Xu et al. 2019, How Powerful are Graph Neural Networks? (ICLR); PyG GINConv",
  task: "node",
  defaults: { inputShape: [1433], numClasses: 7, hidden: 64, dropout: 0.5, headActivation: "softmax" },
  options: ["hidden", "dropout", ...GRAPH_HEAD_OPTIONS],
  // No canonical Cora config exists in PyG's examples; this counts PyG's layout for
  // GINConv(Seq(Linear(1433, 64), ReLU, Linear(64, 64))) + GINConv(Seq(Linear(64, 64), ReLU, Linear(64, 7))):
  // 1433*64+64 + 64*64+64 + 64*64+64 + 64*7+7 (bench/gnn_reference_params.py recounts it with torch).
  referenceParams: 100_551,
  build: buildGin,
});

registerModel({
  name: "gin_graph",
  family: "gin",
  paper: "Xu et al. 2019, How Powerful are Graph Neural Networks? (ICLR); PyG examples/mutag_gin.py",
  task: "graph",
  defaults: { inputShape: [7], numClasses: 2, hidden: 32, numLayers: 5, dropout: 0.5, pooling: "sum", headActivation: "softmax" },
  options: ["hidden", "numLayers", "dropout", "pooling", ...GRAPH_HEAD_OPTIONS],
  // PyG examples/mutag_gin.py on MUTAG (7 features, 2 classes): conv1 7*32+32 + 32*32+32, conv2-5 2*(32*32+32) each,
  // five BatchNorm1d(32) (weight + bias), fc1 32*32+32, fc2 32*2+2 = 11,202.
  referenceParams: 11_202,
  build: buildGinGraph,
});
