// models.profile (per-layer FLOPs, bytes, time, GFLOP/s, intensity) against
// hand counts, and viz.efficiency's roofline chart, with their one-line errors.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { data } from "../../../lib/data/index.js";
import { models } from "../../../lib/models/index.js";
import { viz } from "../../../lib/viz/index.js";

beforeAll(async () => {
  await initBackend("wasm");
});

describe("models.profile", () => {
  test("conv and dense FLOPs match hand counts on mnist_cnn (batch 2); bytes, time and ratios follow", async () => {
    const net = models.create("mnist_cnn");
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, "float32", 1);
    const profile = await models.profile(net, x, { runs: 2 });
    const flops = Object.fromEntries(profile.layers.map((l) => [l.name, l.flops]));
    // 2 FLOPs per multiply-add: 2 x batch x output positions x output channels x (kh x kw x input channels).
    expect(flops.conv1).toBe(2 * 2 * 26 * 26 * 32 * (3 * 3 * 1)); // 778,752
    expect(flops.conv2).toBe(2 * 2 * 24 * 24 * 32 * (3 * 3 * 32)); // 21,233,664
    expect(flops.conv3).toBe(2 * 2 * 10 * 10 * 64 * (3 * 3 * 32));
    expect(flops.conv4).toBe(2 * 2 * 8 * 8 * 64 * (3 * 3 * 64));
    expect(flops.fc1).toBe(2 * 2 * 1024 * 512);
    expect(flops.head).toBe(2 * 2 * 512 * 10);
    const conv1 = profile.layers.find((l) => l.name === "conv1")!;
    expect(conv1.exactFlops).toBe(true);
    expect(conv1.bytes).toBe(4 * (2 * 28 * 28 + (3 * 3 * 32 + 32) + 2 * 26 * 26 * 32));
    expect(conv1.intensity).toBeCloseTo(conv1.flops / conv1.bytes, 10);
    expect(conv1.timeMs).toBeGreaterThan(0);
    expect(conv1.gflops).toBeCloseTo(conv1.flops / (conv1.timeMs * 1e6), 6);
    expect(profile.layers.map((l) => l.name)).not.toContain("flatten"); // no work
    expect(profile.total.flops).toBe(profile.layers.reduce((s, l) => s + l.flops, 0));
    expect(profile.batch).toBe(2);
    expect(profile.backend).toBe("wasm");

    const chart = viz.efficiency(profile);
    expect(chart.bundle["application/vnd.vegalite.v5+json"]).toBeDefined();
    expect(String(chart.bundle["image/svg+xml"])).toContain("<svg");
    expect(String(chart.bundle["text/plain"])).toMatch(/model efficiency \d+(\.\d)?%/);
    expect(chart.data.rows.length).toBe(profile.layers.filter((l) => l.flops > 0).length);
    for (const row of chart.data.rows) {
      expect(row.efficiency).toBeGreaterThan(0);
      expect(row.efficiency).toBeLessThanOrEqual(1);
    }
    tf.dispose(x);
    net.dispose();
  }, 120_000);

  test("depthwise convolutions count one input channel per output", async () => {
    const input = tf.input({ shape: [8, 8, 4] });
    const output = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: "same", name: "dw" }).apply(input) as tf.SymbolicTensor;
    const net = tf.model({ inputs: input, outputs: output });
    const x = tf.zeros([1, 8, 8, 4]);
    const profile = await models.profile(net, x, { runs: 1 });
    expect(profile.layers[0].flops).toBe(2 * 8 * 8 * 8 * 9);
    tf.dispose(x);
  });

  test("graph models, tf.GraphModel and bad inputs give one-line errors", async () => {
    const gcn = models.create("gcn", { graph: data.karateClub() });
    const x = tf.zeros([1, 28, 28, 1]);
    await expect(models.profile(gcn, x)).rejects.toThrow(/^models\.profile: "[^"]+" is a graph model \(node classification over x and edge_index\); profiling covers image models with one input tensor\.$/);
    const graphModel = { executeAsync: async () => undefined };
    await expect(models.profile(graphModel as never, x)).rejects.toThrow(/a tf\.GraphModel \(converted graph\) has no layers to profile/);
    const net = models.create("lenet5");
    await expect(models.profile(net, x)).rejects.toThrow(/input of shape \[1, 28, 28, 1\] does not fit the model input \[batch, 32, 32, 1\]/);
    await expect(models.profile(net, [1, 2] as never)).rejects.toThrow(/input must be a tensor/);
    expect(() => viz.efficiency({} as never)).toThrow(/^viz\.efficiency: pass the result of models\.profile\(model, input\)\.$/);
    const y = tf.zeros([1, 32, 32, 1]);
    const profile = await models.profile(net, y, { runs: 1 });
    expect(() => viz.efficiency(profile, { peakGflops: -1 })).toThrow(/peakGflops must be a positive number, got -1/);
    tf.dispose([x, y]);
    net.dispose();
  }, 60_000);
});
