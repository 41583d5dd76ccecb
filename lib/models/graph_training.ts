/**
 * Training and prediction for the graph models, which model.fit cannot do
 * (their inputs, nodes and edges, differ in their first dimension; see
 * graph_inputs.ts). Full-batch node classification as in PyG's examples:
 * every epoch runs the model on the whole graph in training mode (dropout
 * on), takes the cross-entropy over the training nodes and steps the
 * optimizer (optimizer.minimize over model.trainableWeights); validation runs
 * in inference mode. Graph classification packs mini-batches of small graphs
 * with batchGraphs and does the same per batch.
 *
 * The returned history has tf.History's shape ({ epoch, history: { loss, acc,
 * val_loss, val_acc } }) and callbacks get tfjs's onEpochEnd(epoch, logs),
 * so live training curves work as with model.fit (plotted per epoch, as no
 * batches are reported). Training ends early when a callback sets
 * model.stopTraining (tf.callbacks.earlyStopping) or the cell is interrupted.
 */
import * as tf from "@tensorflow/tfjs";
import { batchGraphs, disposeGraphBatch, maskIndices, type SmallGraph } from "../data/graphs.js";
import { gatherRows } from "../layers/graph_segment.js";
import { host } from "../display/host.js";
import { createRandom, randomPermutation } from "../repro/random.js";
import { checkFeatureWidth, checkGraphTensors, graphModelKind, type GraphModelKind } from "./graph_guard.js";

/** Node features and edges of one graph, the inputs of a node-level model. */
export interface NodeGraphInputs {
  /** Node features [numNodes, F]. */
  x: tf.Tensor2D;
  /** Edges [numEdges, 2] int32. */
  edgeIndex: tf.Tensor2D;
}

/** What node classification training needs of a graph (lib/data's Graph has all of it). */
export interface LabelledGraph extends NodeGraphInputs {
  /** Node labels [numNodes] int32. */
  y: tf.Tensor1D;
  /** Number of classes. */
  numClasses: number;
  /** Default training nodes [numNodes] bool. */
  trainMask?: tf.Tensor1D;
  /** Default validation nodes [numNodes] bool. */
  valMask?: tf.Tensor1D;
}

/** A mask: a bool (or 0/1) tensor [numNodes], per-node booleans, or a list of node indices given as Int32Array. */
export type NodeMask = tf.Tensor | boolean[] | Int32Array;

/** Epoch callbacks, compatible with tfjs's CustomCallbackArgs (and so with live-curve callbacks for model.fit). */
export interface GraphTrainingCallbacks {
  /** Before the first epoch. */
  onTrainBegin?: (logs?: tf.Logs) => void | Promise<void>;
  /** After every epoch, with loss, acc and (when there is a validation set) val_loss, val_acc. */
  onEpochEnd?: (epoch: number, logs?: tf.Logs) => void | Promise<void>;
  /** After the last epoch. */
  onTrainEnd?: (logs?: tf.Logs) => void | Promise<void>;
}

/** Options shared by the graph training helpers. */
export interface GraphFitOptions {
  /** Epochs. Default 200 (PyG's examples). */
  epochs?: number;
  /** Optimizer; default Adam with `learningRate`. */
  optimizer?: tf.Optimizer;
  /** Adam's learning rate when no optimizer is given. Default 0.01. */
  learningRate?: number;
  /** L2 penalty as torch.optim.Adam's weight_decay (adds weightDecay · w to every gradient). Default 5e-4 for nodes, 0 for graphs. */
  weightDecay?: number;
  /** Callbacks (one object or a list). */
  callbacks?: GraphTrainingCallbacks | GraphTrainingCallbacks[];
}

/** Options of {@link fitNodeClassifier}. */
export interface FitNodeClassifierOptions extends GraphFitOptions {
  /** Labelled nodes to train on; default the graph's trainMask. */
  trainMask?: NodeMask;
  /** Nodes to report val_loss / val_acc on; default the graph's valMask (skipped when empty). */
  valMask?: NodeMask;
}

/** Per-epoch metrics, shaped as tf.History. */
export interface GraphTrainingHistory {
  /** Epoch numbers (0-based). */
  epoch: number[];
  /** Metric name (loss, acc, val_loss, val_acc) to its value per epoch. */
  history: Record<string, number[]>;
}

