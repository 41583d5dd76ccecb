/**
 * CNN-SVM (Tang 2013, "Deep Learning using Linear Support Vector Machines";
 * Agarap 2017, "An Architecture Combining Convolutional Neural Network (CNN)
 * and Support Vector Machine (SVM) for Image Classification"): the CNN's
 * softmax output is replaced by a linear layer trained as a one-vs-rest
 * L2-SVM, i.e. with the squared hinge loss on +-1 targets. The CNN families
 * take `head: "svm"` (linear scores, no softmax); compile with `svmLoss`.
 */
import * as tf from "@tensorflow/tfjs";

/** The classifier head of a CNN family: "softmax" (cross-entropy) or "svm" (linear scores for the squared hinge loss). */
export type ClassifierHead = "softmax" | "svm";

/** Reads the `head` option, or throws a one-line error naming the model. */
export function classifierHeadOption(value: unknown, model: string): ClassifierHead {
  if (value === undefined || value === "softmax" || value === "svm") return value ?? "softmax";
  throw new Error(`${model}: option head must be "softmax" or "svm" (a linear L2-SVM output, train with models.svmLoss), got ${JSON.stringify(value)}.`);
}

/**
 * The one-vs-rest L2-SVM loss (squared hinge) of linear scores against one-hot
 * labels: each label becomes a +1 / -1 target t, and each example's loss is
 * sum over classes of max(0, 1 - t * score)^2 (Tang 2013, eq. 4, without the
 * weight penalty). Returns one value per example, as model.compile expects.
 * @example net.compile({ optimizer: tf.train.adam(1e-3), loss: models.svmLoss, metrics: ["accuracy"] });
 */
export function svmLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  if (!(yTrue instanceof tf.Tensor) || !(yPred instanceof tf.Tensor)) throw new Error("models.svmLoss: takes (yTrue, yPred) tensors: one-hot labels [n, classes] and linear scores [n, classes].");
  if (yTrue.rank !== 2 || yTrue.shape[1] !== yPred.shape[yPred.rank - 1]) {
    throw new Error(
      `models.svmLoss: labels must be one-hot [n, ${yPred.shape[yPred.rank - 1]}] like the scores (use oneHot() / tf.oneHot), got shape [${yTrue.shape.join(", ")}].`,
    );
  }
  return tf.tidy(() => {
    const targets = tf.sub(tf.mul(yTrue, 2), 1);
    const margins = tf.relu(tf.sub(1, tf.mul(targets, yPred)));
    return tf.sum(tf.square(margins), -1);
  });
}
