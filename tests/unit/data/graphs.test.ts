// Graph datasets: sizes, labels, splits, determinism, and the batching of small graphs.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  batchGraphs,
  createGraph,
  karateClub,
  maskIndices,
  syntheticCitationGraph,
  syntheticShapeGraphs,
} from "../../../lib/data/graphs.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function edgePairs(edgeIndex: tf.Tensor): number[][] {
  return edgeIndex.arraySync() as number[][];
}

function degrees(edgeIndex: tf.Tensor, numNodes: number): number[] {
  const degree = new Array<number>(numNodes).fill(0);
  for (const [, t] of edgePairs(edgeIndex)) degree[t]++;
  return degree;
}

describe("karateClub", () => {
  const graph = karateClub();

  it("has Zachary's 34 members, 78 friendships in both directions and the two factions of 17", () => {
    expect(graph.numNodes).toBe(34);
    expect(graph.numEdges).toBe(156);
    const undirected = new Set(edgePairs(graph.edgeIndex).map(([s, t]) => `${Math.min(s, t)}-${Math.max(s, t)}`));
    expect(undirected.size).toBe(78);
    const deg = degrees(graph.edgeIndex, 34);
    expect([deg[0], deg[33], deg[32], deg[11]]).toEqual([16, 17, 12, 1]);
    const labels = graph.y.arraySync();
    expect(labels.filter((c) => c === 0)).toHaveLength(17);
    expect([labels[0], labels[33], labels[8], labels[9]]).toEqual([0, 1, 0, 1]);
    expect(graph.classNames).toEqual(["Mr. Hi", "Officer"]);
  });

  it("labels only the two leaders by default and tests on the other 32", () => {
    expect(Array.from(maskIndices(graph.trainMask))).toEqual([0, 33]);
    expect(maskIndices(graph.valMask)).toHaveLength(0);
    expect(maskIndices(graph.testMask)).toHaveLength(32);
    expect(Array.from(maskIndices(karateClub({ split: "two-per-class" }).trainMask))).toEqual([0, 1, 32, 33]);
  });

  it("uses one-hot node identities as features", () => {
    expect(graph.x.shape).toEqual([34, 34]);
    expect(tf.sum(graph.x).arraySync()).toBe(34);
    expect((graph.x.arraySync() as number[][])[5][5]).toBe(1);
  });
});

describe("syntheticCitationGraph", () => {
  const graph = syntheticCitationGraph({ seed: 1 });
  const labels = graph.y.arraySync() as number[];
  const pairs = edgePairs(graph.edgeIndex);

  it("has Cora's sizes and class sizes", () => {
    expect([graph.numNodes, graph.numEdges, graph.numFeatures, graph.numClasses]).toEqual([2708, 10556, 1433, 7]);
    const sizes = new Array<number>(7).fill(0);
    labels.forEach((c) => sizes[c]++);
    expect(sizes).toEqual([351, 217, 418, 818, 426, 298, 180]);
  });

  it("has no isolated node, self loop or duplicate edge, and about 80% of edges inside a class", () => {
    expect(degrees(graph.edgeIndex, graph.numNodes).every((d) => d > 0)).toBe(true);
    expect(pairs.some(([s, t]) => s === t)).toBe(false);
    expect(new Set(pairs.map(([s, t]) => `${s}-${t}`)).size).toBe(pairs.length);
    const homophily = pairs.filter(([s, t]) => labels[s] === labels[t]).length / pairs.length;
    expect(homophily).toBeGreaterThan(0.77);
    expect(homophily).toBeLessThan(0.83);
  });

  it("has sparse binary features that lean towards each class's own words", () => {
    const x = graph.x.dataSync();
    const vocabulary = Math.floor(1433 / 7);
    let ownWords = 0;
    let words = 0;
    let nonBinary = 0;
    for (let u = 0; u < graph.numNodes; u++) {
      for (let f = 0; f < 1433; f++) {
        const v = x[u * 1433 + f];
        if (v !== 0 && v !== 1) nonBinary++;
        if (v === 1) {
          words++;
          if (Math.floor(f / vocabulary) === labels[u]) ownWords++;
        }
      }
    }
    expect(nonBinary).toBe(0);
    expect(words / graph.numNodes).toBeGreaterThan(15);
    expect(words / graph.numNodes).toBeLessThanOrEqual(18);
    // A quarter of the words come from the class's seventh of the vocabulary, plus the uniform share
    // that lands there: about 0.25 + 0.75 / 7 = 0.36, against 1 / 7 = 0.14 without the class signal.
    expect(ownWords / words).toBeGreaterThan(0.32);
  });

  it("splits as Planetoid: 20 labelled nodes per class, 500 val, 1000 test, disjoint", () => {
    const train = maskIndices(graph.trainMask);
    const val = maskIndices(graph.valMask);
    const test = maskIndices(graph.testMask);
    expect([train.length, val.length, test.length]).toEqual([140, 500, 1000]);
    const perClass = new Array<number>(7).fill(0);
    train.forEach((u) => perClass[labels[u]]++);
    expect(perClass).toEqual(new Array(7).fill(20));
    expect(new Set([...train, ...val, ...test]).size).toBe(1640);
  });

  it("is the same for the same seed and differs for another", () => {
    const small = (s: number) => syntheticCitationGraph({ seed: s, numNodes: 300, numEdges: 600, numFeatures: 50, trainPerClass: 5, numVal: 50, numTest: 100 });
    const [a, b, c] = [small(5), small(5), small(6)];
    expect(a.edgeIndex.arraySync()).toEqual(b.edgeIndex.arraySync());
    expect(a.x.arraySync()).toEqual(b.x.arraySync());
    expect(a.y.arraySync()).toEqual(b.y.arraySync());
    expect(a.edgeIndex.arraySync()).not.toEqual(c.edgeIndex.arraySync());
  });
});

