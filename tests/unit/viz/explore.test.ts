/** viz.explore outside a kernel: which layers it offers, the picture following the controls, and its errors. */
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { decode } from "fast-png";
import { models } from "../../../lib/models/index.js";
import { viz } from "../../../lib/viz/index.js";

describe("viz.explore", () => {
  it("offers a ViT's attention layers and a slider over heads; each head draws its own map", () => {
    const vit = models.create("vit_tiny_patch4_32", { inputShape: [8, 8, 3], numClasses: 3, embedDim: 8, depth: 2, numHeads: 2 });
    const ex = viz.explore(vit, tf.randomUniform([8, 8, 3]));
    expect(ex.layer.labels).toEqual(["blocks.0.attn", "blocks.1.attn"]);
    expect(ex.layer.value).toBe("blocks.1.attn");
    expect([ex.channel.get("description"), ex.channel.get("max")]).toEqual(["head", 1]);
    const first = ex.picture.value;
    expect(decode(first).channels).toBe(3);
    ex.channel.value = 1;
    expect(Buffer.from(ex.picture.value).equals(Buffer.from(first))).toBe(false);
    ex.layer.value = "blocks.0.attn";
    expect(ex.channel.value).toBe(1);
  });

  it("offers a CNN's convolutions, keeps the channel in range when the layer changes", () => {
    const net = tf.sequential({ layers: [
      tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 5, kernelSize: 3, name: "wide" }),
      tf.layers.conv2d({ filters: 2, kernelSize: 3, name: "narrow" }),
      tf.layers.flatten(), tf.layers.dense({ units: 2 }),
    ] });
    const ex = viz.explore(net, tf.randomUniform([12, 12, 1]), { layer: "wide" });
    ex.channel.value = 4;
    ex.layer.value = "narrow";
    expect([ex.channel.get("max"), ex.channel.value]).toEqual([1, 1]);
    expect(() => viz.explore(net, tf.randomUniform([8, 8, 1]))).toThrow(/^viz\.explore: the model takes images of shape \[12,12,1\]; got \[8,8,1\] \(resize it first\)$/);
  });
});
