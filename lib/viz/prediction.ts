/** What a classifier predicted for one example, for captions of explanations. */
import * as tf from "@tensorflow/tfjs";
import { runClassScores } from "./activations.js";

/** The model's prediction for one example. */
export interface Prediction {
  /** Arg-max class. */
  classIndex: number;
  /** Softmax probability of every class. */
  probabilities: number[];
}

/** Reads the prediction from [1, classes] class scores (logits). */
export function predictionFromScores(logits: tf.Tensor): Prediction {
  const probabilities = tf.tidy(() => tf.softmax(logits.reshape([1, -1])).reshape([-1]).arraySync() as number[]);
  let classIndex = 0;
  probabilities.forEach((p, i) => { if (p > probabilities[classIndex]!) classIndex = i; });
  return { classIndex, probabilities };
}

/** `"cat" (3)` with class names, else `3`. */
export function className(index: number, classNames?: readonly string[]): string {
  const name = classNames?.[index];
  return name === undefined ? String(index) : `"${name}" (${index})`;
}

/** Checks a classNames option against the model's class count. */
export function checkClassNames(classNames: unknown, classes: number, caller: string): readonly string[] | undefined {
  if (classNames === undefined) return undefined;
  if (!Array.isArray(classNames) || classNames.some((name) => typeof name !== "string")) {
    throw new Error(`${caller}: classNames must be an array of strings, one per class; got ${JSON.stringify(classNames)}.`);
  }
  if (classNames.length !== classes) throw new Error(`${caller}: classNames has ${classNames.length} names but the model has ${classes} classes.`);
  return classNames as string[];
}

/** The model's prediction for a [1, ...] batch, from its pre-softmax scores. */
export function predict(model: tf.LayersModel, batch: tf.Tensor): Prediction {
  const logits = tf.tidy(() => runClassScores(model, batch).logits);
  try {
    return predictionFromScores(logits);
  } finally {
    logits.dispose();
  }
}

/** A probability for a caption: 3 decimals, more when it is tiny. */
export function probabilityText(p: number): string {
  return p.toFixed(p >= 0.01 ? 3 : 6);
}

/** `predicted "cat" (3), p = 0.930`. */
export function predictedText(prediction: Prediction, classNames?: readonly string[]): string {
  return `predicted ${className(prediction.classIndex, classNames)}, p = ${probabilityText(prediction.probabilities[prediction.classIndex]!)}`;
}
