// The graph models as cells reach them through `models`: the training helpers on the namespace,
// PyG option names, sizes from a `graph` option, and one-line errors for fit/predict/evaluate
// on a graph model and for a graph of another feature width.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { expectOneLineError } from "../../helpers/one-line-error.js";
import { karateClub, syntheticShapeGraphs } from "../../../lib/data/graphs.js";
import { models } from "../../../lib/models/index.js";

const graph = karateClub();

describe("graph models on the models namespace", () => {
  it("exposes the training, scoring and prediction helpers", () => {
    for (const name of ["fitNodeClassifier", "evaluateNodes", "predictNodes", "fitGraphClassifier", "evaluateGraphs", "predictGraphs"]) {
      expect(typeof (models as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("takes inputShape and numClasses from a graph option", () => {
    const gcn = models.create("gcn", { graph });
    expect(gcn.inputs[0].shape).toEqual([null, 34]);
    expect(gcn.outputs[0].shape).toEqual([null, 2]);
    const set = syntheticShapeGraphs({ numGraphs: 12 });
    const gin = models.create("gin_graph", { graph: set });
    expect(gin.inputs[0].shape).toEqual([null, set.numFeatures]);
    expect(gin.outputs[0].shape).toEqual([null, set.numClasses]);
    const fromList = models.create("gin_graph", { graph: set.train });
    expect(fromList.inputs[0].shape).toEqual([null, set.numFeatures]);
  });

  it("accepts PyG's option names", () => {
    const gcn = models.create("gcn", { in_channels: 34, hidden_channels: 8, out_channels: 2, num_layers: 2 });
    expect(gcn.getLayer("conv1").outputShape).toEqual([null, 8]);
    expect(gcn.inputs[0].shape).toEqual([null, 34]);
    expect(gcn.outputs[0].shape).toEqual([null, 2]);
    const gin = models.create("gin_graph", { in_channels: 7, hidden_channels: 16, out_channels: 3, num_layers: 2 });
    expect(gin.layers.filter((l) => l.getClassName() === "GINConv")).toHaveLength(2);
  });

  it("gives one-line errors for contradicting or unsupported PyG options", () => {
    expect(expectOneLineError(() => models.create("gcn", { hidden: 16, hidden_channels: 32 }), /^models\.create\("gcn"\): hidden_channels gives/).message).toBe(
      'models.create("gcn"): hidden_channels gives hidden 32 but hidden is 16; give one of them.',
    );
    expect(expectOneLineError(() => models.create("gcn", { num_layers: 3 }), /^models\.create\("gcn"\): gcn has the 2 layers/).message).toBe(
      'models.create("gcn"): gcn has the 2 layers of its paper\'s setup, so num_layers must be 2; got 3.',
    );
    expect(expectOneLineError(() => models.create("gcn", { graph, inputShape: [1433] }), /^models\.create\("gcn"\): inputShape \[1433\] does not match/).message).toBe(
      'models.create("gcn"): inputShape [1433] does not match the graph\'s 34 features per node; leave inputShape out to take it from the graph.',
    );
    expectOneLineError(() => models.create("gcn", { in_channels: 0 }), /in_channels must be a positive integer/);
    expectOneLineError(() => models.create("gcn", { graph: 5 as never }), /option graph must be a graph with node features/);
    expectOneLineError(() => models.create("resnet18", { hidden_channels: 4 }), /unknown option "hidden_channels"/);
  });

  it("makes fit, evaluate and predict of a graph model point to the helpers", () => {
    const gcn = models.create("gcn", { graph });
    expect(expectOneLineError(() => gcn.fit(graph.x, graph.y), /^gcn is a graph model: model\.fit /).message).toBe(
      "gcn is a graph model: model.fit splits every input into batches of one length, which nodes and edges do not share; " +
        "train it with models.fitNodeClassifier(model, graph, { epochs: 100 }).",
    );
    expectOneLineError(() => gcn.predict([graph.x, graph.edgeIndex]), /model\.predict .*predict with models\.predictNodes\(model, graph\)\.$/);
    expectOneLineError(() => gcn.evaluate(graph.x, graph.y), /score it with models\.evaluateNodes\(model, graph\)\.$/);
    const gin = models.create("gin_graph");
    expectOneLineError(() => gin.fit(graph.x, graph.y), /train it with models\.fitGraphClassifier\(model, graphs/);
    const cnn = models.create("lenet5");
    expect(cnn.fit).toBe(tf.LayersModel.prototype.fit); // image models keep tfjs's methods
  });

  it("names both feature widths when a graph does not fit the model", async () => {
    const cora = models.create("gcn"); // 1433 features per node
    const expected = "fitNodeClassifier: the model was built for 1433 features per node but the graph has 34; create it with { inputShape: [34] } or { graph }.";
    await expect(models.fitNodeClassifier(cora, graph, { epochs: 1 })).rejects.toThrow(expected);
    expectOneLineError(() => models.evaluateNodes(cora, graph), /^evaluateNodes: the model was built for 1433 features per node but the graph has 34/);
    expectOneLineError(() => models.predictNodes(cora, graph), /^predictNodes: the model was built for 1433/);
  });

  it("says which helper family a model belongs to", async () => {
    const gin = models.create("gin_graph");
    await expect(models.fitNodeClassifier(gin, graph, { epochs: 1 })).rejects.toThrow(
      "fitNodeClassifier needs a node classifier with inputs [x, edge_index] (gcn, gat, graphsage, gin, appnp, dagnn); " +
        "gin_graph has inputs [x, edge_index, batch]; it classifies whole graphs: use models.fitGraphClassifier / evaluateGraphs / predictGraphs.",
    );
    expect(expectOneLineError(() => models.evaluateNodes(models.create("gcn", { graph }), {} as never), /^evaluateNodes: the second argument must be a graph/).message).toBe(
      "evaluateNodes: the second argument must be a graph with x and edgeIndex tensors (e.g. data.karateClub()).",
    );
  });
});