describe("syntheticShapeGraphs and batchGraphs", () => {
  const dataset = syntheticShapeGraphs({ seed: 2 });
  const all = [...dataset.train, ...dataset.val, ...dataset.test];

  it("has 300 graphs, 100 per class, split 240/30/30", () => {
    expect([dataset.train.length, dataset.val.length, dataset.test.length]).toEqual([240, 30, 30]);
    expect([0, 1, 2].map((c) => all.filter((g) => g.label === c).length)).toEqual([100, 100, 100]);
    expect(dataset.classNames).toEqual(["cycle", "star", "tree"]);
  });

  it("builds each shape: a cycle has n edges all of degree 2, a star a hub of degree n - 1, a tree n - 1 edges", () => {
    for (const g of all) {
      const undirectedEdges = g.edges.length / 4;
      const degree = new Array<number>(g.numNodes).fill(0);
      for (let k = 0; k < g.edges.length; k += 2) degree[g.edges[k + 1]]++;
      if (g.label === 0) expect(degree.every((d) => d === 2) && undirectedEdges === g.numNodes).toBe(true);
      if (g.label === 1) expect(Math.max(...degree)).toBe(g.numNodes - 1);
      if (g.label === 2) expect(undirectedEdges).toBe(g.numNodes - 1);
      // Features: one-hot degree (1..6, 7+), one 1 per node.
      for (let n = 0; n < g.numNodes; n++) expect(g.x[n * 7 + Math.min(degree[n], 7) - 1]).toBe(1);
      expect(g.x.reduce((a, b) => a + b, 0)).toBe(g.numNodes);
    }
  });

  it("packs graphs with shifted edge indices and a graph id per node", () => {
    const [g0, g1] = dataset.train;
    const batch = batchGraphs([g0, g1]);
    expect(batch.x.shape).toEqual([g0.numNodes + g1.numNodes, 7]);
    expect(batch.numGraphs).toBe(2);
    const ids = batch.batch.arraySync() as number[];
    expect(ids.filter((i) => i === 0)).toHaveLength(g0.numNodes);
    const pairs = edgePairs(batch.edgeIndex);
    expect(pairs[g0.edges.length / 2]).toEqual([g1.edges[0] + g0.numNodes, g1.edges[1] + g0.numNodes]);
    expect(batch.y.arraySync()).toEqual([g0.label, g1.label]);
  });
});

describe("createGraph", () => {
  it("adds reverse edges, defaults to identity features, and tests on the unlabelled nodes", () => {
    const graph = createGraph({ edges: [[0, 1], [1, 2]], y: [0, 1, 1], train: [0, 1] });
    expect(edgePairs(graph.edgeIndex)).toEqual([[0, 1], [1, 0], [1, 2], [2, 1]]);
    expect(graph.x.arraySync()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(Array.from(maskIndices(graph.testMask))).toEqual([2]);
  });

  it("names the edge that points outside the graph", () => {
    expect(() => createGraph({ edges: [[0, 1], [1, 5]], y: [0, 1, 1] })).toThrow(/edges\[1\] is \[1, 5\] but there are 3 nodes/);
  });
});
