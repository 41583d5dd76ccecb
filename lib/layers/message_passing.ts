/**
 * The MessagePassing base shared by every graph layer, after PyTorch
 * Geometric's: `propagate` gathers node values along the edges, turns each
 * edge into a message (`message`), combines the messages arriving at each node
 * (`aggregate`: segment sum, mean or max onto the target node) and produces
 * the new node values (`update`). A layer overrides only what differs:
 * GCNConv weights messages by the symmetric normalisation, GATConv by
 * attention, SAGEConv adds the root node's own projection in its call.
 *
 * Inputs. A graph layer takes two tensors: node features x [numNodes, F]
 * (float32) and edgeIndex [numEdges, 2] (int32, rows of source, target; see
 * graph_edges.ts). tfjs-layers treats the first dimension as the batch
 * dimension, so a whole graph (or a disjoint union of small graphs) is one
 * "batch" of nodes; that is why graph models are trained with the helpers of
 * lib/models/graph_training.ts rather than model.fit, which insists that all
 * inputs share their first dimension.
 */
import * as tf from "@tensorflow/tfjs";
import type { EdgeList } from "./graph_edges.js";
import { AGGREGATIONS, type Aggregation, gatherRows, segmentAggregate } from "./graph_segment.js";

/** Constructor arguments of a tfjs layer (name, trainable ...). */
export type GraphLayerBaseArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Arguments every message-passing layer accepts. */
export interface MessagePassingArgs extends GraphLayerBaseArgs {
  /** How incoming messages are combined at a node: "sum" (PyG's "add"), "mean" or "max". */
  aggr?: Aggregation;
}

/** What `message`, `aggregate` and `update` see about the edges being propagated over. */
export interface MessageContext {
  /** The edge list (typed arrays) messages flow along. */
  edges: EdgeList;
  /** Per-edge weight as a tensor [numEdges], when the edge list has weights. */
  edgeWeight?: tf.Tensor1D;
  /** Whether the layer runs in training mode (dropout on attention, for instance). */
  training: boolean;
  /** Extra per-edge tensors handed to `propagate` (GATConv's attention weights, for instance). */
  edgeValues: Record<string, tf.Tensor>;
  /** Rows of a node tensor taken at each edge's source node (PyG's x_j). */
  atSource<T extends tf.Tensor>(nodeValues: T): T;
  /** Rows of a node tensor taken at each edge's target node (PyG's x_i). */
  atTarget<T extends tf.Tensor>(nodeValues: T): T;
}

/** The node features and edge index a graph layer is called with. */
export interface GraphLayerInputs {
  /** Node features [numNodes, F] (or [numNodes, ...] for layers that accept more axes). */
  x: tf.Tensor;
  /** Edges [numEdges, 2] int32, rows of (source, target). */
  edgeIndex: tf.Tensor;
}

/** Splits a graph layer's inputs [x, edgeIndex], with an error that says what is expected. */
export function graphLayerInputs(inputs: tf.Tensor | tf.Tensor[], layerName: string): GraphLayerInputs {
  if (!Array.isArray(inputs) || inputs.length !== 2) {
    throw new Error(
      `${layerName} takes [x, edgeIndex]: node features [numNodes, F] and edges [numEdges, 2] int32, ` +
        `got ${Array.isArray(inputs) ? `${inputs.length} tensors` : "one tensor"}.`,
    );
  }
  return { x: inputs[0], edgeIndex: inputs[1] };
}

/** The node-feature shape of a graph layer's input shapes [xShape, edgeIndexShape]. */
export function nodeFeatureShape(inputShape: tf.Shape | tf.Shape[], layerName: string): tf.Shape {
  if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
    throw new Error(`${layerName} takes two inputs [x, edgeIndex]; connect it as layer.apply([x, edgeIndex]).`);
  }
  const [xShape, edgeShape] = inputShape as tf.Shape[];
  if (edgeShape.length !== 2 || edgeShape[1] !== 2) {
    throw new Error(`${layerName}: edgeIndex must be shaped [numEdges, 2], got [${edgeShape.join(", ")}].`);
  }
  return xShape;
}

