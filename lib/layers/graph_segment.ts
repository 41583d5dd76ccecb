/**
 * Segment reductions: combine the rows of a per-edge (or per-node) tensor that
 * share a segment id (the target node, or the graph a node belongs to).
 * PyG's torch_scatter equivalents, built on tf.scatterND (which sums rows that
 * share an index) and tf.gather, with their own gradients: tfjs's
 * UnsortedSegmentSum runs one masked sum per segment on the cpu backend
 * (thousands of kernels for a Cora-sized graph) and is missing on wasm, and
 * tfjs's gather gradient is built on it. Here the gradient of a gather is a
 * scatter-sum and the gradient of a scatter-sum is a gather, both O(rows).
 *
 * Segment ids are plain Int32Arrays (graph structure, not trained values).
 * An empty segment yields 0, as in PyG.
 */
import * as tf from "@tensorflow/tfjs";

/** How messages arriving at one node are combined. */
export type Aggregation = "sum" | "mean" | "max";

/** Every aggregation name, for option checks. */
export const AGGREGATIONS: readonly Aggregation[] = ["sum", "mean", "max"];

function checkIds(data: tf.Tensor, segmentIds: Int32Array): void {
  if (data.shape[0] !== segmentIds.length) {
    throw new Error(`segment ids (${segmentIds.length}) must match the rows of the data (${data.shape[0]}).`);
  }
}

/** Sum of the rows of `data` per segment: out[s] = sum of data[r] where segmentIds[r] == s. */
export function segmentSum<T extends tf.Tensor>(data: T, segmentIds: Int32Array, numSegments: number): T {
  checkIds(data, segmentIds);
  const outShape = [numSegments, ...data.shape.slice(1)];
  if (segmentIds.length === 0) return tf.zeros(outShape) as T;
  // customGrad passes its inputs untyped (Tensor | save function); the one input is the data.
  const scatterSum = tf.customGrad((...inputs) => ({
    value: tf.scatterND(tf.tensor2d(segmentIds, [segmentIds.length, 1], "int32"), inputs[0] as tf.Tensor, outShape),
    gradFunc: (dy: tf.Tensor) => gatherRows(dy, segmentIds),
  }));
  return scatterSum(data) as T;
}

/**
 * Rows `indices` of `values` (tf.gather on axis 0), whose gradient
 * scatter-sums back onto the gathered rows; use it instead of tf.gather for
 * anything trained on a graph.
 */
export function gatherRows<T extends tf.Tensor>(values: T, indices: Int32Array): T {
  const numRows = values.shape[0];
  const gather = tf.customGrad((...inputs) => ({
    value: tf.gather(inputs[0] as tf.Tensor, tf.tensor1d(indices, "int32")),
    gradFunc: (dy: tf.Tensor) => segmentSum(dy, indices, numRows),
  }));
  return gather(values) as T;
}

/** Number of rows per segment, as a float tensor [numSegments] (constant: no gradient). */
export function segmentCounts(segmentIds: Int32Array, numSegments: number): tf.Tensor1D {
  const counts = new Float32Array(numSegments);
  for (const id of segmentIds) counts[id] += 1;
  return tf.tensor1d(counts);
}

/** Mean of the rows of `data` per segment; an empty segment gives 0. */
export function segmentMean<T extends tf.Tensor>(data: T, segmentIds: Int32Array, numSegments: number): T {
  const sums = segmentSum(data, segmentIds, numSegments);
  const counts = tf.maximum(segmentCounts(segmentIds, numSegments), 1);
  const broadcastShape = [numSegments, ...data.shape.slice(1).map(() => 1)];
  return tf.div(sums, counts.reshape(broadcastShape)) as T;
}

/**
 * For every (segment, column) of `values` (rows x columns, row-major), the
 * row holding the largest value, or -1 for an empty segment.
 */
function argmaxRows(values: ArrayLike<number>, columns: number, segmentIds: Int32Array, numSegments: number): Int32Array {
  const best = new Int32Array(numSegments * columns).fill(-1);
  for (let row = 0; row < segmentIds.length; row++) {
    const base = segmentIds[row] * columns;
    for (let c = 0; c < columns; c++) {
      const current = best[base + c];
      if (current < 0 || values[row * columns + c] > values[current * columns + c]) best[base + c] = row;
    }
  }
  return best;
}

/**
 * Maximum of the rows of `data` per segment, column by column (torch_scatter's
 * scatter_max); an empty segment gives 0. The winners are found on the host
 * and picked with tf.gather, so the gradient flows to the winning rows only,
 * as in PyTorch.
 */
export function segmentMax<T extends tf.Tensor>(data: T, segmentIds: Int32Array, numSegments: number): T {
  checkIds(data, segmentIds);
  const rowShape = data.shape.slice(1);
  const columns = rowShape.reduce((a, b) => a * b, 1);
  const best = argmaxRows(data.dataSync(), columns, segmentIds, numSegments);
  const flatIndex = new Int32Array(best.length);
  const present = new Float32Array(best.length);
  for (let k = 0; k < best.length; k++) {
    const c = k % columns;
    flatIndex[k] = best[k] < 0 ? 0 : best[k] * columns + c;
    present[k] = best[k] < 0 ? 0 : 1;
  }
  if (data.size === 0) return tf.zeros([numSegments, ...rowShape]) as T;
  const picked = gatherRows(data.reshape([-1]), flatIndex);
  return tf.mul(picked, tf.tensor1d(present)).reshape([numSegments, ...rowShape]) as T;
}

/** Combines rows per segment with the named aggregation. */
export function segmentAggregate<T extends tf.Tensor>(
  data: T,
  segmentIds: Int32Array,
  numSegments: number,
  aggregation: Aggregation,
): T {
  switch (aggregation) {
    case "sum":
      return segmentSum(data, segmentIds, numSegments);
    case "mean":
      return segmentMean(data, segmentIds, numSegments);
    case "max":
      return segmentMax(data, segmentIds, numSegments);
    default:
      throw new Error(`Unknown aggregation "${String(aggregation)}"; use one of ${AGGREGATIONS.join(", ")}.`);
  }
}

/**
 * Softmax of per-edge scores over the edges that share a segment (PyG's
 * torch_geometric.utils.softmax): scores [E, heads] -> weights [E, heads]
 * that sum to 1 over each target node's incoming edges, per head.
 * The per-segment maximum is subtracted first for stability; it is taken as a
 * constant, which does not change the gradient (softmax is shift-invariant).
 */
export function segmentSoftmax(scores: tf.Tensor2D, segmentIds: Int32Array, numSegments: number): tf.Tensor2D {
  checkIds(scores, segmentIds);
  const heads = scores.shape[1];
  const values = scores.dataSync();
  const best = argmaxRows(values, heads, segmentIds, numSegments);
  const shift = new Float32Array(segmentIds.length * heads);
  for (let e = 0; e < segmentIds.length; e++) {
    for (let h = 0; h < heads; h++) shift[e * heads + h] = values[best[segmentIds[e] * heads + h] * heads + h];
  }
  const exps = tf.exp(tf.sub(scores, tf.tensor2d(shift, [segmentIds.length, heads])));
  const sums = segmentSum(exps, segmentIds, numSegments);
  const perEdgeSum = gatherRows(sums, segmentIds);
  return tf.div(exps, tf.add(perEdgeSum, 1e-16));
}
