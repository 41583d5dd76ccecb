// Every GNN family: reference parameter counts, forward shapes, a few gradient steps lower the loss,
// save/load reproduces predictions exactly, bad options give a one-line error.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createGraph, type Graph, syntheticShapeGraphs } from "../../../lib/data/graphs.js";
import "../../../lib/models/appnp.js";
import "../../../lib/models/dagnn.js";
import "../../../lib/models/gat.js";
import "../../../lib/models/gcn.js";
import "../../../lib/models/gin.js";
import "../../../lib/models/graphsage.js";
import {
  evaluateGraphs,
  evaluateNodes,
  fitGraphClassifier,
  fitNodeClassifier,
  predictGraphs,
  predictNodes,
} from "../../../lib/models/graph_training.js";
import { getModelSpec, type ModelOptions } from "../../../lib/models/registry.js";
import { seed } from "../../../lib/repro/seed.js";

const NODE_MODELS = ["gcn", "graphsage", "gat", "gin", "appnp", "dagnn"];

// Reference trainable parameter counts for the default (Cora-sized / MUTAG-sized) configs, and where they come from.
// bench/gnn_reference_params.py recounts each with PyTorch modules laid out as PyG's layers.
const REFERENCE_PARAMS: Record<string, number> = {
  gcn: 23_063, // Kipf & Welling 2017 / PyG examples/gcn.py, 1433-16-7 with biases
  gat: 92_373, // PyG examples/gat.py: GATConv(1433, 8, heads=8) + GATConv(64, 7, heads=1, concat=False)
  appnp: 92_231, // PyG benchmark/citation/appnp.py: Linear(1433, 64) + Linear(64, 7), K=10, alpha=0.1
  dagnn: 92_239, // DeeperGNN dagnn.py: Linear(1433, 64) + Linear(64, 7) + Prop.proj Linear(7, 1)
  graphsage: 184_391, // SAGEConv(1433, 64) + SAGEConv(64, 7), PyG layout (lin_l with bias, lin_r without)
  gin: 100_551, // GINConv(MLP 1433-64-64) + GINConv(MLP 64-64-7), PyG layout
  gin_graph: 11_202, // PyG examples/mutag_gin.py: 5 GINConv(32) + 5 BatchNorm1d + fc1 + fc2
};

function create(name: string, options: ModelOptions = {}): tf.LayersModel {
  const spec = getModelSpec(name);
  return spec.build({ ...spec.defaults, ...options } as typeof spec.defaults);
}

function trainableCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b as number), 1), 0);
}

/** A 12-node graph, two 6-cycles joined by one edge; class = which cycle; features noisy class indicators. */
function twoRings(): Graph {
  const edges: [number, number][] = [];
  for (let i = 0; i < 6; i++) edges.push([i, (i + 1) % 6], [6 + i, 6 + ((i + 1) % 6)]);
  edges.push([0, 6]);
  const y = Array.from({ length: 12 }, (_, i) => (i < 6 ? 0 : 1));
  const x = y.map((c, i) => [c === 0 ? 1 : 0, c === 1 ? 1 : 0, (i % 3) / 3, ((i * 7) % 5) / 5]);
  return createGraph({ edges, y, x, train: [1, 2, 3, 7, 8, 9], val: [4, 10] });
}

beforeAll(async () => {
  await tf.setBackend("cpu");
  seed(7);
});

describe("reference parameter counts", () => {
  for (const [name, expected] of Object.entries(REFERENCE_PARAMS)) {
    it(`${name} has ${expected.toLocaleString("en")} trainable parameters, as its spec's referenceParams`, () => {
      const model = create(name);
      expect(trainableCount(model)).toBe(expected);
      expect(getModelSpec(name).referenceParams).toBe(expected);
      model.dispose();
    });
  }
});