/** The (known) feature size of node features shaped [numNodes, F]. */
export function featureSize(xShape: tf.Shape, layerName: string): number {
  const size = xShape[xShape.length - 1];
  if (xShape.length !== 2 || size == null) {
    throw new Error(`${layerName} expects node features shaped [numNodes, F] with F known, got [${xShape.join(", ")}].`);
  }
  return size;
}

/** Checks an aggregation option. */
export function checkAggregation(aggr: unknown, layerName: string): Aggregation {
  if (!AGGREGATIONS.includes(aggr as Aggregation)) {
    throw new Error(`${layerName}: aggr must be one of ${AGGREGATIONS.join(", ")}, got ${String(aggr)}.`);
  }
  return aggr as Aggregation;
}

/** Broadcasts a per-edge vector [E] against per-edge values [E, ...]. */
export function perEdge(weight: tf.Tensor1D, values: tf.Tensor): tf.Tensor {
  return tf.mul(values, weight.reshape([weight.shape[0], ...values.shape.slice(1).map(() => 1)]));
}

/** Options of {@link MessagePassing.propagate}. */
export interface PropagateOptions {
  /** Training mode, passed on to `message` through the context. Default false. */
  training?: boolean;
  /** Extra per-edge tensors [numEdges, ...] that `message` reads from `context.edgeValues` (PyG's kwargs). */
  edgeValues?: Record<string, tf.Tensor>;
}

/**
 * Base class of the graph layers (PyG's MessagePassing): subclasses call
 * `propagate(x, edges, options)` in their `call` and override `message`,
 * `aggregate` or `update` where they differ from the defaults
 * (message = x_j, times the edge weight when there is one; aggregate = the
 * layer's `aggr` onto the target node; update = identity).
 */
export abstract class MessagePassing extends tf.layers.Layer {
  /** How incoming messages are combined at a node. */
  readonly aggr: Aggregation;

  constructor(args: MessagePassingArgs = {}) {
    super(args);
    this.aggr = checkAggregation(args.aggr ?? "sum", this.name);
  }

  /**
   * Sends messages along `edges` and returns the new node values:
   * update(aggregate(message(x_j, ...))). `x` may have more than two axes
   * (GATConv propagates [numNodes, heads, channels]); axis 0 is the node.
   */
  propagate(x: tf.Tensor, edges: EdgeList, options: PropagateOptions = {}): tf.Tensor {
    if (x.shape[0] !== edges.numNodes) {
      throw new Error(`${this.name}: x has ${x.shape[0]} nodes but the edge list is over ${edges.numNodes}.`);
    }
    const context: MessageContext = {
      edges,
      edgeWeight: edges.weight ? tf.tensor1d(edges.weight) : undefined,
      training: options.training ?? false,
      edgeValues: options.edgeValues ?? {},
      atSource: <T extends tf.Tensor>(nodeValues: T) => gatherRows(nodeValues, edges.source),
      atTarget: <T extends tf.Tensor>(nodeValues: T) => gatherRows(nodeValues, edges.target),
    };
    const messages = this.message(context.atSource(x), context);
    const aggregated = this.aggregate(messages, context);
    return this.update(aggregated, x, context);
  }

  /** One message per edge from the source rows x_j [numEdges, ...]; default x_j, weighted when edges have weights. */
  message(sourceValues: tf.Tensor, context: MessageContext): tf.Tensor {
    return context.edgeWeight ? perEdge(context.edgeWeight, sourceValues) : sourceValues;
  }

  /** Combines the messages [numEdges, ...] per target node into [numNodes, ...]. */
  aggregate(messages: tf.Tensor, context: MessageContext): tf.Tensor {
    return segmentAggregate(messages, context.edges.target, context.edges.numNodes, this.aggr);
  }

  /** Turns the aggregated messages into the new node values; default: the aggregate itself. */
  update(aggregated: tf.Tensor, _x: tf.Tensor, _context: MessageContext): tf.Tensor {
    return aggregated;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), aggr: this.aggr };
  }
}


