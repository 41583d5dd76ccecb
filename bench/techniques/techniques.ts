/**
 * The paper techniques on small, short runs (wasm backend):
 *   quantize  float vs int8 per tensor vs int8 per channel (weights + calibrated
 *             activations) vs 4-bit weights (PTQ, then QAT fine-tuning) on MNIST
 *             (mnist_cnn) and the shapes set (resnet20), with saved weights.bin sizes
 *   rotnet    RotNet pretraining on MNIST rotations (no digit labels), then a linear
 *             probe with 1% of the labels (600), against the same probe on random-init
 *             features of the same architecture
 *   svm       CNN-SVM (head "svm", squared hinge) against softmax on MNIST, same budget
 *
 * Run: npx vite-node bench/techniques/techniques.ts [quantize|quantize-mnist|quantize-shapes|rotnet|svm ...]
 * (all three without arguments). Subset sizes and epochs are at the top; they are
 * small so a loaded 2-core machine finishes in minutes, not full-dataset figures.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { data } from "../../lib/data/index.js";
import { models } from "../../lib/models/index.js";
import { seed } from "../../lib/repro/index.js";

const MNIST_TRAIN = 4096;
const MNIST_TEST = 1000;
const MNIST_EPOCHS = 2;
const SHAPES_TRAIN = 900;
const SHAPES_TEST = 300;
const SHAPES_SIZE = 16;
const SHAPES_EPOCHS = 6;
const QAT_EPOCHS = 1;
const ROTNET_IMAGES = 2000; // x4 rotations
const ROTNET_EPOCHS = 3;
const PROBE_LABELS = 600; // 1% of MNIST's 60,000 training labels
const PROBE_EPOCHS = 100;

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)} load ${loadavg()[0].toFixed(1)}] ${line}`);

function accuracy(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor): number {
  let correct = 0;
  for (let start = 0; start < x.shape[0]; start += 250) {
    const size = Math.min(250, x.shape[0] - start);
    correct += tf.tidy(() => {
      const scores = model.predict(tf.slice(x, start, size)) as tf.Tensor;
      return tf.sum(tf.cast(tf.equal(tf.argMax(scores, -1), tf.slice(labels, start, size)), "float32")).dataSync()[0];
    });
  }
  return correct / x.shape[0];
}

async function savedBytes(model: tf.LayersModel, dir: string): Promise<number> {
  await models.save(model, dir);
  return (await stat(join(dir, "weights.bin"))).size;
}

interface Split {
  x: tf.Tensor;
  y: tf.Tensor; // one-hot
  labels: tf.Tensor; // ids
}

async function quantizeCase(name: string, net: tf.LayersModel, train: Split, test: Split, epochs: number, lr: number, root: string): Promise<void> {
  const started = Date.now();
  net.compile({ optimizer: tf.train.adam(lr), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  await net.fit(train.x, train.y, { epochs, batchSize: 64, shuffle: true, verbose: 0 });
  // One more epoch at a third of the rate lets BatchNorm's running statistics settle (resnet20 at 3e-3 otherwise scores near chance in inference mode).
  net.compile({ optimizer: tf.train.adam(lr / 3), loss: "categoricalCrossentropy" });
  await net.fit(train.x, train.y, { epochs: 1, batchSize: 64, shuffle: true, verbose: 0 });
  const calibration = tf.slice(train.x, 0, 256);
  const rows: [string, number, number][] = [];
  const floatAcc = accuracy(net, test.x, test.labels);
  rows.push(["float32", floatAcc, await savedBytes(net, join(root, `${name}-float`))]);
  const variants: [string, Parameters<typeof models.quantize>[1]][] = [
    ["int8 per tensor (weights + activations)", { perChannel: false, activations: "int8", calibration }],
    ["int8 per channel (weights + activations)", { perChannel: true, activations: "int8", calibration }],
    ["4-bit per channel weights, PTQ", { perChannel: true, bits: 4, activations: "none" }],
  ];
  for (const [label, options] of variants) {
    const q = await models.quantize(net, options);
    rows.push([label, accuracy(q, test.x, test.labels), await savedBytes(q, join(root, `${name}-${rows.length}`))]);
    q.dispose();
  }
  const qat = await models.quantize(net, { perChannel: true, bits: 4, training: true, activations: "int8", calibration });
  qat.compile({ optimizer: tf.train.adam(lr / 3), loss: "categoricalCrossentropy" });
  await qat.fit(train.x, train.y, { epochs: QAT_EPOCHS, batchSize: 64, shuffle: true, verbose: 0 });
  rows.push([`4-bit per channel weights + int8 activations, QAT ${QAT_EPOCHS} epoch`, accuracy(qat, test.x, test.labels), await savedBytes(qat, join(root, `${name}-qat`))]);
  qat.dispose();
  // Control for the QAT row: the float model trained for the same extra epochs.
  net.compile({ optimizer: tf.train.adam(lr / 3), loss: "categoricalCrossentropy" });
  await net.fit(train.x, train.y, { epochs: QAT_EPOCHS, batchSize: 64, shuffle: true, verbose: 0 });
  rows.push([`float32 + ${QAT_EPOCHS} epoch (control for QAT)`, accuracy(net, test.x, test.labels), rows[0][2]]);
  calibration.dispose();
  log(`${name}: ${train.x.shape[0]} train / ${test.x.shape[0]} test images, ${epochs} + 1 float epochs, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log("| model | variant | test accuracy | change vs float | weights.bin | size vs float |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const [label, acc, bytes] of rows) {
    console.log(`| ${name} | ${label} | ${(100 * acc).toFixed(1)}% | ${(100 * (acc - floatAcc)).toFixed(1)} pts | ${(bytes / 1024).toFixed(0)} KiB | ${(rows[0][2] / bytes).toFixed(2)}x smaller |`);
  }
}

function mnistSplit(split: "train" | "test", limit: number): Split {
  const set = data.mnist({ split, limit });
  return { x: set.images, y: set.oneHot(), labels: set.labels };
}

async function quantizeMnist(root: string): Promise<void> {
  const train = mnistSplit("train", MNIST_TRAIN);
  const test = mnistSplit("test", MNIST_TEST);
  await quantizeCase("mnist_cnn", models.create("mnist_cnn"), train, test, MNIST_EPOCHS, 1e-3, root);
}

async function quantizeShapes(root: string): Promise<void> {
  const shapes = data.shapes({ n: SHAPES_TRAIN + SHAPES_TEST, size: SHAPES_SIZE, seed: 3 });
  const x = shapes.images;
  const labels = shapes.labels;
  const y = tf.oneHot(labels, 3);
  const part = (start: number, size: number): Split => ({ x: tf.slice(x, start, size), y: tf.slice(y, start, size), labels: tf.slice(labels, start, size) });
  const net = models.create("resnet20", { inputShape: [SHAPES_SIZE, SHAPES_SIZE, shapes.images.shape[3]], numClasses: 3 });
  await quantizeCase("resnet20 (shapes)", net, part(0, SHAPES_TRAIN), part(SHAPES_TRAIN, SHAPES_TEST), SHAPES_EPOCHS, 3e-3, root);
}

async function rotnetBench(): Promise<void> {
  const started = Date.now();
  const unlabeled = data.mnist({ split: "train", limit: ROTNET_IMAGES });
  const rot = data.rotations(unlabeled.images);
  const rotTargets = rot.oneHot();
  const arch = { inputShape: [28, 28, 1], activation: "relu" };
  const pretrained = models.create("lenet5", { ...arch, numClasses: 4 });
  pretrained.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const history = await pretrained.fit(rot.images, rotTargets, { epochs: ROTNET_EPOCHS, batchSize: 64, shuffle: true, verbose: 0 });
  const rotAcc = (history.history.acc ?? history.history.accuracy) as number[];
  const random = models.create("lenet5", { ...arch, numClasses: 4 });
  const labelled = data.mnist({ split: "train", limit: ROTNET_IMAGES + PROBE_LABELS });
  const probeX = tf.slice(labelled.images, ROTNET_IMAGES, PROBE_LABELS); // images the pretraining never saw
  const probeY = tf.slice(labelled.labels, ROTNET_IMAGES, PROBE_LABELS);
  const test = data.mnist({ split: "test", limit: MNIST_TEST });
  log(`RotNet: lenet5 (relu) on ${4 * ROTNET_IMAGES} rotated MNIST images, ${ROTNET_EPOCHS} epochs, rotation accuracy ${(100 * rotAcc.at(-1)!).toFixed(1)}%`);
  console.log("| features | layer | probe test accuracy (600 labels) | probe train accuracy |");
  console.log("| --- | --- | --- | --- |");
  for (const layer of ["S4", "C5", "F6"]) {
    for (const [label, net] of [["RotNet-pretrained", pretrained], ["random init", random]] as const) {
      const result = await models.linearProbe(net, { layer, train: { x: probeX, y: probeY }, test: { x: test.images, y: test.labels }, epochs: PROBE_EPOCHS });
      console.log(`| ${label} | ${layer} | ${(100 * result.accuracy).toFixed(1)}% | ${(100 * result.trainAccuracy).toFixed(1)}% |`);
      result.probe.dispose();
    }
  }
  log(`RotNet done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function svmBench(): Promise<void> {
  const started = Date.now();
  const train = mnistSplit("train", MNIST_TRAIN);
  const test = mnistSplit("test", MNIST_TEST);
  console.log("| model | head | loss | test accuracy |");
  console.log("| --- | --- | --- | --- |");
  for (const head of ["softmax", "svm"] as const) {
    const net = models.create("mnist_cnn", { head });
    const loss = head === "svm" ? models.svmLoss : "categoricalCrossentropy";
    net.compile({ optimizer: tf.train.adam(1e-3), loss });
    await net.fit(train.x, train.y, { epochs: MNIST_EPOCHS, batchSize: 64, shuffle: true, verbose: 0 });
    console.log(`| mnist_cnn | ${head} | ${head === "svm" ? "squared hinge (models.svmLoss)" : "cross-entropy"} | ${(100 * accuracy(net, test.x, test.labels)).toFixed(1)}% |`);
    net.dispose();
  }
  log(`CNN-SVM: ${MNIST_TRAIN} train / ${MNIST_TEST} test images, ${MNIST_EPOCHS} epochs each, ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const wanted = process.argv.slice(2);
const run = (name: string) => wanted.length === 0 || wanted.includes(name);
const info = await initBackend("wasm");
seed(1);
log(`backend ${info.name}, threads ${info.threads ?? "?"}`);
const root = await mkdtemp(join(tmpdir(), "tensorcell-techniques-"));
try {
  if (run("quantize") || run("quantize-mnist")) await quantizeMnist(root);
  if (run("quantize") || run("quantize-shapes")) await quantizeShapes(root);
  if (run("rotnet")) await rotnetBench();
  if (run("svm")) await svmBench();
} finally {
  await rm(root, { recursive: true, force: true });
}
