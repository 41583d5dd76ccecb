/**
 * `models.decode`: the top-k ImageNet-1k classes of a batch of classifier
 * outputs, with their probabilities.
 */
import * as tf from "@tensorflow/tfjs";
import { describeValue } from "./config.js";
import { IMAGENET_CLASSES } from "./imagenet-classes.js";

/** One class of a {@link decodePredictions} result. */
export interface DecodedClass {
  /** Class index (0..999). */
  index: number;
  /** ImageNet-1k class name, e.g. "golden retriever". */
  label: string;
  /** Probability of the class (softmax of the logits, or the given probabilities). */
  probability: number;
}

const CALLER = "models.decode";

/**
 * Whether each row of `rows` (n x 1000) already holds probabilities: every
 * value in [0, 1] and each row summing to 1 (within 1e-3).
 */
function areProbabilities(values: Float32Array, rows: number, classes: number): boolean {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const v = values[r * classes + c];
      if (!(v >= 0 && v <= 1)) return false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

/**
 * Top-k ImageNet-1k classes of classifier outputs: `output` is [batch, 1000]
 * (or [1000] for one image), logits or probabilities. Rows that are already
 * probabilities (all values in 0..1, summing to 1) are used as they are;
 * anything else is taken as logits and goes through a softmax. Returns one
 * list per image, most probable first.
 */
export function decodePredictions(output: tf.Tensor, k = 5): DecodedClass[][] {
  if (!(output instanceof tf.Tensor)) throw new Error(`${CALLER}: expected a tf.Tensor of classifier outputs [batch, 1000], got ${describeValue(output)}.`);
  if (output.rank !== 1 && output.rank !== 2) throw new Error(`${CALLER}: expected outputs of shape [batch, 1000] or [1000], got shape [${output.shape.join(", ")}].`);
  const classes = output.shape[output.rank - 1];
  if (classes !== IMAGENET_CLASSES.length) {
    throw new Error(`${CALLER}: the last dimension is ${classes}, not 1000: these are not ImageNet-1k outputs (shape [${output.shape.join(", ")}]).`);
  }
  if (!Number.isInteger(k) || k < 1 || k > classes) throw new Error(`${CALLER}: k must be an integer from 1 to ${classes}, got ${JSON.stringify(k)}.`);
  const rows = output.rank === 1 ? 1 : output.shape[0];
  const raw = output.dataSync() as Float32Array;
  for (const v of raw) if (!Number.isFinite(v)) throw new Error(`${CALLER}: the outputs contain ${v} (NaN or infinite values); check the model's input.`);
  const probs = areProbabilities(raw, rows, classes) ? raw : tf.tidy(() => tf.softmax(output.reshape([rows, classes]).toFloat()).dataSync() as Float32Array);
  const result: DecodedClass[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = probs.subarray(r * classes, (r + 1) * classes);
    const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b);
    result.push(order.slice(0, k).map((index) => ({ index, label: IMAGENET_CLASSES[index], probability: row[index] })));
  }
  return result;
}
