/**
 * What a graph model says when it is used like an image model, and the
 * checks the graph helpers make on their inputs, so a mistake ends in one
 * line naming the fix instead of a tfjs shape error.
 *
 * tf.LayersModel's fit / evaluate / predict cut every input into batches of
 * one length, which nodes and edges do not share; on a graph model (inputs
 * named x, edge_index and, for graph-level models, batch) those methods are
 * replaced by ones that throw an error pointing to the models.* helpers.
 */
import type * as tf from "@tensorflow/tfjs";

/** Whether a model classifies nodes (inputs x, edge_index) or whole graphs (x, edge_index, batch). */
export type GraphModelKind = "node" | "graph";

/** The kind of graph model, from its input names; undefined for any other model. */
export function graphModelKind(model: tf.LayersModel): GraphModelKind | undefined {
  const names = model.inputNames ?? [];
  if (names[0] !== "x" || names[1] !== "edge_index") return undefined;
  if (names.length === 2) return "node";
  return names.length === 3 && names[2] === "batch" ? "graph" : undefined;
}

const POINTERS: Record<GraphModelKind, Record<string, string>> = {
  node: {
    fit: "train it with models.fitNodeClassifier(model, graph, { epochs: 100 })",
    evaluate: "score it with models.evaluateNodes(model, graph)",
    predict: "predict with models.predictNodes(model, graph)",
  },
  graph: {
    fit: "train it with models.fitGraphClassifier(model, graphs, { epochs: 100 })",
    evaluate: "score it with models.evaluateGraphs(model, graphs)",
    predict: "predict with models.predictGraphs(model, graphs)",
  },
};

/** LayersModel methods that batch their inputs, and the helper each one's error points to. */
const GUARDED: Record<string, "fit" | "evaluate" | "predict"> = {
  fit: "fit",
  fitDataset: "fit",
  trainOnBatch: "fit",
  evaluate: "evaluate",
  evaluateDataset: "evaluate",
  predict: "predict",
  predictOnBatch: "predict",
};

/** The one-line error a graph model's `method` throws. */
export function graphMethodError(model: tf.LayersModel, kind: GraphModelKind, method: string): Error {
  const pointer = POINTERS[kind][GUARDED[method] ?? "fit"];
  return new Error(
    `${model.name} is a graph model: model.${method} splits every input into batches of one length, which nodes and edges do not share; ${pointer}.`,
  );
}

/**
 * Replaces fit, fitDataset, trainOnBatch, evaluate, evaluateDataset, predict
 * and predictOnBatch on a graph model with methods that throw
 * {@link graphMethodError}; other models are returned untouched.
 */
export function guardGraphModel<T extends tf.LayersModel>(model: T): T {
  const kind = graphModelKind(model);
  if (!kind) return model;
  for (const method of Object.keys(GUARDED)) {
    Object.defineProperty(model, method, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: () => {
        throw graphMethodError(model, kind, method);
      },
    });
  }
  return model;
}

/** Features per node a graph model was built for (the last axis of its x input). */
export function modelFeatureWidth(model: tf.LayersModel): number | undefined {
  const shape = model.inputs[0]?.shape;
  const width = shape?.[shape.length - 1];
  return typeof width === "number" ? width : undefined;
}

/**
 * Throws a one-line error when a graph's node features are not as wide as the
 * model's x input, naming both widths and how to build a matching model.
 */
export function checkFeatureWidth(model: tf.LayersModel, graphWidth: number, where: string): void {
  const modelWidth = modelFeatureWidth(model);
  if (modelWidth !== undefined && modelWidth !== graphWidth) {
    throw new Error(
      `${where}: the model was built for ${modelWidth} features per node but the graph has ${graphWidth}; ` +
        `create it with { inputShape: [${graphWidth}] } or { graph }.`,
    );
  }
}

/** Throws a one-line error unless node features are [numNodes, F] and edges [numEdges, 2]. */
export function checkGraphTensors(x: { shape: number[] }, edgeIndex: { shape: number[] }, where: string): void {
  if (x.shape.length !== 2) throw new Error(`${where}: node features x must be [numNodes, numFeatures], got [${x.shape.join(", ")}].`);
  if (edgeIndex.shape.length !== 2 || edgeIndex.shape[1] !== 2) {
    const hint = edgeIndex.shape.length === 2 && edgeIndex.shape[0] === 2 ? " (PyG's edge_index is [2, numEdges]: transpose it)" : "";
    throw new Error(`${where}: edgeIndex must be [numEdges, 2] rows of (source, target), got [${edgeIndex.shape.join(", ")}]${hint}.`);
  }
}
