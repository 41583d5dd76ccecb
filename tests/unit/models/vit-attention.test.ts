// Attention layers (MHSA, ConViT's GPSA) against a plain-loop reference, and attention maps of whole models.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { MultiHeadSelfAttention } from "../../../lib/layers/attention.js";
import { GatedPositionalSelfAttention, relativePatchOffsets } from "../../../lib/layers/attention_gpsa.js";
import { attentionMaps } from "../../../lib/layers/attention_maps.js";
import { getModelSpec } from "../../../lib/models/registry.js";
import "../../../lib/models/vit.js";
import "../../../lib/models/convit.js";

type Matrix = number[][];

/** Deterministic pseudo-random matrix in [-1, 1). */
function seededMatrix(rows: number, cols: number, seed: number): Matrix {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648) * 2 - 1;
  };
  return Array.from({ length: rows }, () => Array.from({ length: cols }, next));
}

function matmul(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0].map((_, j) => row.reduce((sum, v, k) => sum + v * b[k][j], 0)));
}

function softmaxRows(m: Matrix): Matrix {
  return m.map((row) => {
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

function columns(m: Matrix, from: number, to: number): Matrix {
  return m.map((row) => row.slice(from, to));
}

function transpose(m: Matrix): Matrix {
  return m[0].map((_, j) => m.map((row) => row[j]));
}

/** Per-head content attention softmax(q kᵀ / sqrt(dh)) for one sequence. */
function contentAttention(q: Matrix, k: Matrix, heads: number): Matrix[] {
  const dh = q[0].length / heads;
  return Array.from({ length: heads }, (_, h) => {
    const scores = matmul(columns(q, h * dh, (h + 1) * dh), transpose(columns(k, h * dh, (h + 1) * dh)));
    return softmaxRows(scores.map((row) => row.map((v) => v / Math.sqrt(dh))));
  });
}

/** Concatenates per-head attn @ v_h along channels. */
function attend(attn: Matrix[], v: Matrix): Matrix {
  const dh = v[0].length / attn.length;
  const perHead = attn.map((a, h) => matmul(a, columns(v, h * dh, (h + 1) * dh)));
  return v.map((_, i) => perHead.flatMap((out) => out[i]));
}

function addBias(m: Matrix, bias: number[]): Matrix {
  return m.map((row) => row.map((v, j) => v + bias[j]));
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("MultiHeadSelfAttention", () => {
  test("matches a plain-loop implementation of timm's Attention", async () => {
    const [n, d, heads] = [5, 6, 2];
    const x = seededMatrix(n, d, 1);
    const wQkv = seededMatrix(d, 3 * d, 2);
    const bQkv = seededMatrix(1, 3 * d, 3)[0];
    const wProj = seededMatrix(d, d, 4);
    const bProj = seededMatrix(1, d, 5)[0];
    const layer = new MultiHeadSelfAttention({ numHeads: heads });
    const input = tf.tensor3d([x]);
    layer.apply(input); // builds
    layer.setWeights([tf.tensor2d(wQkv), tf.tensor1d(bQkv), tf.tensor2d(wProj), tf.tensor1d(bProj)]);
    const out = (layer.apply(input) as tf.Tensor).arraySync() as number[][][];
    const probs = layer.attentionProbabilities(input).arraySync();

    const qkv = addBias(matmul(x, wQkv), bQkv);
    const attn = contentAttention(columns(qkv, 0, d), columns(qkv, d, 2 * d), heads);
    const expected = addBias(matmul(attend(attn, columns(qkv, 2 * d, 3 * d)), wProj), bProj);
    out[0].forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 4)));
    probs[0].forEach((head, h) => head.forEach((row, i) => row.forEach((p, j) => expect(p).toBeCloseTo(attn[h][i][j], 5))));
    tf.dispose([input, ...layer.getWeights()]);
  });

  test("rejects a width that does not split into heads", () => {
    const layer = new MultiHeadSelfAttention({ numHeads: 4, name: "bad_attn" });
    expect(() => layer.apply(tf.input({ shape: [3, 6] }))).toThrow(/6 channels do not split into 4 heads/);
  });

  test("has timm's parameter count without qkv bias", () => {
    const layer = new MultiHeadSelfAttention({ numHeads: 3, qkvBias: false });
    layer.apply(tf.input({ shape: [7, 12] }));
    expect(layer.countParams()).toBe(12 * 36 + 12 * 12 + 12);
  });
});

describe("GatedPositionalSelfAttention", () => {
  test("relative offsets are (dx, dy, dx²+dy²) as timm's get_rel_indices", () => {
    const offsets = relativePatchOffsets(3);
    // query patch 0 = (row 0, col 0), key patch 5 = (row 1, col 2): dx = 2, dy = 1.
    const at = (0 * 9 + 5) * 3;
    expect([...offsets.slice(at, at + 3)]).toEqual([2, 1, 5]);
    // query patch 7 = (row 2, col 1), key patch 3 = (row 1, col 0): dx = -1, dy = -1.
    const back = (7 * 9 + 3) * 3;
    expect([...offsets.slice(back, back + 3)]).toEqual([-1, -1, 2]);
  });

  test("local init: with the gate open, head (h1, h2) of a 3x3 kernel attends to offset (h2-1, h1-1)", () => {
    const side = 5;
    const layer = new GatedPositionalSelfAttention({ numHeads: 9, localityStrength: 3 });
    const input = tf.randomNormal([1, side * side, 18]) as tf.Tensor3D;
    layer.apply(input);
    const weights = layer.getWeights();
    const names = layer.weights.map((w) => w.originalName.split("/").pop());
    // Open the gate fully (sigmoid(30) ≈ 1): attention is then purely positional.
    weights[names.indexOf("gating")] = tf.fill([9], 30);
    layer.setWeights(weights);
    const probs = layer.attentionProbabilities(input).arraySync()[0];
    const center = 2 * side + 2;
    for (let h1 = 0; h1 < 3; h1++) {
      for (let h2 = 0; h2 < 3; h2++) {
        const row = probs[h1 + 3 * h2][center];
        const best = row.indexOf(Math.max(...row));
        expect(best).toBe((2 + h1 - 1) * side + (2 + h2 - 1));
      }
    }
    tf.dispose([input, ...weights]);
  });

  test("with the gate closed it is content attention with v and proj, as timm's GPSA", () => {
    const [side, d, heads] = [2, 4, 2];
    const n = side * side;
    const x = seededMatrix(n, d, 11);
    const wQk = seededMatrix(d, 2 * d, 12);
    const wV = seededMatrix(d, d, 13);
    const wProj = seededMatrix(d, d, 14);
    const bProj = seededMatrix(1, d, 15)[0];
    const layer = new GatedPositionalSelfAttention({ numHeads: heads });
    const input = tf.tensor3d([x]);
    layer.apply(input);
    const current = layer.getWeights(); // qk, v, proj, proj_bias, pos_proj, pos_proj_bias, gating
    layer.setWeights([tf.tensor2d(wQk), tf.tensor2d(wV), tf.tensor2d(wProj), tf.tensor1d(bProj), current[4], current[5], tf.fill([heads], -40)]);
    const out = (layer.apply(input) as tf.Tensor).arraySync() as number[][][];
    const qk = matmul(x, wQk);
    const attn = contentAttention(columns(qk, 0, d), columns(qk, d, 2 * d), heads);
    const expected = addBias(matmul(attend(attn, matmul(x, wV)), wProj), bProj);
    out[0].forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 4)));
    tf.dispose([input, ...current]);
  });

  test("refuses a class token or a non-square grid", () => {
    const layer = new GatedPositionalSelfAttention({ numHeads: 2, name: "gpsa_bad" });
    expect(() => layer.apply(tf.input({ shape: [17, 8] }))).toThrow(/square grid/);
  });
});

