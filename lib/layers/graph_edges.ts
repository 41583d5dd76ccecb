/**
 * Edge lists for the graph layers: reading an `edgeIndex` tensor, adding self
 * loops and computing GCN's symmetric normalisation.
 *
 * Convention (PyG's, transposed so that tfjs-layers sees the edge count as the
 * "batch" dimension): `edgeIndex` is an int32 tensor [numEdges, 2]; row e is
 * (source, target) and a message flows from source to target (PyG's
 * flow="source_to_target"). Undirected graphs list each edge in both
 * directions.
 *
 * Edge structure is data, not a trained value, so it is handled here as plain
 * typed arrays (no gradient flows through it); only the per-edge values that
 * depend on weights are tensors.
 */
import * as tf from "@tensorflow/tfjs";

/** Serialization package name of every graph layer ("tensorcell>GCNConv" in model.json). */
export const GRAPH_LAYER_PACKAGE = "tensorcell";

/** A directed edge list over `numNodes` nodes, as typed arrays, with optional per-edge weights. */
export interface EdgeList {
  /** Source node of each edge (PyG's edge_index[0], the "j" of x_j). */
  source: Int32Array;
  /** Target node of each edge (PyG's edge_index[1], the "i" that aggregates). */
  target: Int32Array;
  /** Optional weight per edge (e.g. GCN's normalisation); absent means 1 for every edge. */
  weight?: Float32Array;
  /** Number of nodes; every index is in [0, numNodes). */
  numNodes: number;
}

/**
 * Reads an edgeIndex tensor [numEdges, 2] (rows of source, target) into an
 * {@link EdgeList}, checking every index is a node of the graph.
 */
export function readEdgeIndex(edgeIndex: tf.Tensor, numNodes: number): EdgeList {
  if (edgeIndex.rank !== 2 || edgeIndex.shape[1] !== 2) {
    throw new Error(
      `edgeIndex must be shaped [numEdges, 2] (one row of source, target per edge), got [${edgeIndex.shape.join(", ")}]. ` +
        "If you have PyG's [2, numEdges] layout, pass edgeIndex.transpose().",
    );
  }
  const pairs = edgeIndex.dataSync();
  const numEdges = edgeIndex.shape[0];
  const source = new Int32Array(numEdges);
  const target = new Int32Array(numEdges);
  for (let e = 0; e < numEdges; e++) {
    const s = pairs[2 * e];
    const t = pairs[2 * e + 1];
    if (!(s >= 0 && s < numNodes && t >= 0 && t < numNodes) || !Number.isInteger(s) || !Number.isInteger(t)) {
      throw new Error(
        `edgeIndex row ${e} is (${s}, ${t}) but the graph has ${numNodes} nodes (valid indices 0..${numNodes - 1}). ` +
          "Check that x and edgeIndex come from the same graph.",
      );
    }
    source[e] = s;
    target[e] = t;
  }
  return { source, target, numNodes };
}

/**
 * PyG's add_remaining_self_loops: drops any existing self loop and adds one
 * loop (i, i) per node with weight `fillValue` (an existing loop keeps its
 * weight). Loops come after the other edges.
 */
export function addSelfLoops(edges: EdgeList, fillValue = 1): EdgeList {
  const { source, target, weight, numNodes } = edges;
  const loopWeight = new Float32Array(numNodes).fill(fillValue);
  let kept = 0;
  for (let e = 0; e < source.length; e++) {
    if (source[e] === target[e]) loopWeight[source[e]] = weight ? weight[e] : 1;
    else kept++;
  }
  const total = kept + numNodes;
  const newSource = new Int32Array(total);
  const newTarget = new Int32Array(total);
  const newWeight = new Float32Array(total);
  let k = 0;
  for (let e = 0; e < source.length; e++) {
    if (source[e] === target[e]) continue;
    newSource[k] = source[e];
    newTarget[k] = target[e];
    newWeight[k] = weight ? weight[e] : 1;
    k++;
  }
  for (let i = 0; i < numNodes; i++, k++) {
    newSource[k] = i;
    newTarget[k] = i;
    newWeight[k] = loopWeight[i];
  }
  return { source: newSource, target: newTarget, weight: newWeight, numNodes };
}

/**
 * GCN's symmetric normalisation (Kipf & Welling 2017; PyG's gcn_norm):
 * weight(j -> i) = w_ji / sqrt(deg(j) * deg(i)), where deg(i) sums the weights
 * of the edges that end at i. With `selfLoops` (the default) a loop is added
 * to every node first, giving D^-1/2 (A + I) D^-1/2.
 */
export function gcnNormalize(edges: EdgeList, selfLoops = true): EdgeList {
  const withLoops = selfLoops ? addSelfLoops(edges) : edges;
  const { source, target, numNodes } = withLoops;
  const weight = withLoops.weight ?? new Float32Array(source.length).fill(1);
  const degree = new Float64Array(numNodes);
  for (let e = 0; e < target.length; e++) degree[target[e]] += weight[e];
  const normalized = new Float32Array(source.length);
  for (let e = 0; e < source.length; e++) {
    const product = degree[source[e]] * degree[target[e]];
    normalized[e] = product > 0 ? weight[e] / Math.sqrt(product) : 0;
  }
  return { source, target, weight: normalized, numNodes };
}

/** In-degree of every node (number of edges ending there), as a typed array. */
export function inDegree(edges: EdgeList): Float32Array {
  const degree = new Float32Array(edges.numNodes);
  for (let e = 0; e < edges.target.length; e++) degree[edges.target[e]] += 1;
  return degree;
}
