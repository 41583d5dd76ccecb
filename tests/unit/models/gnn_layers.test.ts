// Graph layers against results worked out by hand on tiny graphs.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { GATConv } from "../../../lib/layers/graph_attention.js";
import { GCNConv, GINConv, SAGEConv } from "../../../lib/layers/graph_conv.js";
import { gcnNormalize, readEdgeIndex } from "../../../lib/layers/graph_edges.js";
import { GlobalGraphPool } from "../../../lib/layers/graph_pooling.js";
import { APPNP, DAGNNPropagation } from "../../../lib/layers/graph_propagation.js";
import { segmentMax, segmentSoftmax, segmentSum } from "../../../lib/layers/graph_segment.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

// Path graph 0 - 1 - 2, both directions.
const pathEdges = (): tf.Tensor2D => tf.tensor2d([[0, 1], [1, 0], [1, 2], [2, 1]], [4, 2], "int32");
// x0 = [1, 0], x1 = [0, 1], x2 = [1, 1].
const pathFeatures = (): tf.Tensor2D => tf.tensor2d([[1, 0], [0, 1], [1, 1]]);
const s6 = Math.sqrt(6);

/** Builds a layer on the inputs, sets its weights, and returns its output as nested arrays. */
function run(layer: tf.layers.Layer, inputs: tf.Tensor[], weights: tf.Tensor[]): number[][] {
  layer.apply(inputs);
  layer.setWeights(weights);
  return (layer.apply(inputs) as tf.Tensor).arraySync() as number[][];
}

function expectClose(actual: number[][], expected: number[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 5)));
}

describe("GCN normalisation", () => {
  it("weights each edge 1/sqrt(deg(i) deg(j)) with self loops (degrees 2, 3, 2 on the path)", () => {
    const edges = gcnNormalize(readEdgeIndex(pathEdges(), 3));
    const weightOf = (s: number, t: number) => edges.weight![[...edges.source].findIndex((v, e) => v === s && edges.target[e] === t)];
    expect(edges.source.length).toBe(7); // 4 edges + 3 self loops
    expect(weightOf(0, 1)).toBeCloseTo(1 / s6, 6);
    expect(weightOf(0, 0)).toBeCloseTo(1 / 2, 6);
    expect(weightOf(1, 1)).toBeCloseTo(1 / 3, 6);
  });
});

describe("GCNConv", () => {
  it("computes D^-1/2 (A + I) D^-1/2 X W + b", () => {
    const out = run(new GCNConv({ units: 2 }), [pathFeatures(), pathEdges()], [tf.eye(2), tf.tensor1d([0.5, -0.5])]);
    // out0 = x0/2 + x1/sqrt6; out1 = x0/sqrt6 + x1/3 + x2/sqrt6; out2 = x1/sqrt6 + x2/2; then + b.
    expectClose(out, [
      [0.5 + 0.5, 1 / s6 - 0.5],
      [2 / s6 + 0.5, 1 / 3 + 1 / s6 - 0.5],
      [0.5 + 0.5, 1 / s6 + 0.5 - 0.5],
    ]);
  });
});

describe("SAGEConv", () => {
  it("adds W_neigh · mean of neighbours + b to W_root · x", () => {
    const weights = [tf.tensor2d([[1], [2]]), tf.tensor1d([0.5]), tf.tensor2d([[10], [0]])];
    const out = run(new SAGEConv({ units: 1 }), [pathFeatures(), pathEdges()], weights);
    // means: node0 [0,1], node1 ([1,0]+[1,1])/2 = [1,0.5], node2 [0,1]; roots x·[10,0] = 10, 0, 10.
    expectClose(out, [[2 + 0.5 + 10], [2 + 0.5], [2 + 0.5 + 10]]);
  });

  it("gives the plain neighbour mean when the projection does not shrink features", () => {
    const weights = [tf.eye(2), tf.zeros([2]), tf.zeros([2, 2])];
    const out = run(new SAGEConv({ units: 2 }), [pathFeatures(), pathEdges()], weights);
    expectClose(out, [[0, 1], [1, 0.5], [0, 1]]);
  });

  it("with aggr max takes the column-wise maximum of the neighbours", () => {
    const weights = [tf.tensor2d([[1], [2]]), tf.tensor1d([0.5]), tf.tensor2d([[0], [0]])];
    const out = run(new SAGEConv({ units: 1, aggr: "max" }), [pathFeatures(), pathEdges()], weights);
    // node1: max([1,0],[1,1]) = [1,1] -> 1 + 2 + 0.5.
    expectClose(out, [[2.5], [3.5], [2.5]]);
  });
});

