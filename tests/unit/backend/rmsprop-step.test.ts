import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { composedRmsPropStep, rmsPropStep, type RmsPropStepAttrs } from "../../../lib/backend/optimizer-steps.js";
import { expectSameBitsAsCpu, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";

beforeAll(setUpWasm);

const PLAIN: RmsPropStepAttrs = { learningRate: 0.001, decay: 0.9, momentum: 0, epsilon: 1e-7 };
const WITH_MOMENTUM: RmsPropStepAttrs = { learningRate: 0.01, decay: 0.95, momentum: 0.9, epsilon: 1e-6 };

/** Inputs of one step: a variable, its two accumulators (mean squares are not negative) and a gradient. */
function stepInputs(shape: number[], seed: number): [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor] {
  return [seeded(shape, seed), tf.abs(seeded(shape, seed + 1)), seeded(shape, seed + 2), seeded(shape, seed + 3)];
}

describe("the fused RMSProp step", () => {
  // A dense layer's weights (split between threads), a 3x3 filter, sizes with a tail of 1-3 elements.
  for (const shape of [[1024, 512], [3, 3, 32, 32], [10], [7], [1]]) {
    for (const [label, attrs] of [["without", PLAIN], ["with", WITH_MOMENTUM]] as const) {
      it(`[${shape.join(", ")}] ${label} momentum: the same bits as tfjs's ops on cpu, on tensorcell's kernel`, async () => {
        const step = () => rmsPropStep(...stepInputs(shape, 30), attrs);
        await expectSameBitsAsCpu(step);
        expect(simdKernelsRunBy(step)).toEqual(["rmsPropStep"]);
        // And the same bits as the composed ops on wasm itself.
        const [fused, composed] = [step(), composedRmsPropStep(...stepInputs(shape, 30), attrs)];
        for (let i = 0; i < 3; i++) expect(Array.from(fused[i]!.dataSync())).toEqual(Array.from(composed[i]!.dataSync()));
        tf.dispose([...fused, ...composed]);
      });
    }
  }

  it("tf.train.rmsprop takes it: three steps give the composed formula's bits, weights save under tfjs's names, nothing leaks", async () => {
    const value = tf.variable(seeded([300, 20], 40), true, "rmsprop-test/w");
    const untouched = tf.variable(seeded([5], 41), true, "rmsprop-test/b");
    const optimizer = tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7);
    let [reference, meanSquare, moment]: tf.Tensor[] = [value.clone(), tf.zerosLike(value), tf.zerosLike(value)];
    const gradients = [42, 43, 44].map((seed) => seeded([300, 20], seed));
    optimizer.applyGradients({ "rmsprop-test/w": gradients[0]!, "rmsprop-test/b": tf.zeros([5]) });
    const before = tf.memory().numTensors;
    for (const gradient of gradients.slice(1)) optimizer.applyGradients({ "rmsprop-test/w": gradient });
    expect(tf.memory().numTensors).toBe(before);
    for (const gradient of gradients) {
      const next = composedRmsPropStep(reference, meanSquare, moment, gradient, { learningRate: 0.01, decay: 0.9, momentum: 0.5, epsilon: 1e-7 });
      tf.dispose([reference, meanSquare, moment]);
      [meanSquare, moment, reference] = next;
    }
    expect(Array.from(value.dataSync())).toEqual(Array.from(reference.dataSync()));
    const names = (await optimizer.getWeights()).map((w) => w.name);
    expect(names).toEqual(["iter", "rmsprop-test/w/rms", "rmsprop-test/b/rms", "rmsprop-test/w/momentum", "rmsprop-test/b/momentum"]);
    optimizer.dispose();
    tf.dispose([value, untouched, reference, meanSquare, moment, ...gradients]);
  });

  it("centered RMSProp keeps tfjs's own update", () => {
    const value = tf.variable(seeded([64], 45), true, "rmsprop-test/centered");
    const optimizer = tf.train.rmsprop(0.01, 0.9, 0, 1e-7, true);
    const kernels = simdKernelsRunBy(() => optimizer.applyGradients({ "rmsprop-test/centered": seeded([64], 46) }));
    expect(kernels).not.toContain("rmsPropStep");
    expect(Array.from(value.dataSync())).not.toEqual(Array.from(seeded([64], 45).dataSync()));
    optimizer.dispose();
    value.dispose();
  });
});
