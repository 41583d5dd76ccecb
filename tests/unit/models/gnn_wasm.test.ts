// The GNN families on the wasm backend (tensorcell's default in Node): the graph layers use only
// gather, scatterND and dense ops, so forward and training work there as on cpu, with the same numbers.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { createGraph, syntheticShapeGraphs } from "../../../lib/data/graphs.js";
import "../../../lib/models/appnp.js";
import "../../../lib/models/dagnn.js";
import "../../../lib/models/gat.js";
import "../../../lib/models/gcn.js";
import "../../../lib/models/gin.js";
import "../../../lib/models/graphsage.js";
import { evaluateGraphs, evaluateNodes, fitGraphClassifier, fitNodeClassifier } from "../../../lib/models/graph_training.js";
import { getModelSpec, type ModelOptions } from "../../../lib/models/registry.js";
import { seed } from "../../../lib/repro/seed.js";

function create(name: string, options: ModelOptions): tf.LayersModel {
  const spec = getModelSpec(name);
  return spec.build({ ...spec.defaults, ...options } as typeof spec.defaults);
}

function ringGraph() {
  const edges: [number, number][] = [];
  for (let i = 0; i < 6; i++) edges.push([i, (i + 1) % 6], [6 + i, 6 + ((i + 1) % 6)]);
  edges.push([0, 6]);
  const y = Array.from({ length: 12 }, (_, i) => (i < 6 ? 0 : 1));
  const x = y.map((c, i) => [c, 1 - c, (i % 3) / 3, ((i * 7) % 5) / 5]);
  return createGraph({ edges, y, x, train: [1, 2, 3, 7, 8, 9] });
}

beforeAll(async () => {
  await initBackend("wasm");
  seed(11);
});

describe("GNNs on wasm", () => {
  it("runs on the wasm backend", () => {
    expect(tf.getBackend()).toBe("wasm");
  });

  for (const name of ["gcn", "graphsage", "gat", "gin", "appnp", "dagnn"]) {
    it(`${name}: a few Adam steps lower the training loss`, async () => {
      const graph = ringGraph();
      const model = create(name, { inputShape: [4], numClasses: 2, hidden: 8, dropout: 0, ...(name === "gat" ? { hidden: 4, heads: 2 } : {}) });
      const before = evaluateNodes(model, graph, graph.trainMask).loss;
      await fitNodeClassifier(model, graph, { epochs: 5, weightDecay: 0 });
      expect(evaluateNodes(model, graph, graph.trainMask).loss).toBeLessThan(before);
    });
  }

  it("gin_graph: training lowers the loss", async () => {
    const dataset = syntheticShapeGraphs({ numGraphs: 30, seed: 4 });
    const model = create("gin_graph", { hidden: 8, numLayers: 2, numClasses: 3 });
    const before = evaluateGraphs(model, dataset.train).loss;
    await fitGraphClassifier(model, dataset.train, { epochs: 3, batchSize: 8 });
    expect(evaluateGraphs(model, dataset.train).loss).toBeLessThan(before);
  });

  it("gives the cpu backend's outputs", async () => {
    const graph = ringGraph();
    const model = create("gat", { inputShape: [4], numClasses: 2, hidden: 4, heads: 2, dropout: 0 });
    const onWasm = (model.apply([graph.x, graph.edgeIndex]) as tf.Tensor).dataSync().slice();
    await tf.setBackend("cpu");
    try {
      const cpuGraph = ringGraph();
      const onCpu = (model.apply([cpuGraph.x, cpuGraph.edgeIndex]) as tf.Tensor).dataSync();
      onCpu.forEach((v, i) => expect(onWasm[i]).toBeCloseTo(v, 5));
    } finally {
      await tf.setBackend("wasm");
    }
  });
});
