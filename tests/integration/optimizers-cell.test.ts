/**
 * The optimizers namespace as cells reach it: `tensorcell.optimizers` on the
 * preloaded `tensorcell` global, typed for the checker, and usable in
 * model.compile / fit through the real kernel.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelUnderTest } from "./kernel-harness.js";

describe("tensorcell.optimizers in a cell", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
  });
  afterAll(() => k?.stop());

  it("trains with withGradientNoise, and the cell type-checks", async () => {
    const r = await k.run(
      [
        "%check",
        "const net = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], activation: 'softmax' })] });",
        "const opt: tf.Optimizer = tensorcell.optimizers.withGradientNoise(tf.train.sgd(0.1), { eta: 0.01, gamma: 0.55, seed: 1 });",
        "net.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });",
        "const h = await net.fit(tf.ones([8, 3]), tf.oneHot(tf.zeros([8], 'int32'), 2), { epochs: 2, verbose: 0 });",
        "`${h.history.loss.length} epochs, ${opt.getClassName()}`",
      ].join("\n"),
    );
    expect(r.outputs.some((m) => m.header.msg_type === "display_data")).toBe(false); // no type errors reported
    expect(r.result?.data).toMatchObject({ "text/plain": "'2 epochs, GradientNoiseOptimizer'" });
  });
});
