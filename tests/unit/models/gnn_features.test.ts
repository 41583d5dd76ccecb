/** models.features on a graph model: node embeddings from named layers, all nodes at once. */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { karateClub } from "../../../lib/data/graphs.js";
import { models } from "../../../lib/models/index.js";

describe("models.features on graph models", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  it("returns one row per node for every named layer", () => {
    const graph = karateClub();
    const model = models.create("gcn", { inputShape: [graph.numFeatures], numClasses: graph.numClasses });
    const hidden = model.layers.find((l) => l.getClassName() === "GCNConv")!.name;
    const features = models.features(model, [graph.x, graph.edgeIndex], { layers: [hidden] });
    expect(features[hidden].shape).toEqual([34, 16]);
    const probabilities = models.features(model, [graph.x, graph.edgeIndex], { layers: [model.layers.at(-1)!.name] });
    const sums = (tf.sum(Object.values(probabilities)[0], 1).arraySync() as number[]);
    sums.forEach((s) => expect(s).toBeCloseTo(1, 5));
  });
});
