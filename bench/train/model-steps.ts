/**
 * The timed steps of the same-process A/B scripts (kernel-ab.ts, vit/attention-ab.ts): one
 * training step and one inference batch of an image model on random inputs, and the median
 * time of a few calls.
 */
import * as tf from "@tensorflow/tfjs";

/** A training step (trainOnBatch) and an inference batch (predict of the whole batch) of `model` on random data. */
export function modelSteps(model: tf.LayersModel, batch: number): { train: () => Promise<void>; infer: () => Promise<void> } {
  const [, height, width, channels] = model.inputs[0]!.shape as number[];
  const classes = (model.outputs[0]!.shape as number[])[1]!;
  const x = tf.randomNormal([batch, height!, width!, channels!]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, classes, "int32"), classes);
  return {
    train: async () => void (await model.trainOnBatch(x, y)),
    infer: async () => {
      const out = model.predict(x, { batchSize: batch }) as tf.Tensor;
      await out.data();
      out.dispose();
    },
  };
}

/** Median ms of `calls` calls of `step`, after one warm-up call. */
export async function medianMs(step: () => Promise<void>, calls: number): Promise<number> {
  await step();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}
