// The fused training batch norm (lib/layers/batch_norm.ts) against tfjs-layers'
// own BatchNormalization, on the default backend (wasm with tensorcell's kernels):
// the same bits forward (output and moving statistics) in training and inference,
// gradients equal up to float32 rounding (on tensorcell's wasm kernels for the backward
// pass, and composed from tf ops for small tensors), the fallbacks, no leaked tensors, and
// that the library's models use it under the class name "BatchNormalization".
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { seeded, setUpWasm, simdKernelsRunBy } from "../backend/helpers.js";
import { batchNormalization, FusedTrainingBatchNorm } from "../../../lib/layers/batch_norm.js";
import { models } from "../../../lib/models/index.js";

beforeAll(setUpWasm);

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0];

/** A fused layer and tfjs-layers' own, built for `shape` with the same (non-trivial) weights. */
function layerPair(shape: number[], args: BatchNormArgs = {}): [tf.layers.Layer, tf.layers.Layer] {
  const fused = batchNormalization(args);
  const tfjs = tf.layers.batchNormalization(args);
  fused.build(shape);
  tfjs.build(shape);
  const weights = fused.getWeights().map((w, i) => (i === 3 ? tf.add(tf.abs(seeded(w.shape, 10 + i)), 0.5) : seeded(w.shape, 10 + i)));
  fused.setWeights(weights);
  tfjs.setWeights(weights);
  return [fused, tfjs];
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

/** Gradients of sum(layer(x) * r) with respect to x and the layer's trainable weights, in training mode. */
function gradients(layer: tf.layers.Layer, x: tf.Tensor, r: tf.Tensor): number[][] {
  return tf.tidy(() => {
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, r));
    const [dx] = tf.grads((input: tf.Tensor) => loss(input))([x]);
    const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => loss(x) as tf.Scalar, weights);
    return [values(dx!), ...weights.map((w) => values(grads[w.name]!))];
  });
}

describe("fused training batch norm", () => {
  // The first two take tensorcell's wasm kernels for the backward pass (4,096 elements or more;
  // 3 channels repeat to rows of 12 floats), the others its composition from tf ops.
  const shapes = [[8, 6, 6, 16], [16, 16, 16, 3], [32, 12], [4, 5, 7, 3]];

  for (const shape of shapes) {
    it(`${JSON.stringify(shape)}: training output and moving statistics are tfjs-layers' bits; inference too`, () => {
      const [fused, tfjs] = layerPair(shape, { momentum: 0.9, epsilon: 1e-5 });
      const x = seeded(shape, 1);
      for (let step = 0; step < 2; step++) {
        expect(values(fused.apply(x, { training: true }) as tf.Tensor)).toEqual(values(tfjs.apply(x, { training: true }) as tf.Tensor));
      }
      fused.getWeights().forEach((w, i) => expect(values(w), `weight ${i}`).toEqual(values(tfjs.getWeights()[i]!)));
      expect(values(fused.apply(x, { training: false }) as tf.Tensor)).toEqual(values(tfjs.apply(x, { training: false }) as tf.Tensor));
    });

    it(`${JSON.stringify(shape)}: gradients for x, gamma and beta match tfjs's to float32 rounding`, () => {
      const [fused, tfjs] = layerPair(shape);
      const x = seeded(shape, 2);
      const r = seeded(shape, 3);
      const ours = gradients(fused, x, r);
      const theirs = gradients(tfjs, x, r);
      const onPool = x.size >= 4096;
      // Two forward and backward passes (for x, then for the weights), each: the statistics'
      // two column sums, the backward pass's two (dy and dy·xc), then dx.
      const perPass = ["columnSums", "columnSums", "columnSums", "columnSums", "batchNormGradient"];
      expect(simdKernelsRunBy(() => gradients(fused, x, r)).filter((k) => k === "columnSums" || k.startsWith("batchNorm"))).toEqual(onPool ? Array(2).fill(perPass).flat() : []);
      expect(ours.length).toBe(3);
      ours.forEach((got, i) => {
        const want = theirs[i]!;
        const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(scale, `gradient ${i} is not all zeros`).toBeGreaterThan(0);
        const worst = got.reduce((m, v, j) => Math.max(m, Math.abs(v - want[j]!)), 0);
        expect(worst / scale, `gradient ${i}: worst error relative to its largest value`).toBeLessThan(1e-4);
      });
    });
  }

  it("a training step leaves no tensors behind", () => {
    const [fused] = layerPair([8, 6, 6, 16]);
    const x = seeded([8, 6, 6, 16], 4);
    const r = seeded([8, 6, 6, 16], 5);
    gradients(fused, x, r);
    const before = tf.memory().numTensors;
    gradients(fused, x, r);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("normalising another axis runs tfjs-layers' code and gives its bits", () => {
    const [fused, tfjs] = layerPair([8, 6, 6, 16], { axis: 1 });
    const x = seeded([8, 6, 6, 16], 6);
    expect(values(fused.apply(x, { training: true }) as tf.Tensor)).toEqual(values(tfjs.apply(x, { training: true }) as tf.Tensor));
  });

  it("without scale and center it trains as gamma 1 and beta 0 (where tfjs-layers' own layer throws)", () => {
    const shape = [8, 6, 6, 16];
    const x = seeded(shape, 7);
    const bare = batchNormalization({ scale: false, center: false });
    bare.build(shape);
    expect(() => tf.layers.batchNormalization({ scale: false, center: false }).apply(x, { training: true })).toThrow();
    const plain = tf.layers.batchNormalization({});
    plain.build(shape); // gamma 1, beta 0, moving mean 0, moving variance 1: bare's values
    expect(values(bare.apply(x, { training: true }) as tf.Tensor)).toEqual(values(plain.apply(x, { training: true }) as tf.Tensor));
    expect(bare.getWeights().map(values)).toEqual(plain.getWeights().slice(2).map(values));
    const [dx] = tf.grads((input: tf.Tensor) => tf.sum(tf.square(bare.apply(input, { training: true }) as tf.Tensor)))([x]);
    expect(values(dx!).every(Number.isFinite)).toBe(true);
  });

  it("the library's models use it, saved under tfjs-layers' class name", () => {
    const model = models.create("resnet20");
    const batchNorms = model.layers.filter((layer) => layer.getClassName() === "BatchNormalization");
    expect(batchNorms.length).toBe(19);
    expect(batchNorms.every((layer) => layer instanceof FusedTrainingBatchNorm)).toBe(true);
    expect(JSON.stringify(model.toJSON(null, false))).toContain('"class_name":"BatchNormalization"');
    model.dispose();
  });
});