/** Loss and accuracy on a set of nodes or graphs. */
export interface ClassificationScore {
  /** Mean softmax cross-entropy. */
  loss: number;
  /** Share of correct argmax predictions, in [0, 1]. */
  accuracy: number;
}

function toIndices(mask: NodeMask, numNodes: number, what: string): Int32Array {
  const indices = mask instanceof Int32Array ? mask : maskIndices(mask);
  if (!(mask instanceof Int32Array) && (mask instanceof tf.Tensor ? mask.size : mask.length) !== numNodes) {
    throw new Error(`${what} must have one entry per node (${numNodes}); pass an Int32Array to give node indices instead.`);
  }
  if (indices.some((i) => i < 0 || i >= numNodes)) throw new Error(`${what} names a node outside 0..${numNodes - 1}.`);
  return indices;
}

/**
 * The callbacks as a list; tfjs Callback objects (viz.liveCurves(), tf.callbacks.earlyStopping())
 * get the model, as model.fit gives it, so they can set model.stopTraining.
 */
function callbackList(callbacks: GraphFitOptions["callbacks"], model: tf.LayersModel): GraphTrainingCallbacks[] {
  const list = callbacks ? (Array.isArray(callbacks) ? callbacks : [callbacks]) : [];
  for (const cb of list) (cb as { setModel?: (m: tf.LayersModel) => void }).setModel?.(model);
  model.stopTraining = false;
  return list;
}

/** Whether training should end after this epoch: a callback set model.stopTraining, or the cell was interrupted. */
function shouldStop(model: tf.LayersModel): boolean {
  return model.stopTraining || host().interrupted();
}

/**
 * Whether a model ends in softmax (the library's default head) rather than
 * logits (headActivation "linear"): its output layer is a softmax Activation.
 */
export function outputsProbabilities(model: tf.LayersModel): boolean {
  const last = model.outputLayers[0] as tf.layers.Layer | undefined;
  return last?.getClassName() === "Activation" && last.getConfig()["activation"] === "softmax";
}

/** Cross-entropy (mean) and accuracy of model outputs against integer labels, as tensors (inside a tidy). */
function lossAndAccuracy(
  outputs: tf.Tensor2D,
  labels: tf.Tensor1D,
  numClasses: number,
  probabilities: boolean,
): { loss: tf.Scalar; accuracy: tf.Scalar } {
  const oneHot = tf.oneHot(labels, numClasses);
  const loss = probabilities
    ? // Keras's categorical cross-entropy on probabilities, clipped so log(0) never appears.
      (tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(outputs, 1e-7, 1 - 1e-7))), -1))) as tf.Scalar)
    : (tf.losses.softmaxCrossEntropy(oneHot, outputs) as tf.Scalar);
  const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(outputs, -1), labels), "float32")) as tf.Scalar;
  return { loss, accuracy };
}

function l2Penalty(model: tf.LayersModel, weightDecay: number): tf.Scalar {
  if (weightDecay <= 0) return tf.scalar(0);
  const squares = model.trainableWeights.map((w) => tf.sum(tf.square(w.read())));
  return tf.mul(tf.addN(squares), weightDecay / 2) as tf.Scalar;
}

function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  // LayerVariable.read() returns the backing tf.Variable itself.
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** Classes the model outputs (the last axis of its output), checked against the labels' classes. */
function checkClassCount(model: tf.LayersModel, numClasses: number, where: string): void {
  const outputs = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (outputs !== numClasses) {
    throw new Error(
      `${where}: the model outputs ${outputs} classes but the labels have ${numClasses}; ` +
        `create the model with { numClasses: ${numClasses} }.`,
    );
  }
}

