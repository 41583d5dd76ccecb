/**
 * The checks every model family's test makes on a small configuration: a few
 * training steps lower the loss, and models.save / models.load give back a
 * model with identical predictions.
 */
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { models } from "../../../lib/models/index.js";

/** Compiles with Adam and categorical cross-entropy, trains `steps` batches of (x, y); every loss is finite and the last is below the first. */
export async function expectTrainingLowersLoss(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, options: { steps?: number; learningRate?: number } = {}): Promise<number[]> {
  model.compile({ optimizer: tf.train.adam(options.learningRate ?? 0.001), loss: "categoricalCrossentropy" });
  const losses: number[] = [];
  for (let step = 0; step < (options.steps ?? 3); step++) losses.push((await model.trainOnBatch(x, y)) as number);
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses.at(-1)!).toBeLessThan(losses[0]);
  return losses;
}

/** Saves `model` to `dir`, loads it back and checks identical predictions on `x`; returns the loaded model (the caller disposes it). */
export async function expectSaveLoadRoundTrip(model: tf.LayersModel, x: tf.Tensor, dir: string): Promise<tf.LayersModel> {
  await models.save(model, dir);
  const loaded = await models.load(dir);
  const before = model.predict(x) as tf.Tensor;
  const after = loaded.predict(x) as tf.Tensor;
  expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
  tf.dispose([before, after]);
  return loaded;
}
