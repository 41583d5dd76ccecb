/**
 * Graph-level readout (PyG's global_add_pool / global_mean_pool /
 * global_max_pool): several small graphs are packed as one disjoint union,
 * and `batch` [numNodes] (int32) says which graph each node belongs to
 * (0, 0, 0, 1, 1, 2 ...). Pooling turns node features [numNodes, F] into one
 * row per graph [numGraphs, F]; numGraphs is max(batch) + 1.
 */
import * as tf from "@tensorflow/tfjs";
import { GRAPH_LAYER_PACKAGE } from "./graph_edges.js";
import { AGGREGATIONS, type Aggregation, segmentAggregate } from "./graph_segment.js";
import type { GraphLayerBaseArgs } from "./message_passing.js";

/** Reads graph ids [numNodes] (or [numNodes, 1]) and checks them against the node count. */
export function readGraphIds(batch: tf.Tensor | Int32Array, numNodes: number): { ids: Int32Array; numGraphs: number } {
  const ids = batch instanceof Int32Array ? batch : Int32Array.from(batch.dataSync());
  if (ids.length !== numNodes) {
    throw new Error(`batch (graph id per node) has ${ids.length} entries but x has ${numNodes} nodes; give one graph id per node.`);
  }
  let numGraphs = 0;
  for (let n = 0; n < ids.length; n++) {
    if (ids[n] < 0 || !Number.isInteger(ids[n])) throw new Error(`batch[${n}] is ${ids[n]}; graph ids must be integers >= 0.`);
    numGraphs = Math.max(numGraphs, ids[n] + 1);
  }
  return { ids, numGraphs };
}

/**
 * Pools node features per graph with a segment reduction.
 * @param x node features [numNodes, F]
 * @param batch graph id of each node, int32 [numNodes]
 * @param mode "sum", "mean" or "max"
 * @param numGraphs number of graphs (default max(batch) + 1)
 */
export function globalPool(x: tf.Tensor2D, batch: tf.Tensor | Int32Array, mode: Aggregation, numGraphs?: number): tf.Tensor2D {
  const read = readGraphIds(batch, x.shape[0]);
  return segmentAggregate(x, read.ids, numGraphs ?? read.numGraphs, mode);
}

/** Sum of node features per graph (PyG's global_add_pool): [numNodes, F] -> [numGraphs, F]. */
export function globalSumPool(x: tf.Tensor2D, batch: tf.Tensor | Int32Array, numGraphs?: number): tf.Tensor2D {
  return globalPool(x, batch, "sum", numGraphs);
}

/** Mean of node features per graph (PyG's global_mean_pool): [numNodes, F] -> [numGraphs, F]. */
export function globalMeanPool(x: tf.Tensor2D, batch: tf.Tensor | Int32Array, numGraphs?: number): tf.Tensor2D {
  return globalPool(x, batch, "mean", numGraphs);
}

/** Column-wise maximum of node features per graph (PyG's global_max_pool): [numNodes, F] -> [numGraphs, F]. */
export function globalMaxPool(x: tf.Tensor2D, batch: tf.Tensor | Int32Array, numGraphs?: number): tf.Tensor2D {
  return globalPool(x, batch, "max", numGraphs);
}

/** Arguments of {@link GlobalGraphPool}. */
export interface GlobalGraphPoolArgs extends GraphLayerBaseArgs {
  /** "sum" (PyG's global_add_pool), "mean" or "max". Default "mean". */
  mode?: Aggregation;
}

/**
 * Layer form of the global pools, with inputs [x [numNodes, F], batch [numNodes] int32]
 * and output [numGraphs, F]. No weights.
 */
export class GlobalGraphPool extends tf.layers.Layer {
  /** Serialization name. */
  static className = "GlobalGraphPool";
  /** The reduction. */
  readonly mode: Aggregation;

  constructor(args: GlobalGraphPoolArgs = {}) {
    super(args);
    this.mode = args.mode ?? "mean";
    if (!AGGREGATIONS.includes(this.mode)) {
      throw new Error(`${this.name}: mode must be one of ${AGGREGATIONS.join(", ")}, got ${String(args.mode)}.`);
    }
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) {
      throw new Error(`${this.name} takes two inputs [x, batch]: node features and the graph id of each node.`);
    }
    const [xShape] = inputShape as tf.Shape[];
    return [null, xShape[xShape.length - 1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error(`${this.name} takes [x, batch]: node features [numNodes, F] and graph ids [numNodes] int32.`);
      }
      return globalPool(inputs[0] as tf.Tensor2D, inputs[1], this.mode);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode };
  }
}

tf.serialization.registerClass(GlobalGraphPool, GRAPH_LAYER_PACKAGE);
