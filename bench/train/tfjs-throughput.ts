/**
 * Training and inference throughput of a model on the current tfjs backend,
 * shared by bench/train/models.ts and bench/parity/torch-parity.ts: an image
 * classifier's trainOnBatch / predict on one random batch, and the GCN's
 * epochs (training step + test evaluation) and full-graph passes. Each figure
 * is by wall clock and by this process's CPU time (all its threads).
 */
import { tf } from "../../lib/backend/index.js";
import { type Graph } from "../../lib/data/graphs.js";
import { evaluateNodes, fitNodeClassifier, predictNodes } from "../../lib/models/graph_training.js";
import { models } from "../../lib/models/index.js";
import { type Throughput } from "./torch-reference.js";

/** Steps to time on one backend: warm-up steps are run first and not counted. */
export interface StepPlan {
  warmup: number;
  train: number;
  infer: number;
}

/** Training and inference throughput of one model on one backend. */
export interface Measured {
  train: Throughput;
  infer: Throughput;
}

/** Runs `step` `steps` times; `itemsPerStep` images (or epochs, passes) per step, per second. */
export async function measure(steps: number, itemsPerStep: number, step: () => Promise<void>): Promise<Throughput> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { wall: (itemsPerStep * steps) / wallS, cpu: (itemsPerStep * steps) / cpuS };
}

/** models.create(name), compiled with `optimizer` and categorical cross-entropy. */
export function compiledModel(name: string, optimizer: tf.Optimizer): tf.LayersModel {
  const model = models.create(name);
  model.compile({ optimizer, loss: "categoricalCrossentropy" });
  return model;
}

/**
 * Image classifier (already compiled): trainOnBatch and predict on one random
 * batch of `batch` images, on the current backend. predict takes the whole batch
 * in one call (tfjs's default would split it into batches of 32), as the PyTorch
 * reference's forward pass does. Disposes the model and its
 * optimizer afterwards.
 */
export async function benchImageModel(model: tf.LayersModel, batch: number, plan: StepPlan): Promise<Measured> {
  const [height, width, channels] = model.inputs[0]!.shape.slice(1) as number[];
  const numClasses = model.outputs[0]!.shape.at(-1)!;
  const x = tf.randomUniform([batch, height!, width!, channels!]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, numClasses, "int32"), numClasses));
  const trainStep = async () => {
    await model.trainOnBatch(x, y);
  };
  const inferStep = async () => {
    const out = model.predict(x, { batchSize: batch }) as tf.Tensor;
    await out.data();
    out.dispose();
  };
  for (let i = 0; i < plan.warmup; i++) await trainStep();
  const train = await measure(plan.train, batch, trainStep);
  for (let i = 0; i < plan.warmup; i++) await inferStep();
  const infer = await measure(plan.infer, batch, inferStep);
  model.optimizer.dispose();
  model.dispose();
  tf.dispose([x, y]);
  return { train, infer };
}

/** GCN on a graph: epochs per second (training step + test evaluation) and full-graph inference passes per second. */
export async function benchGcn(graph: Graph, plan: StepPlan): Promise<Measured> {
  const model = models.create("gcn", { inputShape: [graph.numFeatures], numClasses: graph.numClasses });
  const fit = (epochs: number) =>
    fitNodeClassifier(model, graph, {
      epochs,
      valMask: new Int32Array(0),
      callbacks: { onEpochEnd: () => void evaluateNodes(model, graph) },
    });
  if (plan.warmup > 0) await fit(plan.warmup);
  // One fit call of plan.train epochs, timed as a whole (Adam is created once per call, as in a real run).
  const train = await measure(1, plan.train, async () => {
    await fit(plan.train);
  });
  const inferStep = async () => {
    const probabilities = predictNodes(model, graph);
    await probabilities.data();
    probabilities.dispose();
  };
  await inferStep();
  const infer = await measure(plan.infer, 1, inferStep);
  model.dispose();
  return { train, infer };
}