describe("GINConv", () => {
  it("applies the MLP (ReLU between layers) to (1 + eps) x + sum of neighbours", () => {
    const weights = [tf.tensor2d([[1, -1], [1, -1]]), tf.zeros([2]), tf.tensor2d([[2], [5]]), tf.tensor1d([1])];
    const out = run(new GINConv({ mlpUnits: [2, 1], eps: 0.5 }), [pathFeatures(), pathEdges()], weights);
    // h = 1.5 x + sum: node0 [1.5,1] (s=2.5), node1 [2,2.5] (s=4.5), node2 [1.5,2.5] (s=4);
    // first layer [s, -s], ReLU -> [s, 0]; second layer 2s + 1.
    expectClose(out, [[6], [10], [9]]);
  });

  it("gives the same sums when its first layer shrinks features (projected before aggregation)", () => {
    const out = run(new GINConv({ mlpUnits: [1], eps: 0.5 }), [pathFeatures(), pathEdges()], [tf.tensor2d([[1], [1]]), tf.tensor1d([0.25])]);
    expectClose(out, [[2.75], [4.75], [4.25]]);
  });
});

describe("GATConv", () => {
  const e = Math.E;
  const q = Math.exp(-0.2);
  // Kernel copies feature 0 to both heads: h = [1, 0, 1]. Head A scores a source h_j, head B -h_j
  // (LeakyReLU slope 0.2 turns -1 into -0.2); target attention 0; self loops included.
  const weights = () => [tf.tensor2d([[1, 1], [0, 0]]), tf.tensor2d([[1], [-1]]), tf.zeros([2, 1])];

  it("softmax-weights neighbours per head and concatenates heads", () => {
    const layer = new GATConv({ units: 1, heads: 2, useBias: false });
    const out = run(layer, [pathFeatures(), pathEdges()], weights());
    // node0 hears itself (h=1) and node1 (h=0): head A e/(e+1), head B q/(q+1);
    // node1 hears nodes 0, 2 (h=1) and itself (h=0): head A 2e/(2e+1), head B 2q/(2q+1).
    expectClose(out, [
      [e / (e + 1), q / (q + 1)],
      [(2 * e) / (2 * e + 1), (2 * q) / (2 * q + 1)],
      [e / (e + 1), q / (q + 1)],
    ]);
  });

  it("averages heads when concat is false, and attention sums to 1 per node", () => {
    const layer = new GATConv({ units: 1, heads: 2, concat: false, useBias: false });
    const out = run(layer, [pathFeatures(), pathEdges()], weights());
    expect(out[0][0]).toBeCloseTo((e / (e + 1) + q / (q + 1)) / 2, 5);
    const attention = layer.attentionCoefficients([pathFeatures(), pathEdges()]);
    const perNode = segmentSum(attention, new Int32Array([1, 0, 2, 1, 0, 1, 2]), 3).arraySync();
    perNode.forEach((row) => row.forEach((v) => expect(v).toBeCloseTo(1, 6)));
  });
});

