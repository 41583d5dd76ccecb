// GCN on Zachary's karate club: semi-supervised with only the two leaders labelled (node 0, Mr. Hi;
// node 33, the administrator), the classic setup; the other 32 members are the test set.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { karateClub } from "../../../lib/data/graphs.js";
import "../../../lib/models/gcn.js";
import { evaluateNodes, fitNodeClassifier } from "../../../lib/models/graph_training.js";
import { getModelSpec } from "../../../lib/models/registry.js";
import { seed } from "../../../lib/repro/seed.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("gcn on the karate club", () => {
  for (const split of ["leaders", "two-per-class"] as const) {
    it(`reaches at least 90% test accuracy with the "${split}" split`, async () => {
      seed(0);
      const graph = karateClub({ split });
      const spec = getModelSpec("gcn");
      const model = spec.build({ ...spec.defaults, inputShape: [graph.numFeatures], numClasses: graph.numClasses });
      const history = await fitNodeClassifier(model, graph, { epochs: 100 });
      const test = evaluateNodes(model, graph);
      expect(history.history.loss[99]).toBeLessThan(history.history.loss[0]);
      expect(test.accuracy).toBeGreaterThanOrEqual(0.9);
    });
  }
});
