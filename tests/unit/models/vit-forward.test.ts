// Every ViT-family variant builds and runs forward; token layers do what their names say; bad options fail clearly.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { ClassToken, PositionEmbedding, TokenPooling } from "../../../lib/layers/vit_tokens.js";
import { getModelSpec, type ModelOptions } from "../../../lib/models/registry.js";
import { readModelMetadata } from "../../../lib/models/metadata.js";
import "../../../lib/models/vit.js";
import "../../../lib/models/convit.js";
import "../../../lib/models/mixer.js";
import { useTrainingBackend } from "./vit-backend.js";

beforeAll(async () => {
  await useTrainingBackend();
});

/** Builds `name`, runs `batch` random images through it and returns the output values. */
function forward(name: string, overrides: ModelOptions, batch: number): { shape: number[]; rows: number[][]; layers: string[] } {
  const spec = getModelSpec(name);
  const options = { ...spec.defaults, ...overrides };
  const model = spec.build(options);
  try {
    const rows = tf.tidy(() => (model.predict(tf.randomUniform([batch, ...options.inputShape], 0, 1, "float32", 3)) as tf.Tensor2D).arraySync());
    return { shape: [rows.length, rows[0].length], rows, layers: model.layers.map((l) => l.name) };
  } finally {
    model.dispose();
  }
}

function expectProbabilityRows(rows: number[][]): void {
  for (const row of rows) {
    expect(row.every((p) => Number.isFinite(p) && p >= 0)).toBe(true);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  }
  // Different images give different predictions.
  if (rows.length > 1) expect(Math.max(...rows[0].map((p, i) => Math.abs(p - rows[1][i])))).toBeGreaterThan(0);
}

describe("forward pass", () => {
  test("vit_tiny_patch4_32: [2, 32, 32, 3] -> [2, 10] probabilities", () => {
    const { shape, rows, layers } = forward("vit_tiny_patch4_32", {}, 2);
    expect(shape).toEqual([2, 10]);
    expectProbabilityRows(rows);
    expect(layers).toContain("blocks.11");
    expect(layers).toContain("blocks.11.attn");
  });

  test("vit_small_patch4_32: [1, 32, 32, 3] -> [1, 10]", () => {
    const { shape, rows } = forward("vit_small_patch4_32", {}, 1);
    expect(shape).toEqual([1, 10]);
    expectProbabilityRows(rows);
  }, 30_000);

  // The 224 variants at full width and depth on a 64x64 input (a 4x4 patch grid), to keep the test fast.
  for (const name of ["vit_tiny_patch16_224", "deit_tiny_patch16_224", "deit_tiny_distilled_patch16_224", "convit_tiny", "mixer_s16_224"]) {
    test(`${name} at 64x64: [2, 64, 64, 3] -> [2, 1000]`, () => {
      const { shape, rows } = forward(name, { inputShape: [64, 64, 3] }, 2);
      expect(shape).toEqual([2, 1000]);
      expectProbabilityRows(rows);
    }, 30_000);
  }

  test("headActivation linear gives logits whose softmax is the default output", () => {
    const spec = getModelSpec("vit_tiny_patch4_32");
    const small = { ...spec.defaults, inputShape: [16, 16, 3], depth: 1 };
    const probs = spec.build(small);
    const logits = spec.build({ ...small, headActivation: "linear" });
    logits.setWeights(probs.getWeights());
    const images = tf.randomUniform([2, 16, 16, 3]);
    const difference = tf.tidy(() =>
      tf.sub(tf.softmax(logits.predict(images) as tf.Tensor), probs.predict(images) as tf.Tensor).abs().max().dataSync()[0],
    );
    expect(difference).toBeLessThan(1e-6);
    images.dispose();
    probs.dispose();
    logits.dispose();
  });

  test("the default feature points are the block outputs, as timm's blocks.i", () => {
    const spec = getModelSpec("mixer_s16_224");
    const model = spec.build({ ...spec.defaults, inputShape: [32, 32, 3], patchSize: 8, depth: 2, hiddenDim: 16, tokensMlpDim: 8, channelsMlpDim: 32 });
    expect(readModelMetadata(model).features).toEqual({ "blocks.0": "blocks.0", "blocks.1": "blocks.1" });
    model.dispose();
  });
});

describe("token layers", () => {
  test("ClassToken prepends its learned tokens, PositionEmbedding adds, TokenPooling picks or averages", () => {
    const x = tf.tensor3d([[[1, 2], [3, 4]]]); // [1, 2 tokens, 2 channels]
    const cls = new ClassToken({ numTokens: 2 });
    cls.apply(x);
    cls.setWeights([tf.tensor3d([[[9, 8], [7, 6]]])]);
    const withTokens = cls.apply(x) as tf.Tensor;
    expect(withTokens.arraySync()).toEqual([[[9, 8], [7, 6], [1, 2], [3, 4]]]);

    const pos = new PositionEmbedding();
    pos.apply(withTokens);
    pos.setWeights([tf.tensor3d([[[1, 1], [2, 2], [3, 3], [4, 4]]])]);
    const embedded = pos.apply(withTokens) as tf.Tensor;
    expect(embedded.arraySync()).toEqual([[[10, 9], [9, 8], [4, 5], [7, 8]]]);

    expect((new TokenPooling().apply(embedded) as tf.Tensor).arraySync()).toEqual([[10, 9]]);
    expect((new TokenPooling({ tokenIndex: 1 }).apply(embedded) as tf.Tensor).arraySync()).toEqual([[9, 8]]);
    expect((new TokenPooling({ mode: "mean", tokenIndex: 2 }).apply(embedded) as tf.Tensor).arraySync()).toEqual([[5.5, 6.5]]);
    tf.dispose([x, withTokens, embedded]);
  });
});

describe("bad options fail with a one-line error that says what was expected", () => {
  const build = (name: string, overrides: ModelOptions) => {
    const spec = getModelSpec(name);
    const options = { ...spec.defaults, ...overrides };
    spec.checkOptions?.(options);
    return spec.build(options);
  };
  test("image size not a multiple of the patch", () => {
    expect(() => build("vit_tiny_patch4_32", { inputShape: [30, 30, 3] })).toThrow(/multiples of 4; got inputShape \[30, 30, 3\]/);
  });
  test("heads that do not divide the width", () => {
    expect(() => build("vit_tiny_patch4_32", { numHeads: 5 })).toThrow(/embedDim 192 must be divisible by numHeads 5/);
  });
  test("a non-integer depth", () => {
    expect(() => build("mixer_s16_224", { depth: 2.5 })).toThrow(/option depth must be a positive integer, got 2.5/);
  });
  test("ConViT on non-square images", () => {
    expect(() => build("convit_tiny", { inputShape: [224, 160, 3] })).toThrow(/square/);
  });
  test("unknown head activation", () => {
    expect(() => build("convit_tiny", { headActivation: "relu" })).toThrow(/headActivation must be "softmax" or "linear"/);
  });
});