describe("APPNP", () => {
  it("runs K steps of (1 - alpha) Â H + alpha H0", () => {
    // Â on the path with self loops: rows [1/2, 1/sqrt6, 0], [1/sqrt6, 1/3, 1/sqrt6], [0, 1/sqrt6, 1/2].
    const A = [[1 / 2, 1 / s6, 0], [1 / s6, 1 / 3, 1 / s6], [0, 1 / s6, 1 / 2]];
    const x = [1, 2, 3];
    const step = (h: number[]) => h.map((_, i) => 0.5 * A[i].reduce((sum, a, j) => sum + a * h[j], 0) + 0.5 * x[i]);
    const expected = step(step(x)).map((v) => [v]);
    const out = run(new APPNP({ K: 2, alpha: 0.5 }), [tf.tensor2d([[1], [2], [3]]), pathEdges()], []);
    expectClose(out, expected);
  });
});

describe("DAGNNPropagation", () => {
  it("sums sigmoid(H_k w + b) H_k over the hops k = 0..K", () => {
    const A = [[1 / 2, 1 / s6, 0], [1 / s6, 1 / 3, 1 / s6], [0, 1 / s6, 1 / 2]];
    const h0 = [1, 2, 3];
    const h1 = h0.map((_, i) => A[i].reduce((sum, a, j) => sum + a * h0[j], 0));
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    // w = 1, b = -1: s_k = sigmoid(H_k - 1).
    const expected = h0.map((v, i) => [sigmoid(v - 1) * v + sigmoid(h1[i] - 1) * h1[i]]);
    const layer = new DAGNNPropagation({ K: 1 });
    const out = run(layer, [tf.tensor2d([[1], [2], [3]]), pathEdges()], [tf.tensor2d([[1]]), tf.tensor1d([-1])]);
    expectClose(out, expected);
    const scores = layer.retentionScores([tf.tensor2d([[1], [2], [3]]), pathEdges()]).arraySync();
    expect(scores[2][0]).toBeCloseTo(sigmoid(2), 6);
  });
});

describe("segment reductions", () => {
  it("global pools sum, average and max node features per graph", () => {
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const batch = tf.tensor1d([0, 0, 1], "int32");
    const pool = (mode: "sum" | "mean" | "max") => (new GlobalGraphPool({ mode }).apply([x, batch]) as tf.Tensor).arraySync() as number[][];
    expectClose(pool("sum"), [[4, 6], [5, 6]]);
    expectClose(pool("mean"), [[2, 3], [5, 6]]);
    expectClose(pool("max"), [[3, 4], [5, 6]]);
  });

  it("segment sum and max have gradients that reach the right rows", () => {
    const data = tf.tensor2d([[1, 5], [3, 2], [7, 7]]);
    const ids = new Int32Array([0, 0, 1]);
    const sumGrad = tf.grad((d: tf.Tensor) => tf.sum(tf.mul(segmentSum(d, ids, 3), tf.tensor2d([[1, 2], [3, 4], [5, 6]]))))(data);
    expectClose(sumGrad.arraySync() as number[][], [[1, 2], [1, 2], [3, 4]]);
    const maxGrad = tf.grad((d: tf.Tensor) => tf.sum(segmentMax(d, ids, 3)))(data);
    // segment 0: column 0 won by row 1 (3 > 1), column 1 by row 0 (5 > 2); empty segment 2 gives 0.
    expectClose(maxGrad.arraySync() as number[][], [[0, 1], [1, 0], [1, 1]]);
    expectClose(segmentMax(data, ids, 3).arraySync() as number[][], [[3, 5], [7, 7], [0, 0]]);
  });

  it("segment softmax normalises per segment and survives large scores", () => {
    const scores = tf.tensor2d([[1000], [1001], [-5]]);
    const out = segmentSoftmax(scores, new Int32Array([0, 0, 1]), 2).arraySync() as number[][];
    expect(out[0][0]).toBeCloseTo(1 / (1 + Math.E), 6);
    expect(out[1][0]).toBeCloseTo(Math.E / (1 + Math.E), 6);
    expect(out[2][0]).toBeCloseTo(1, 6);
  });

  it("rejects an edge that names a node outside the graph", () => {
    expect(() => readEdgeIndex(tf.tensor2d([[0, 3]], [1, 2], "int32"), 3)).toThrow(/graph has 3 nodes/);
  });
});
