import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { compile } from "vega-lite";
import { mimeBundle, VEGALITE_MIME } from "../../../lib/display/index.js";
import { viz } from "../../../lib/viz/index.js";
import { assertWellFormedXml } from "../display/xml.js";

async function checkChart(value: unknown) {
  const { data } = (await mimeBundle(value))!;
  expect(() => compile(data[VEGALITE_MIME] as never)).not.toThrow();
  assertWellFormedXml(data["image/svg+xml"] as string);
  return data;
}

describe("viz charts", () => {
  it("confusionMatrix counts pairs and renders heatmap, table and text", async () => {
    const out = viz.confusionMatrix([0, 0, 1, 1, 2], tf.tensor2d([[0.9, 0.1, 0], [0.2, 0.8, 0], [0, 1, 0], [0, 0.4, 0.6], [1, 0, 0]]), { classNames: ["cat", "dog", "eel"] });
    expect(out.data.matrix).toEqual([[1, 1, 0], [0, 1, 1], [1, 0, 0]]);
    expect(out.data.accuracy).toBeCloseTo(0.4);
    const data = await checkChart(out);
    expect(data["text/html"]).toContain("<th>eel</th>");
    expect(data["text/plain"]).toContain("accuracy 40.00% (2/5)");
    expect(() => viz.confusionMatrix([0, 1], [0])).toThrow(/2 labels but 1 predictions/);
  });

  it("embedding projects separated clusters onto PC1", async () => {
    const rows = [...Array(10)].map((_, i) => [i < 5 ? 5 : -5, 0.1 * (i % 3), 0, 0.05 * i, 0]);
    const out = viz.embedding(rows, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], { classNames: ["a", "b"] });
    expect(out.data.explained[0]).toBeGreaterThan(0.95);
    const firstSide = Math.sign(out.data.points[0]![0]);
    expect(out.data.points.slice(0, 5).every(([x]) => Math.sign(x) === firstSide)).toBe(true);
    expect(out.data.points.slice(5).every(([x]) => Math.sign(x) === -firstSide)).toBe(true);
    await checkChart(out);
    expect(() => viz.embedding(tf.zeros([0, 3]))).toThrow(/empty tensor/);
  });

  it("graph lays out nodes and draws each undirected edge once", async () => {
    const out = viz.graph({ edgeIndex: tf.tensor2d([[0, 1], [1, 0], [1, 2], [2, 3], [3, 0]], undefined, "int32"), y: [0, 0, 1, 1] });
    expect(out.data.edges).toEqual([[0, 1], [1, 2], [2, 3], [3, 0]]);
    const [a, b] = out.data.positions;
    expect(Math.hypot(a![0] - b![0], a![1] - b![1])).toBeGreaterThan(0.01);
    await checkChart(out);
    expect(() => viz.graph({ edges: [[0, 5]], numNodes: 3 })).toThrow(/refers to node 5/);
  });
});