function checkEpochs(epochs: number): void {
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be a positive integer, got ${String(epochs)}.`);
}

function isTensorLike(value: unknown): value is tf.Tensor {
  return typeof value === "object" && value !== null && Array.isArray((value as tf.Tensor).shape);
}

/**
 * Checks the model and graph a node-level helper got, with one-line errors: a node-level graph model,
 * a graph with x [numNodes, F] and edgeIndex [numEdges, 2], and F equal to the model's feature width.
 */
function checkNodeArguments(model: tf.LayersModel, graph: NodeGraphInputs, where: string): void {
  checkGraphModel(model, "node", where);
  if (typeof graph !== "object" || graph === null || !isTensorLike(graph.x) || !isTensorLike(graph.edgeIndex)) {
    throw new Error(`${where}: the second argument must be a graph with x and edgeIndex tensors (e.g. data.karateClub()).`);
  }
  checkGraphTensors(graph.x, graph.edgeIndex, where);
  checkFeatureWidth(model, graph.x.shape[1], where);
}

/** Checks that the model is a graph model of the given kind (by its inputs), with a one-line error. */
function checkGraphModel(model: tf.LayersModel, kind: GraphModelKind, where: string): void {
  if (typeof model !== "object" || model === null || !Array.isArray((model as Partial<tf.LayersModel>).inputNames)) {
    throw new Error(`${where}: the first argument must be a graph model such as models.create("${kind === "node" ? "gcn" : "gin_graph"}").`);
  }
  const actual = graphModelKind(model);
  if (actual === kind) return;
  const wanted = kind === "node" ? 'a node classifier with inputs [x, edge_index] (gcn, gat, graphsage, gin, appnp, dagnn)' : 'a graph classifier with inputs [x, edge_index, batch] (gin_graph)';
  const other = actual === "graph" ? "; it classifies whole graphs: use models.fitGraphClassifier / evaluateGraphs / predictGraphs" :
    actual === "node" ? "; it classifies nodes: use models.fitNodeClassifier / evaluateNodes / predictNodes" : "";
  throw new Error(`${where} needs ${wanted}; ${model.name} has inputs [${model.inputNames.join(", ")}]${other}.`);
}

/** Checks the small graphs a graph-level helper got: a non-empty list, each with the model's feature width. */
function checkGraphList(model: tf.LayersModel, graphs: SmallGraph[], where: string): void {
  checkGraphModel(model, "graph", where);
  if (!Array.isArray(graphs)) throw new Error(`${where}: graphs must be a list of small graphs (e.g. data.syntheticShapeGraphs().train).`);
  if (graphs.length === 0) throw new Error(`${where} needs at least one graph.`);
  for (const width of new Set(graphs.map((g) => g.numFeatures))) checkFeatureWidth(model, width, where);
}

/** Yields to the event loop between epochs, so output, comms and interrupts get through. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Ends an epoch: adds the validation scores (when given) to `logs` as val_loss / val_acc, records
 * the logs in `history`, tells the callbacks, then yields to the event loop.
 */
async function endEpoch(
  history: GraphTrainingHistory,
  callbacks: GraphTrainingCallbacks[],
  epoch: number,
  logs: tf.Logs,
  validation: ClassificationScore | undefined,
): Promise<void> {
  if (validation) {
    logs.val_loss = validation.loss;
    logs.val_acc = validation.accuracy;
  }
  history.epoch.push(epoch);
  for (const [key, value] of Object.entries(logs)) (history.history[key] ??= []).push(value);
  for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs);
  await yieldToEventLoop();
}

/** Runs a node-level model on a graph: its outputs (probabilities or logits) [numNodes, C]. */
function nodeLogits(model: tf.LayersModel, graph: NodeGraphInputs, training: boolean): tf.Tensor2D {
  return model.apply([graph.x, graph.edgeIndex], { training }) as tf.Tensor2D;
}

/**
 * Trains a node classifier (gcn, gat, graphsage, gin, appnp, dagnn, or any
 * model with inputs [x, edge_index] and class probabilities or logits out) on one graph,
 * full-batch. Returns the per-epoch history.
 *
 * @example
 * const graph = karateClub();
 * const model = models.create("gcn", { inputShape: [graph.numFeatures], numClasses: graph.numClasses });
 * const history = await fitNodeClassifier(model, graph, { epochs: 100 });
 */
export async function fitNodeClassifier(
  model: tf.LayersModel,
  graph: LabelledGraph,
  options: FitNodeClassifierOptions = {},
): Promise<GraphTrainingHistory> {
  const { epochs = 200, learningRate = 0.01, weightDecay = 5e-4 } = options;
  checkNodeArguments(model, graph, "fitNodeClassifier");
  checkEpochs(epochs);
  checkClassCount(model, graph.numClasses, "fitNodeClassifier");
  const numNodes = graph.x.shape[0];
  const trainMask = options.trainMask ?? graph.trainMask;
  if (!trainMask) throw new Error("fitNodeClassifier needs training nodes: give options.trainMask or a graph with trainMask.");
  const trainIndex = toIndices(trainMask, numNodes, "trainMask");
  if (trainIndex.length === 0) throw new Error("trainMask selects no node; label at least one node per class.");
  const valMask = options.valMask ?? graph.valMask;
  const valIndex = valMask ? toIndices(valMask, numNodes, "valMask") : new Int32Array(0);
  const optimizer = options.optimizer ?? tf.train.adam(learningRate);
  const variables = trainableVariables(model);
  const probabilities = outputsProbabilities(model);
  const trainLabels = gatherRows(graph.y, trainIndex);
  const history: GraphTrainingHistory = { epoch: [], history: { loss: [], acc: [] } };
  const callbacks = callbackList(options.callbacks, model);
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.();
    for (let epoch = 0; epoch < epochs; epoch++) {
      let accuracy: tf.Scalar | undefined;
      const loss = optimizer.minimize(() => {
        const logits = gatherRows(nodeLogits(model, graph, true), trainIndex);
        const scores = lossAndAccuracy(logits, trainLabels, graph.numClasses, probabilities);
        accuracy = tf.keep(scores.accuracy);
        return tf.add(scores.loss, l2Penalty(model, weightDecay)) as tf.Scalar;
      }, true, variables)!;
      const logs: tf.Logs = { loss: (await loss.data())[0], acc: (await accuracy!.data())[0] };
      tf.dispose([loss, accuracy!]);
      await endEpoch(history, callbacks, epoch, logs, valIndex.length > 0 ? evaluateNodes(model, graph, valIndex) : undefined);
      if (shouldStop(model)) break;
    }
    for (const cb of callbacks) await cb.onTrainEnd?.();
  } finally {
    trainLabels.dispose();
    if (!options.optimizer) optimizer.dispose();
  }
  return history;
}

/** Class probabilities [numNodes, C] of a node-level model on a graph (inference mode; softmax applied to logit models). */
export function predictNodes(model: tf.LayersModel, graph: NodeGraphInputs): tf.Tensor2D {
  checkNodeArguments(model, graph, "predictNodes");
  return tf.tidy(() => {
    const outputs = nodeLogits(model, graph, false);
    return outputsProbabilities(model) ? outputs : tf.softmax(outputs);
  });
}

/** Loss and accuracy of a node-level model on the nodes of `mask` (default the graph's testMask), inference mode. */
export function evaluateNodes(
  model: tf.LayersModel,
  graph: NodeGraphInputs & { y: tf.Tensor1D; testMask?: tf.Tensor1D },
  mask?: NodeMask,
): ClassificationScore {
  checkNodeArguments(model, graph, "evaluateNodes");
  const selected = mask ?? graph.testMask;
  if (!selected) throw new Error("evaluateNodes needs a mask of nodes, or a graph with testMask.");
  const indices = toIndices(selected, graph.x.shape[0], "mask");
  if (indices.length === 0) throw new Error("the mask selects no node to evaluate.");
  const [loss, accuracy] = tf.tidy(() => {
    const logits = nodeLogits(model, graph, false);
    const scores = lossAndAccuracy(gatherRows(logits, indices), gatherRows(graph.y, indices), logits.shape[1], outputsProbabilities(model));
    return [scores.loss, scores.accuracy];
  });
  const result = { loss: loss.dataSync()[0], accuracy: accuracy.dataSync()[0] };
  tf.dispose([loss, accuracy]);
  return result;
}

/** Options of {@link fitGraphClassifier}. */
export interface FitGraphClassifierOptions extends GraphFitOptions {
  /** Graphs per mini-batch. Default 64. */
  batchSize?: number;
  /** Graphs to report val_loss / val_acc on after each epoch. */
  validationGraphs?: SmallGraph[];
  /** Seed of the shuffling of graphs each epoch. Default 0. */
  seed?: number;
}

/** Runs a graph-level model on a batch: its outputs (probabilities or logits) [numGraphs, C]. */
function graphLogits(model: tf.LayersModel, batch: ReturnType<typeof batchGraphs>, training: boolean): tf.Tensor2D {
  return model.apply([batch.x, batch.edgeIndex, batch.batch], { training }) as tf.Tensor2D;
}

/**
 * Trains a graph classifier (gin_graph, or any model with inputs
 * [x, edge_index, batch] and one probability or logit row per graph) on a list of small
 * graphs, in shuffled mini-batches (seeded). Returns the per-epoch history
 * (loss and acc are means over the epoch's batches, weighted by graphs).
 */
export async function fitGraphClassifier(
  model: tf.LayersModel,
  graphs: SmallGraph[],
  options: FitGraphClassifierOptions = {},
): Promise<GraphTrainingHistory> {
  const { epochs = 100, learningRate = 0.01, weightDecay = 0, batchSize = 64, seed = 0 } = options;
  checkGraphList(model, graphs, "fitGraphClassifier");
  checkEpochs(epochs);
  const numClasses = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  const labelClasses = graphs.reduce((most, g) => Math.max(most, g.label + 1), 0);
  if (labelClasses > numClasses) checkClassCount(model, labelClasses, "fitGraphClassifier");
  const optimizer = options.optimizer ?? tf.train.adam(learningRate);
  const variables = trainableVariables(model);
  const probabilities = outputsProbabilities(model);
  const random = createRandom(seed);
  const history: GraphTrainingHistory = { epoch: [], history: { loss: [], acc: [] } };
  const callbacks = callbackList(options.callbacks, model);
  try {
    for (const cb of callbacks) await cb.onTrainBegin?.();
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = randomPermutation(graphs.length, random);
      let lossSum = 0;
      let correctSum = 0;
      for (let start = 0; start < graphs.length; start += batchSize) {
        const batch = batchGraphs(Array.from(order.slice(start, start + batchSize), (i) => graphs[i]));
        let accuracy: tf.Scalar | undefined;
        const loss = optimizer.minimize(() => {
          const scores = lossAndAccuracy(graphLogits(model, batch, true), batch.y, numClasses, probabilities);
          accuracy = tf.keep(scores.accuracy);
          return tf.add(scores.loss, l2Penalty(model, weightDecay)) as tf.Scalar;
        }, true, variables)!;
        lossSum += (await loss.data())[0] * batch.numGraphs;
        correctSum += (await accuracy!.data())[0] * batch.numGraphs;
        tf.dispose([loss, accuracy!]);
        disposeGraphBatch(batch);
      }
      const logs: tf.Logs = { loss: lossSum / graphs.length, acc: correctSum / graphs.length };
      const validation = options.validationGraphs?.length ? evaluateGraphs(model, options.validationGraphs) : undefined;
      await endEpoch(history, callbacks, epoch, logs, validation);
      if (shouldStop(model)) break;
    }
    for (const cb of callbacks) await cb.onTrainEnd?.();
  } finally {
    if (!options.optimizer) optimizer.dispose();
  }
  return history;
}

/** Class probabilities [numGraphs, C] of a graph-level model for a list of small graphs (inference mode). */
export function predictGraphs(model: tf.LayersModel, graphs: SmallGraph[]): tf.Tensor2D {
  checkGraphList(model, graphs, "predictGraphs");
  const batch = batchGraphs(graphs);
  try {
    return tf.tidy(() => {
      const outputs = graphLogits(model, batch, false);
      return outputsProbabilities(model) ? outputs : tf.softmax(outputs);
    });
  } finally {
    disposeGraphBatch(batch);
  }
}

/** Loss and accuracy of a graph-level model on a list of small graphs (inference mode). */
export function evaluateGraphs(model: tf.LayersModel, graphs: SmallGraph[]): ClassificationScore {
  checkGraphList(model, graphs, "evaluateGraphs");
  const classes = model.outputs[0].shape[model.outputs[0].shape.length - 1] as number;
  const tooLarge = graphs.find((g) => g.label >= classes);
  if (tooLarge) throw new Error(`evaluateGraphs: a graph has label ${tooLarge.label} but the model outputs ${classes} classes.`);
  const batch = batchGraphs(graphs);
  try {
    const [loss, accuracy] = tf.tidy(() => {
      const logits = graphLogits(model, batch, false);
      const scores = lossAndAccuracy(logits, batch.y, logits.shape[1], outputsProbabilities(model));
      return [scores.loss, scores.accuracy];
    });
    const result = { loss: loss.dataSync()[0], accuracy: accuracy.dataSync()[0] };
    tf.dispose([loss, accuracy]);
    return result;
  } finally {
    disposeGraphBatch(batch);
  }
}