describe("attentionMaps", () => {
  test("distilled DeiT: two prefix tokens on a rectangular patch grid", () => {
    const spec = getModelSpec("deit_tiny_distilled_patch16_224");
    const model = spec.build({ ...spec.defaults, inputShape: [16, 24, 3], patchSize: 8, depth: 1, embedDim: 24 });
    const images = tf.randomUniform([1, 16, 24, 3]);
    const [map] = attentionMaps(model, images);
    expect([map.prefixTokens, ...map.grid, ...map.attention.shape]).toEqual([2, 2, 3, 1, 3, 8, 8]);
    map.attention.dispose();
    images.dispose();
    model.dispose();
  });

  test("ViT: one [batch, heads, tokens, tokens] map per block, rows summing to 1", () => {
    const spec = getModelSpec("vit_tiny_patch4_32");
    const model = spec.build({ ...spec.defaults, inputShape: [16, 16, 3], depth: 2 });
    const images = tf.randomUniform([2, 16, 16, 3]);
    const maps = attentionMaps(model, images);
    expect(maps.map((m) => m.layer)).toEqual(["blocks.0.attn", "blocks.1.attn"]);
    expect(maps.map((m) => [m.prefixTokens, ...m.grid])).toEqual([[1, 4, 4], [1, 4, 4]]);
    for (const map of maps) {
      expect(map.attention.shape).toEqual([2, 3, 17, 17]);
      const rowSums = map.attention.sum(-1).dataSync();
      for (const s of rowSums) expect(s).toBeCloseTo(1, 5);
    }
    // Different images give different attention (the maps depend on the input).
    const [first] = maps[0].attention.unstack();
    const difference = tf.sub(first.slice([0, 0, 0], [1, 17, 17]), maps[0].attention.slice([1, 0, 0, 0], [1, 1, 17, 17]).reshape([1, 17, 17]));
    expect(tf.abs(difference).max().dataSync()[0]).toBeGreaterThan(1e-6);
    tf.dispose([images, ...maps.map((m) => m.attention)]);
    model.dispose();
  });

  test("ConViT: GPSA maps over patches, MHSA maps with the class token; unknown names are rejected", () => {
    const spec = getModelSpec("convit_tiny");
    const model = spec.build({ ...spec.defaults, inputShape: [32, 32, 3], patchSize: 8, depth: 3, localUpToLayer: 2, embedDim: 32 });
    const images = tf.randomUniform([1, 32, 32, 3]);
    const maps = attentionMaps(model, images);
    expect(maps.map((m) => [m.layer, ...m.attention.shape])).toEqual([
      ["blocks.0.attn", 1, 4, 16, 16],
      ["blocks.1.attn", 1, 4, 16, 16],
      ["blocks.2.attn", 1, 4, 17, 17],
    ]);
    expect(maps.map((m) => m.prefixTokens)).toEqual([0, 0, 1]);
    for (const s of maps[0].attention.sum(-1).dataSync()) expect(s).toBeCloseTo(1, 5);
    expect(() => attentionMaps(model, images, ["blocks.9.attn"])).toThrow(/No attention layer named "blocks.9.attn"/);
    tf.dispose([images, ...maps.map((m) => m.attention)]);
    model.dispose();
  });
});
