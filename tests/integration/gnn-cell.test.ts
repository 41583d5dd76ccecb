/**
 * Graph models from a cell on the default backend: a GCN built with PyG's option names and
 * trained through models.fitNodeClassifier with live curves reaches >= 90% on the karate club;
 * misuse ends in one line; tensors inside values print in one line, in results and in inspect;
 * a [10, 10] tensor is a table.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../kernel/wire/message.js";
import { startKernel, type KernelUnderTest } from "./kernel-harness.js";

type CurvesSpec = { spec: { layer: { encoding: { x: { title: string; axis: Record<string, unknown> }; color: { scale: { domain: string[] } } } }[] } };

function chartsOf(outputs: Message[]): CurvesSpec[] {
  return outputs
    .filter((m) => m.header.msg_type === "display_data" || m.header.msg_type === "update_display_data")
    .map((m) => (m.content.data as Record<string, unknown>)["application/vnd.vegalite.v5+json"] as CurvesSpec)
    .filter(Boolean);
}

describe("graph models from a cell", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
  });
  afterAll(() => k?.stop());

  it("trains a GCN on the karate club through models.fitNodeClassifier to >= 90% test accuracy, with live curves per epoch", async () => {
    const train = await k.run(`
      seed(0);
      const graph = data.karateClub();
      const gcn = models.create("gcn", { graph, hidden_channels: 16 });
      const history = await models.fitNodeClassifier(gcn, graph, { epochs: 100, callbacks: viz.liveCurves() });
      const score = models.evaluateNodes(gcn, graph);
      console.log(tf.getBackend(), history.epoch.length, score.accuracy);`);
    expect(train.reply.status, JSON.stringify(train.error)).toBe("ok");
    const [backend, epochs, accuracy] = train.stdout.trim().split(" ");
    expect(backend).toBe("wasm"); // the default backend
    expect(epochs).toBe("100");
    expect(Number(accuracy)).toBeGreaterThanOrEqual(0.9);
    const final = chartsOf(train.outputs).at(-1)!;
    expect(final.spec.layer[0]!.encoding.x.title).toBe("epoch");
    expect(final.spec.layer[0]!.encoding.x.axis).toEqual({ tickMinStep: 1, format: "d" });
    expect(final.spec.layer[0]!.encoding.color.scale.domain).toEqual(["train"]); // karate has no validation nodes
  });

  it("answers model.fit on a graph model and a graph of another width with one line each", async () => {
    const fit = await k.run("await gcn.fit(graph.x, graph.y, { epochs: 1 })");
    expect(fit.error?.evalue).toBe(
      "gcn is a graph model: model.fit splits every input into batches of one length, which nodes and edges do not share; " +
        "train it with models.fitNodeClassifier(model, graph, { epochs: 100 }).",
    );
    const wide = await k.run('const cora = models.create("gcn");\nawait models.fitNodeClassifier(cora, graph, { epochs: 1 })');
    expect(wide.error?.evalue).toBe(
      "fitNodeClassifier: the model was built for 1433 features per node but the graph has 34; create it with { inputShape: [34] } or { graph }.",
    );
    const traceback = (wide.error?.traceback as string[]).join("\n");
    expect(traceback).not.toContain("node_modules");
  });

  it("prints tensors inside values in one line, as results and in inspect", async () => {
    const shown = await k.run("graph");
    const text = (shown.result!.data as Record<string, string>)["text/plain"]!;
    expect(text).toContain("x: Tensor float32 [34, 34]");
    expect(text).toContain("trainMask: Tensor bool [34]");
    expect(text).not.toMatch(/dataId|isDisposedInternal|strides/);
    const inspected = (await k.client.request("shell", "inspect_request", { code: "graph", cursor_pos: 5, detail_level: 0 }, 30_000)).content;
    const inspectText = (inspected.data as Record<string, string>)["text/plain"]!;
    expect(inspectText).toContain("edgeIndex: Tensor int32 [156, 2]");
    expect(inspectText).not.toContain("dataId");
  });

  it("shows a [10, 10] tensor as a table of values and offers the graph helpers in completion", async () => {
    const logits = await k.run("tf.randomNormal([10, 10], 0, 1, 'float32', 1)");
    const data = logits.result!.data as Record<string, string>;
    expect(data["image/png"]).toBeUndefined();
    expect(data["text/html"]!.match(/<tr>/g)).toHaveLength(11);
    const completion = (await k.client.request("shell", "complete_request", { code: "models.fitN", cursor_pos: 11 }, 30_000)).content as { matches: string[] };
    expect(completion.matches).toContain("fitNodeClassifier");
    const inspected = (await k.client.request("shell", "inspect_request", { code: "models.fitNodeClassifier", cursor_pos: 20, detail_level: 0 }, 30_000)).content;
    expect((inspected.data as Record<string, string>)["text/plain"]).toMatch(/full-batch/);
  });
});
