import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { decode } from "fast-png";
import { attentionMaps as rawAttentionMaps } from "../../../lib/layers/attention_maps.js";
import { models } from "../../../lib/models/index.js";
import { viz } from "../../../lib/viz/index.js";

describe("viz.attentionMaps", () => {
  it("rolls attention out over a tiny ViT's layers onto the patch grid", () => {
    const vit = models.create("vit_tiny_patch4_32", { inputShape: [8, 8, 3], numClasses: 3, embedDim: 8, depth: 2, numHeads: 2 });
    const out = viz.attentionMaps(vit, tf.randomUniform([8, 8, 3]));
    expect(out.data.side).toBe(2); // 8x8 image, 4x4 patches -> 2x2 grid (+ class token)
    expect(out.data.layers).toEqual(["blocks.0.attn", "blocks.1.attn"]);
    // Rollout rows are probability distributions: the class token's row over the patches sums below 1.
    const total = out.data.rollout.reduce((s, v) => s + v, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(1);
    const png = decode(out.data.png);
    expect(png.channels).toBe(3);
    // Three 192 px rollout panels (8x8 image enlarged 24x) and a colour bar on the first row.
    expect(png.width).toBeGreaterThan(4 + 3 * (192 + 2) + 12);
    const named = viz.attentionMaps(vit, tf.randomUniform([8, 8, 3]), { classNames: ["a", "b", "c"] });
    expect(named.toString()).toMatch(/^Attention of 2 layers on a 2x2 patch grid; predicted "[abc]" \(\d\), p = [\d.]+: rollout/);
    expect(() => viz.attentionMaps(vit, tf.randomUniform([8, 8, 3]), { classNames: ["a"] })).toThrow(/^viz\.attentionMaps: classNames has 1 names but the model has 3 classes\.$/);
    expect(() => viz.attentionMaps(tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 1, kernelSize: 1 })] }), tf.zeros([8, 8, 3])))
      .toThrow(/has no attention layers/);
  });

  it("matches a rollout computed by hand from the layers' raw attention", () => {
    const vit = models.create("vit_tiny_patch4_32", { inputShape: [8, 8, 3], numClasses: 3, embedDim: 8, depth: 3, numHeads: 2 });
    const image = tf.randomUniform([8, 8, 3], 0, 1, "float32", 5);
    const raw = rawAttentionMaps(vit, image.expandDims(0));
    // Plain arithmetic: average the heads, A' = (A + I) / 2 with rows renormalised, multiply
    // layer by layer (later layers on the left), read the class token's row over the patches.
    const layers = raw.map((map) => {
      const [, heads, tokens] = map.attention.shape as number[];
      const a = map.attention.arraySync() as number[][][][];
      return Array.from({ length: tokens }, (_, i) =>
        Array.from({ length: tokens }, (_, j) => {
          let sum = 0;
          for (let h = 0; h < heads!; h++) sum += a[0]![h]![i]![j]!;
          return (sum / heads! + (i === j ? 1 : 0)) / 2;
        }),
      ).map((row) => row.map((v) => v / row.reduce((x, y) => x + y, 0)));
    });
    raw.forEach((map) => map.attention.dispose());
    const times = (p: number[][], q: number[][]) => p.map((row) => q[0]!.map((_, j) => row.reduce((sum, v, k) => sum + v * q[k]![j]!, 0)));
    const rollout = layers.slice(1).reduce((acc, layer) => times(layer, acc), layers[0]!);
    const expected = rollout[0]!.slice(1); // class token's row, patches only
    const out = viz.attentionMaps(vit, image);
    expect(out.data.rollout).toHaveLength(4);
    out.data.rollout.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });

  it("reads distilled DeiT's two leading tokens from the layer's layout", () => {
    const deit = models.create("deit_tiny_distilled_patch16_224", { inputShape: [12, 12, 3], numClasses: 3, patchSize: 4, embedDim: 8, depth: 1, numHeads: 2 });
    const out = viz.attentionMaps(deit, tf.randomUniform([12, 12, 3]));
    expect(out.data.side).toBe(3); // 3x3 patches after the class and distillation tokens
    expect(out.data.rollout).toHaveLength(9);
    const total = out.data.rollout.reduce((s, v) => s + v, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(1);
  });
});
