// tensorcell's fused SGD-with-momentum step (lib/backend/optimizer-steps.ts, MOMENTUM_STEP):
// the bits of tfjs-core's MomentumOptimizer formula on cpu and on wasm, on the kernel pool,
// through tf.train.momentum (names of the saved weights, no leaks), with and without Nesterov.
// That 1 and 2 threads give the same bits is tests/integration/wasm-threads.test.ts.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { composedMomentumStep, momentumStep, type MomentumStepAttrs } from "../../../lib/backend/optimizer-steps.js";
import { expectSameBitsAsCpu, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";

beforeAll(setUpWasm);

/** Gradients by variable name, typed as tf.train.momentum's applyGradients takes them (its typings say variables). */
const byName = (gradients: Record<string, tf.Tensor>) => gradients as unknown as Parameters<tf.MomentumOptimizer["applyGradients"]>[0];

const PLAIN: MomentumStepAttrs = { learningRate: 0.1, momentum: 0.9, useNesterov: false };
const NESTEROV: MomentumStepAttrs = { learningRate: 0.03, momentum: 0.95, useNesterov: true };

describe("the fused momentum step", () => {
  // A dense layer's weights (split between threads), a 3x3 filter, sizes with a tail of 1-3 elements.
  for (const shape of [[1024, 512], [3, 3, 16, 16], [10], [7], [1]]) {
    for (const [label, attrs] of [["plain", PLAIN], ["Nesterov", NESTEROV]] as const) {
      it(`[${shape.join(", ")}] ${label}: the same bits as tfjs's ops on cpu and on wasm, on tensorcell's kernel`, async () => {
        const step = () => momentumStep(seeded(shape, 50), seeded(shape, 51), seeded(shape, 52), attrs);
        await expectSameBitsAsCpu(step);
        expect(simdKernelsRunBy(() => { step(); })).toEqual(["momentumStep"]);
        const [fused, composed] = [step(), composedMomentumStep(seeded(shape, 50), seeded(shape, 51), seeded(shape, 52), attrs)];
        for (let i = 0; i < 2; i++) expect(Array.from(fused[i]!.dataSync())).toEqual(Array.from(composed[i]!.dataSync()));
        tf.dispose([...fused, ...composed]);
      });
    }
  }

  it("the composition is tfjs-core's formula in float32: acc' = m·acc + g, w' = -lr·acc' + w (Nesterov: -lr·(g + acc'·m) + w)", () => {
    const [w, acc, g] = [[0.3, -1.7, 2.25], [0.1, 0.5, -0.8], [1.1, -0.01, 0.4]];
    for (const attrs of [PLAIN, NESTEROV]) {
      const f = Math.fround;
      const m = f(attrs.momentum), c = f(-attrs.learningRate);
      const expectedAcc = acc.map((a, i) => f(f(m * f(a)) + f(g[i]!)));
      const expectedW = expectedAcc.map((a, i) => f(f(c * (attrs.useNesterov ? f(f(g[i]!) + f(a * m)) : a)) + f(w[i]!)));
      const [newAcc, newW] = momentumStep(tf.tensor1d(w), tf.tensor1d(acc), tf.tensor1d(g), attrs);
      expect(Array.from(newAcc!.dataSync())).toEqual(expectedAcc);
      expect(Array.from(newW!.dataSync())).toEqual(expectedW);
    }
  });

  it("tf.train.momentum takes it: three steps give the formula's bits, weights save under tfjs's names, nothing leaks", async () => {
    const value = tf.variable(seeded([300, 20], 60), true, "momentum-test/w");
    const untouched = tf.variable(seeded([5], 61), true, "momentum-test/b");
    const optimizer = tf.train.momentum(0.05, 0.9, true);
    let [reference, accumulation]: tf.Tensor[] = [value.clone(), tf.zerosLike(value)];
    const gradients = [62, 63, 64].map((seed) => seeded([300, 20], seed));
    const kernels = simdKernelsRunBy(() => optimizer.applyGradients(byName({ "momentum-test/w": gradients[0]!, "momentum-test/b": tf.zeros([5]) })));
    expect(kernels).toEqual(["momentumStep", "momentumStep"]); // the weights and the bias
    const before = tf.memory().numTensors;
    for (const gradient of gradients.slice(1)) optimizer.applyGradients(byName({ "momentum-test/w": gradient }));
    expect(tf.memory().numTensors).toBe(before);
    for (const gradient of gradients) {
      const next = composedMomentumStep(reference, accumulation, gradient, { learningRate: 0.05, momentum: 0.9, useNesterov: true });
      tf.dispose([reference, accumulation]);
      [accumulation, reference] = next;
    }
    expect(Array.from(value.dataSync())).toEqual(Array.from(reference.dataSync()));
    const names = (await optimizer.getWeights()).map((w) => w.name);
    expect(names).toEqual(["iter", "momentum-test/w/momentum", "momentum-test/b/momentum"]);
    optimizer.dispose();
    tf.dispose([value, untouched, reference, accumulation, ...gradients]);
  });
});
