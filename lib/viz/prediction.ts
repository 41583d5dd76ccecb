/** What a classifier predicted for one example, for captions of explanations. */
import * as tf from "@tensorflow/tfjs";

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
