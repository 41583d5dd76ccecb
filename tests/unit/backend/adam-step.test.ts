// tensorcell's fused Adam step (lib/backend/optimizer-steps.ts, ADAM_STEP): the bits of
// tfjs-core's AdamOptimizer formula on cpu and on wasm, on the kernel pool, and through
// tf.train.adam over three steps against tfjs's own optimizer (values, saved weights'
// names and values, no leaks). That 1 and 2 threads give the same bits is
// tests/integration/wasm-threads.test.ts.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { adamStep, type AdamStepAttrs, composedAdamStep } from "../../../lib/backend/optimizer-steps.js";
import { expectSameBitsAsCpu, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";

beforeAll(setUpWasm);

/** Gradients by variable name, typed as tf.train.adam's applyGradients takes them (its typings say variables). */
const byName = (gradients: Record<string, tf.Tensor>) => gradients as unknown as Parameters<tf.AdamOptimizer["applyGradients"]>[0];

const ATTRS: AdamStepAttrs = { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
const LARGE_STEP: AdamStepAttrs = { learningRate: 0.05, beta1: 0.8, beta2: 0.95, epsilon: 1e-3 };

/** The second moment must not be negative (it is a mean of squares): |seeded|. */
const secondMoment = (shape: number[]) => tf.abs(seeded(shape, 72));

describe("the fused Adam step", () => {
  // A dense layer's weights (split between threads), a 3x3 filter, sizes with a tail of 1-3 elements.
  for (const shape of [[1024, 512], [3, 3, 16, 16], [10], [7], [1]]) {
    for (const [label, attrs, t] of [["tfjs's defaults, step 1", ATTRS, 1], ["a large step, step 5", LARGE_STEP, 5]] as const) {
      it(`[${shape.join(", ")}] ${label}: the same bits as tfjs's ops on cpu and on wasm, on tensorcell's kernel`, async () => {
        const corrections = () => [tf.scalar(1 - attrs.beta1 ** t), tf.scalar(1 - attrs.beta2 ** t)] as const;
        const step = () => adamStep(seeded(shape, 70), seeded(shape, 71), secondMoment(shape), seeded(shape, 73), ...corrections(), attrs);
        await expectSameBitsAsCpu(step);
        expect(simdKernelsRunBy(() => { step(); })).toEqual(["adamStep"]);
        const [fused, composed] = [step(), composedAdamStep(seeded(shape, 70), seeded(shape, 71), secondMoment(shape), seeded(shape, 73), ...corrections(), attrs)];
        for (let i = 0; i < 3; i++) expect(Array.from(fused[i]!.dataSync())).toEqual(Array.from(composed[i]!.dataSync()));
        tf.dispose([...fused, ...composed]);
      });
    }
  }

  it("the composition is tfjs-core's formula in float32", () => {
    const [w, m, v, g] = [[0.3, -1.7, 2.25], [0.1, 0.5, -0.8], [0.01, 0.2, 1.5], [1.1, -0.01, 0.4]];
    const f = Math.fround;
    const a = LARGE_STEP;
    const c1 = f(1 - f(a.beta1 ** 3)), c2 = f(1 - f(a.beta2 ** 3));
    const expectedM = m.map((x, i) => f(f(f(x) * f(a.beta1)) + f(f(g[i]!) * f(1 - a.beta1))));
    const expectedV = v.map((x, i) => f(f(f(x) * f(a.beta2)) + f(f(f(g[i]!) * f(g[i]!)) * f(1 - a.beta2))));
    const expectedW = expectedM.map((mi, i) => f(f(f(f(mi / c1) / f(f(Math.sqrt(f(expectedV[i]! / c2))) + f(a.epsilon))) * f(-a.learningRate)) + f(w[i]!)));
    const [newM, newV, newW] = adamStep(tf.tensor1d(w), tf.tensor1d(m), tf.tensor1d(v), tf.tensor1d(g), tf.scalar(c1), tf.scalar(c2), a);
    expect(Array.from(newM!.dataSync())).toEqual(expectedM);
    expect(Array.from(newV!.dataSync())).toEqual(expectedV);
    expect(Array.from(newW!.dataSync())).toEqual(expectedW);
  });

  it("tf.train.adam takes it: three steps give the formula's bits with β^t advanced as tfjs advances it, weights save under tfjs's names, nothing leaks", async () => {
    const value = tf.variable(seeded([300, 20], 80), true, "adam-test/w");
    const untouched = tf.variable(seeded([5], 81), true, "adam-test/b");
    const optimizer = tf.train.adam(0.01, 0.9, 0.999);
    const start = value.clone();
    const gradients = [82, 83, 84].map((seed) => seeded([300, 20], seed));
    const kernels = simdKernelsRunBy(() => optimizer.applyGradients(byName({ "adam-test/w": gradients[0]!, "adam-test/b": tf.zeros([5]) })));
    expect(kernels).toEqual(["adamStep", "adamStep"]); // the weights and the bias
    const before = tf.memory().numTensors;
    for (const gradient of gradients.slice(1)) optimizer.applyGradients(byName({ "adam-test/w": gradient }));
    expect(tf.memory().numTensors).toBe(before);
    // tfjs's formula step by step, with β^t advanced in float32 as tfjs's accBeta variables are.
    let [reference, m, v]: tf.Tensor[] = [start, tf.zerosLike(value), tf.zerosLike(value)];
    let [accBeta1, accBeta2] = [tf.scalar(0.9), tf.scalar(0.999)];
    for (const gradient of gradients) {
      const [c1, c2] = [tf.sub(1, accBeta1), tf.sub(1, accBeta2)];
      const next = composedAdamStep(reference, m, v, gradient, c1, c2, { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: optimizer.getConfig().epsilon as number });
      const advanced = [tf.mul(accBeta1, 0.9), tf.mul(accBeta2, 0.999)];
      tf.dispose([reference, m, v, c1, c2, accBeta1, accBeta2]);
      [m, v, reference] = next;
      [accBeta1, accBeta2] = advanced as [tf.Scalar, tf.Scalar];
    }
    expect(Array.from(value.dataSync())).toEqual(Array.from(reference.dataSync()));
    const saved = await optimizer.getWeights();
    expect(saved.map((w) => w.name)).toEqual(["iter", "adam-test/w/m", "adam-test/b/m", "adam-test/w/v", "adam-test/b/v"]);
    expect(Array.from(saved[1]!.tensor.dataSync())).toEqual(Array.from(m.dataSync()));
    expect(Array.from(saved[3]!.tensor.dataSync())).toEqual(Array.from(v.dataSync()));
    optimizer.dispose();
    tf.dispose([value, untouched, reference, m, v, accBeta1, accBeta2, ...gradients]);
  });
});
