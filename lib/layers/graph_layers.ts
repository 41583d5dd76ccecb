/**
 * Every graph layer and graph helper in one import (PyG's torch_geometric.nn):
 * the MessagePassing base, GCNConv, SAGEConv, GINConv, GATConv, APPNP,
 * DAGNNPropagation, the global pools and the segment reductions they share.
 */
export * from "./graph_edges.js";
export * from "./graph_segment.js";
export {
  type GraphLayerBaseArgs,
  type MessagePassingArgs,
  type MessageContext,
  type PropagateOptions,
  type GraphLayerInputs,
  MessagePassing,
  graphLayerInputs,
  nodeFeatureShape,
  featureSize,
  checkAggregation,
  perEdge,
} from "./message_passing.js";
export * from "./graph_conv.js";
export * from "./graph_attention.js";
export * from "./graph_propagation.js";
export * from "./graph_pooling.js";