describe.each(NODE_MODELS)("%s", (name) => {
  const small: ModelOptions = { inputShape: [4], numClasses: 2, hidden: 8, dropout: 0 };
  if (name === "gat") Object.assign(small, { hidden: 4, heads: 2 });

  it("runs forward to one probability row per node", () => {
    const graph = twoRings();
    const model = create(name, small);
    const probabilities = predictNodes(model, graph);
    expect(probabilities.shape).toEqual([12, 2]);
    const rowSums = tf.sum(probabilities, 1).arraySync() as number[];
    rowSums.forEach((v) => expect(v).toBeCloseTo(1, 5));
  });

  it("lowers the training loss with a few Adam steps", async () => {
    const graph = twoRings();
    const model = create(name, small);
    const before = evaluateNodes(model, graph, graph.trainMask).loss;
    const history = await fitNodeClassifier(model, graph, { epochs: 5, weightDecay: 0 });
    const after = evaluateNodes(model, graph, graph.trainMask).loss;
    expect(after).toBeLessThan(before);
    expect(history.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(history.history.val_acc).toHaveLength(5);
  });

  it("save/load reproduces predictions exactly", async () => {
    const graph = twoRings();
    const model = create(name, { ...small, headActivation: "linear" });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const original = (model.apply([graph.x, graph.edgeIndex]) as tf.Tensor).dataSync();
    const restored = (loaded.apply([graph.x, graph.edgeIndex]) as tf.Tensor).dataSync();
    expect(Array.from(restored)).toEqual(Array.from(original));
  });
});

describe("gin_graph", () => {
  it("classifies cycles, stars and trees after a short training", async () => {
    const dataset = syntheticShapeGraphs({ numGraphs: 60, seed: 3 });
    const model = create("gin_graph", { hidden: 16, numLayers: 2, numClasses: 3 });
    const before = evaluateGraphs(model, dataset.train).loss;
    const history = await fitGraphClassifier(model, dataset.train, { epochs: 10, batchSize: 16, validationGraphs: dataset.val });
    const after = evaluateGraphs(model, dataset.train);
    expect(after.loss).toBeLessThan(before);
    expect(after.accuracy).toBeGreaterThan(0.8);
    expect(history.history.val_acc).toHaveLength(10);
    const probabilities = predictGraphs(model, dataset.test);
    expect(probabilities.shape).toEqual([dataset.test.length, 3]);
  });

  it("save/load reproduces graph predictions exactly (pooling layer included)", async () => {
    const dataset = syntheticShapeGraphs({ numGraphs: 9, seed: 1 });
    const model = create("gin_graph", { hidden: 8, numLayers: 2, pooling: "max", numClasses: 3 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const all = [...dataset.train, ...dataset.val, ...dataset.test];
    expect(Array.from(predictGraphs(loaded, all).dataSync())).toEqual(Array.from(predictGraphs(model, all).dataSync()));
  });
});

describe("bad input", () => {
  it("names the expected input shape", () => {
    expect(() => create("gcn", { inputShape: [32, 32, 3] })).toThrow(/gcn expects inputShape \[numFeatures\]/);
  });

  it("rejects a bad option value", () => {
    expect(() => create("gat", { heads: 0 })).toThrow(/gat: option heads must be a positive integer/);
    expect(() => create("graphsage", { aggr: "median" })).toThrow(/aggr must be one of "sum", "mean", "max"/);
  });

  it("says when the model's classes do not match the labels", async () => {
    const model = create("gin_graph", { hidden: 4, numLayers: 1 });
    const dataset = syntheticShapeGraphs({ numGraphs: 6 });
    await expect(fitGraphClassifier(model, dataset.train, { epochs: 1 })).rejects.toThrow(/outputs 2 classes but the labels have 3/);
  });

  it("says when edgeIndex is laid out as PyG's [2, numEdges]", () => {
    const model = create("gcn", { inputShape: [4], numClasses: 2 });
    const x = tf.ones([3, 4]);
    const pygLayout = tf.tensor2d([[0, 1, 1], [1, 0, 2]], [2, 3], "int32");
    expect(() => model.apply([x, pygLayout])).toThrow(/edgeIndex\.transpose\(\)/);
  });
});
