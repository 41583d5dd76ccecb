/** Writes a graph in the JSON layout bench/gnn/torch_gcn.py reads (the PyTorch GCN reference). */
import { writeFileSync } from "node:fs";
import { maskIndices, type Graph } from "../../lib/data/graphs.js";

/** Saves nodes' active feature indices, labels, train/test indices and edges for torch_gcn.py. */
export function writeTorchGraph(graph: Graph, file: string): void {
  const x = graph.x.arraySync() as number[][];
  const pairs = graph.edgeIndex.arraySync() as number[][];
  writeFileSync(file, JSON.stringify({
    numNodes: graph.numNodes,
    numFeatures: graph.numFeatures,
    numClasses: graph.numClasses,
    words: x.map((row) => row.flatMap((v, f) => (v ? [f] : []))),
    y: graph.y.arraySync(),
    train: Array.from(maskIndices(graph.trainMask)),
    test: Array.from(maskIndices(graph.testMask)),
    source: pairs.map(([s]) => s),
    target: pairs.map(([, t]) => t),
  }));
}
