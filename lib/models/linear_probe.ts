/**
 * Linear evaluation of learned features, as self-supervised papers score
 * them (e.g. Gidaris et al. 2018, RotNet, section 3): the network is frozen,
 * the activations of one layer are flattened, and only a linear softmax
 * classifier on top of them is trained on labelled data; its test accuracy
 * measures how linearly separable the features are.
 */
import * as tf from "@tensorflow/tfjs";
import { extractFeatures } from "./features.js";

/** Labelled examples: inputs and labels (class ids [n] or one-hot [n, classes]). */
export interface ProbeSplit {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** Options of `models.linearProbe`. */
export interface LinearProbeOptions {
  /** The frozen layer whose output is the feature (a layer name, a models.features name such as "pool2", or an index). */
  layer: string | number;
  /** Training examples for the linear classifier. */
  train: ProbeSplit;
  /** Held-out examples the accuracy is measured on. */
  test: ProbeSplit;
  /** Epochs of the classifier. Default 50. */
  epochs?: number;
  /** Adam learning rate. Default 0.01. */
  learningRate?: number;
  /** Batch size. Default 64. */
  batchSize?: number;
  /** Number of classes. Default: from one-hot labels, else the largest class id + 1. */
  numClasses?: number;
}

/** What `models.linearProbe` returns. */
export interface LinearProbeResult {
  /** Test accuracy of the linear classifier, 0..1. */
  accuracy: number;
  /** Training accuracy. */
  trainAccuracy: number;
  /** Length of the flattened feature vector. */
  featureSize: number;
  /** The trained classifier (Dense softmax over the flattened features); dispose when done. */
  probe: tf.LayersModel;
}

const WHERE = "models.linearProbe";

/**
 * Trains a linear softmax classifier on the frozen, flattened features of
 * `options.layer` (the model's weights are not touched) and returns its test
 * accuracy, training accuracy and the classifier.
 */
export async function linearProbe(model: tf.LayersModel, options: LinearProbeOptions): Promise<LinearProbeResult> {
  if (!model || !Array.isArray((model as Partial<tf.LayersModel>).layers)) throw new Error(`${WHERE}: the first argument must be a tf.LayersModel (e.g. from models.create).`);
  if (!options || typeof options !== "object") throw new Error(`${WHERE}: options must be { layer, train: { x, y }, test: { x, y } }.`);
  if (options.layer === undefined) throw new Error(`${WHERE}: say which frozen layer to probe, e.g. { layer: "pool2" }.`);
  const train = checkSplit(options.train, "train");
  const test = checkSplit(options.test, "test");
  const numClasses = options.numClasses ?? Math.max(classCount(train.y), classCount(test.y));
  const epochs = options.epochs ?? 50;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`${WHERE}: epochs must be a positive integer, got ${JSON.stringify(options.epochs)}.`);
  const trainFeatures = featuresOf(model, train.x, options.layer);
  const testFeatures = featuresOf(model, test.x, options.layer);
  const featureSize = trainFeatures.shape[1];
  const probe = tf.sequential({ name: "linear_probe", layers: [tf.layers.dense({ units: numClasses, activation: "softmax", inputShape: [featureSize], name: "probe" })] });
  const optimizer = tf.train.adam(options.learningRate ?? 0.01);
  probe.compile({ optimizer, loss: "categoricalCrossentropy" });
  const trainTargets = oneHot(train.y, numClasses);
  await probe.fit(trainFeatures, trainTargets, { epochs, batchSize: options.batchSize ?? 64, shuffle: true, verbose: 0 });
  const accuracy = accuracyOf(probe, testFeatures, test.y);
  const trainAccuracy = accuracyOf(probe, trainFeatures, train.y);
  tf.dispose([trainFeatures, testFeatures, trainTargets]);
  return { accuracy, trainAccuracy, featureSize, probe };
}

function checkSplit(split: ProbeSplit | undefined, name: string): ProbeSplit {
  if (!split || !(split.x instanceof tf.Tensor) || !(split.y instanceof tf.Tensor)) {
    throw new Error(`${WHERE}: ${name} must be { x: inputs, y: labels } tensors, e.g. ${name}: { x: images, y: labels }.`);
  }
  if (split.x.shape[0] !== split.y.shape[0]) {
    throw new Error(`${WHERE}: ${name}.x has ${split.x.shape[0]} examples but ${name}.y has ${split.y.shape[0]} labels.`);
  }
  if (split.y.rank !== 1 && split.y.rank !== 2) throw new Error(`${WHERE}: ${name}.y must be class ids [n] or one-hot [n, classes], got shape [${split.y.shape.join(", ")}].`);
  return split;
}

function classCount(labels: tf.Tensor): number {
  if (labels.rank === 2) return labels.shape[1]!;
  return tf.tidy(() => tf.max(labels).dataSync()[0]) + 1;
}

function oneHot(labels: tf.Tensor, numClasses: number): tf.Tensor {
  return tf.tidy(() => (labels.rank === 2 ? labels.toFloat() : tf.oneHot(labels.toInt(), numClasses).toFloat()));
}

/** Flattened features of `layer` for x, computed in chunks of 256 (inference mode). */
function featuresOf(model: tf.LayersModel, x: tf.Tensor, layer: string | number): tf.Tensor2D {
  const chunks: tf.Tensor2D[] = [];
  for (let start = 0; start < x.shape[0]; start += 256) {
    const size = Math.min(256, x.shape[0] - start);
    const chunk = tf.slice(x, start, size);
    const maps = extractFeatures(model, chunk, { layers: [layer] });
    const map = Object.values(maps)[0];
    chunks.push(tf.tidy(() => map.reshape([size, -1]) as tf.Tensor2D));
    tf.dispose([chunk, map]);
  }
  const all = tf.concat(chunks, 0);
  tf.dispose(chunks);
  return all;
}

function accuracyOf(probe: tf.LayersModel, features: tf.Tensor, labels: tf.Tensor): number {
  return tf.tidy(() => {
    const predicted = tf.argMax(probe.predict(features) as tf.Tensor, -1);
    const truth = labels.rank === 2 ? tf.argMax(labels, -1) : labels.toInt();
    return tf.mean(tf.cast(tf.equal(predicted, truth), "float32")).dataSync()[0];
  });
}
