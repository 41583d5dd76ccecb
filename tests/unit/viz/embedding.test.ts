// viz.embedding: a GCN's last hidden layer by default, raw values (said in the caption) when a
// projection would be degenerate, and one-line errors for a graph the model was not built for.
import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import { mimeBundle, VEGALITE_MIME } from "../../../lib/display/index.js";
import { karateClub } from "../../../lib/data/graphs.js";
import { models } from "../../../lib/models/index.js";
import { seed } from "../../../lib/repro/seed.js";
import { viz } from "../../../lib/viz/index.js";

type Spec = { title: unknown; encoding: { x: { title: string }; y: { title: string } } };

async function chart(value: unknown): Promise<{ spec: Spec; text: string }> {
  const { data } = (await mimeBundle(value))!;
  expect(() => compile(data[VEGALITE_MIME] as never)).not.toThrow();
  return { spec: data[VEGALITE_MIME] as Spec, text: data["text/plain"] as string };
}

describe("viz.embedding", () => {
  it("projects a trained GCN's 16 hidden units by default, and plots its 2-class output raw", async () => {
    seed(0);
    const graph = karateClub();
    const gcn = models.create("gcn", { graph });
    await models.fitNodeClassifier(gcn, graph, { epochs: 30 });
    const hidden = viz.embedding(gcn, graph);
    expect(hidden.data.projection).toBe("pca");
    expect(hidden.data.points).toHaveLength(34);
    expect(hidden.data.explained[1]).toBeGreaterThan(1e-4);
    const shown = await chart(hidden);
    expect(shown.text).toMatch(/^Embedding of 34 vectors of dimension 16 from the input of conv2, PCA to 2-D \(PC1 [\d.]+%, PC2 [\d.]+% of variance\)$/);
    expect(shown.spec.encoding.x.title).toMatch(/^PC1 /);

    const output = viz.embedding(gcn, graph, { layer: "output" });
    expect(output.data.projection).toBe("raw");
    const raw = await chart(output);
    expect(raw.text).toBe(
      "Embedding of 34 vectors of dimension 2 from the model's output: raw values plotted (2 dimensions, so no projection): dimension 0 against dimension 1",
    );
    expect([raw.spec.encoding.x.title, raw.spec.encoding.y.title]).toEqual(["dimension 0", "dimension 1"]);
    expect(raw.spec.title).toEqual({ text: "Embedding (raw values)", subtitle: ["2 dimensions from the model's output; no PCA"] });
    // A layer picked by name still works.
    expect(viz.embedding(gcn, graph, { layer: "conv1" }).toString()).toMatch(/dimension 16 from the output of conv1, PCA/);
  });

  it("takes the hidden layer before APPNP's propagation", () => {
    const graph = karateClub();
    const appnp = models.create("appnp", { graph, hidden_channels: 8 });
    expect(viz.embedding(appnp, graph).toString()).toMatch(/dimension 8 from the input of lin2, PCA/);
  });

  it("plots raw values when the second component holds no variance", async () => {
    // Points on a line in 3-D: PC2 is zero; the two raw dimensions with the most variance are shown.
    const rows = [...Array(8)].map((_, i) => [i, 2 * i, 5]);
    const out = viz.embedding(rows, [0, 0, 0, 0, 1, 1, 1, 1]);
    expect(out.data.projection).toBe("raw");
    const { text } = await chart(out);
    expect(text).toBe("Embedding of 8 vectors of dimension 3: raw values plotted (PC2 holds 0.0% of the variance, so no projection): dimension 0 against dimension 1");
    const single = viz.embedding([[1], [2], [4]]);
    expect(single.data.points).toEqual([[1, 0], [2, 1], [4, 2]]);
    expect(single.toString()).toMatch(/raw values plotted \(1 dimension, so no projection\): dimension 0 against index$/);
  });

  it("names both feature widths when the graph does not fit the model", () => {
    const graph = karateClub();
    const cora = models.create("gcn");
    expect(() => viz.embedding(cora, graph)).toThrow(
      "viz.embedding: the model was built for 1433 features per node but the graph has 34; create it with { inputShape: [34] } or { graph }.",
    );
    expect(() => viz.embedding(models.create("gin_graph"), graph)).toThrow(/needs a node classifier with inputs \[x, edge_index\]/);
  });
});
