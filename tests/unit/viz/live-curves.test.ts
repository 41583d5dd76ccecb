import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { compile } from "vega-lite";
import { LiveCurves } from "../../../lib/viz/curves.js";
import { karateClub } from "../../../lib/data/graphs.js";
import { models } from "../../../lib/models/index.js";
import { recordDisplays } from "../display/fake-host.js";
import { assertWellFormedXml } from "../display/xml.js";
import { setHost, type DisplayMessage } from "../../../lib/display/host.js";

type Row = { metric: string; split: string; kind: string; step: number; value: number };
/** Simulated training: `seconds` of 1 ms batches, each chart message costing `renderMs` of the same fake clock. */
function simulateRun(seconds: number, renderMs: number) {
  const messages: DisplayMessage[] = [];
  let now = 0;
  setHost({
    display: (message) => { messages.push(message); now += renderMs; },
    input: () => Promise.reject(new Error("no input in tests")),
    registerCommTarget: () => {},
    interrupted: () => false,
  });
  const curves = new LiveCurves({ clock: () => now });
  for (let step = 1; now < seconds * 1000; step++) {
    now++;
    curves.log(step, { loss: 1 / step });
  }
  curves.done();
  return { messages, renderShare: curves.renderMilliseconds / now, renderMilliseconds: curves.renderMilliseconds };
}

const rowsOf = (message: DisplayMessage): Row[] => {
  if (message.type === "clear_output") throw new Error("unexpected clear");
  return ((message.data["application/vnd.vegalite.v5+json"] as { data: { values: Row[] } }).data.values);
};

describe("viz.liveCurves", () => {
  it("bounds the update rate of a fast loop and sends a final chart with every point", () => {
    const messages = recordDisplays();
    let now = 0;
    const curves = new LiveCurves({ clock: () => now, maxUpdatesPerSecond: 4, smoothing: 0 });
    // 3000 batches at 1 ms each: 3 s of training.
    for (let step = 1; step <= 3000; step++) {
      now = step;
      curves.log(step, { loss: 1 / step, acc: step / 3000 });
    }
    curves.done();
    // First draw after 1 s, then at most one update per 250 ms, then the final one.
    expect(messages.length).toBeGreaterThanOrEqual(3);
    expect(messages.length).toBeLessThanOrEqual(1 + 8 + 1);
    expect(messages[0]!.type).toBe("display_data");
    const id = (messages[0] as { displayId: string }).displayId;
    for (const m of messages.slice(1)) expect(m).toMatchObject({ type: "update_display_data", displayId: id });
    const final = rowsOf(messages.at(-1)!);
    const lossSteps = final.filter((r) => r.metric === "loss" && r.kind === "batch").map((r) => r.step);
    expect(lossSteps.length).toBe(150); // thinned to maxPointsPerSeries, evenly, keeping the last
    expect(lossSteps.at(-1)).toBe(3000);
    expect(final.find((r) => r.metric === "acc" && r.kind === "smoothed" && r.step === 3000)!.value).toBeCloseTo(1, 6);
    const last = messages.at(-1)!;
    if (last.type === "clear_output") throw new Error("unexpected");
    expect(() => compile(last.data["application/vnd.vegalite.v5+json"] as never)).not.toThrow();
    assertWellFormedXml(last.data["image/svg+xml"] as string);
    expect(last.data["text/plain"]).toContain("loss=0.0003333");
  });

  it("drops NaN and Infinity with a note instead of crashing", () => {
    const messages = recordDisplays();
    const curves = new LiveCurves({ clock: () => 0 });
    curves.log(1, { loss: 0.5 });
    curves.log(2, { loss: Number.NaN });
    curves.log(3, { loss: Infinity, acc: 0.5 });
    curves.done();
    const last = messages.at(-1)!;
    if (last.type === "clear_output") throw new Error("unexpected");
    const spec = last.data["application/vnd.vegalite.v5+json"] as { title: { subtitle: string[] } };
    expect(spec.title.subtitle).toEqual(["faint: each step · solid: smoothed (EMA 0.8)", "dropped 2 non-finite loss values (NaN/Infinity)"]);
    expect(rowsOf(last).every((r) => Number.isFinite(r.value))).toBe(true);
    assertWellFormedXml(last.data["image/svg+xml"] as string);
  });

  it("works as a model.fit callback: per-batch and per-epoch points, val_ metrics paired with their twins", async () => {
    const messages = recordDisplays();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    model.compile({ optimizer: "sgd", loss: "meanSquaredError", metrics: ["mae"] });
    const xs = tf.randomNormal([16, 2]);
    const ys = tf.randomNormal([16, 1]);
    const curves = new LiveCurves();
    await model.fit(xs, ys, { epochs: 2, batchSize: 4, validationSplit: 0.25, callbacks: curves, verbose: 0 });
    const final = rowsOf(messages.at(-1)!);
    const count = (metric: string, split: string, kind: string) => final.filter((r) => r.metric === metric && r.split === split && r.kind === kind).length;
    expect(count("loss", "train", "batch")).toBe(6); // 12 training examples / 4 per batch * 2 epochs
    expect(count("loss", "train", "epoch")).toBe(2);
    expect(count("loss", "validation", "epoch")).toBe(2);
    expect(count("mae", "validation", "epoch")).toBe(2);
    expect(final.filter((r) => r.kind === "epoch" && r.split === "validation").map((r) => r.step)).toEqual([3, 6, 3, 6]);
    // A second fit starts a new chart (new display id).
    const before = messages.length;
    await model.fit(xs, ys, { epochs: 1, batchSize: 8, callbacks: [curves], verbose: 0 });
    expect(messages[before]!.type).toBe("display_data");
    tf.dispose([xs, ys]);
  });

  it("reads model.fit's batch losses in one transfer per chart, not one per batch, and records each exactly", async () => {
    const messages = recordDisplays();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, kernelInitializer: "ones" })] });
    model.compile({ optimizer: tf.train.sgd(0.01), loss: "meanSquaredError" });
    const xs = tf.tensor2d(Array.from({ length: 80 }, (_, i) => (i % 7) / 7), [40, 2]);
    const ys = tf.tensor2d(Array.from({ length: 40 }, (_, i) => i / 40), [40, 1]);
    const curves = new LiveCurves({ smoothing: 0 });
    const reads = { data: 0, dataSync: 0 };
    const original = { data: tf.Tensor.prototype.data, dataSync: tf.Tensor.prototype.dataSync };
    tf.Tensor.prototype.data = function (this: tf.Tensor) { reads.data++; return original.data.call(this); } as typeof original.data;
    tf.Tensor.prototype.dataSync = function (this: tf.Tensor) { reads.dataSync++; return original.dataSync.call(this); } as typeof original.dataSync;
    const before = tf.memory().numTensors;
    try {
      await model.fit(xs, ys, { epochs: 2, batchSize: 2, shuffle: false, callbacks: [curves], verbose: 0 });
    } finally {
      Object.assign(tf.Tensor.prototype, original);
    }
    expect(reads.dataSync).toBe(0);
    // 40 batches; tfjs itself reads the epoch logs (a few reads per epoch); the chart adds one read per drawn frame.
    expect(reads.data).toBeLessThanOrEqual(curves.updates + 2 * 4);
    expect(tf.memory().numTensors).toBe(before); // the kept clones are disposed once read
    const losses = rowsOf(messages.at(-1)!).filter((r) => r.metric === "loss" && r.kind === "batch");
    expect(losses.map((r) => r.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // The same run again, read batch by batch as fit hands each loss over: the values must agree exactly.
    const expected: number[] = [];
    class EveryBatch extends tf.Callback {
      override async onBatchEnd(_batch: number, logs?: tf.Logs) {
        expected.push((await (logs!.loss as unknown as tf.Tensor).data())[0]!);
      }
    }
    const model2 = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, kernelInitializer: "ones" })] });
    model2.compile({ optimizer: tf.train.sgd(0.01), loss: "meanSquaredError" });
    await model2.fit(xs, ys, { epochs: 2, batchSize: 2, shuffle: false, callbacks: [new EveryBatch()], verbose: 0 });
    expect(expected).toHaveLength(40);
    expect(losses.map((r) => r.value)).toEqual(expected);
    tf.dispose([xs, ys]);
    model.dispose();
    model2.dispose();
  });

  it("keeps first, live and final charts within the render budget of short and long runs", () => {
    // 50 ms per chart: a slow render on a loaded machine. 4 s run: the first chart at 1 s and the
    // final one only (a third one would take the share to 3.6%).
    const short = simulateRun(4, 50);
    expect(short.messages.map((m) => m.type)).toEqual(["display_data", "update_display_data"]);
    expect(short.renderShare).toBeLessThan(0.03);
    expect(short.renderMilliseconds).toBe(100); // the injected clock measures the renders
    // 60 s run: updates keep coming (every 5 s once the first ones are paid for), at about 1% in total.
    const long = simulateRun(60, 50);
    expect(long.messages.length).toBeGreaterThanOrEqual(10);
    expect(long.renderShare).toBeLessThanOrEqual(0.011);
    const final = rowsOf(long.messages.at(-1)!);
    expect(final.filter((r) => r.kind === "batch").at(-1)!.value).toBeCloseTo(1 / (60_000 - 50 * (long.messages.length - 1)), 8);
  });

  it("names the axis from what is logged, with integer ticks, a legend of the splits present and a key to the line styles", async () => {
    type Spec = {
      title: { text: string; subtitle: string[] };
      spec: { layer: { encoding: { x: { title: string; axis: Record<string, unknown> }; color: { scale: { domain: string[] } } } }[] };
    };
    const specOf = (message: DisplayMessage) => {
      if (message.type === "clear_output") throw new Error("unexpected clear");
      return message.data["application/vnd.vegalite.v5+json"] as Spec;
    };
    // A custom loop without validation: "step" axis, legend with train only, no dashed epoch line.
    let messages = recordDisplays();
    const loop = new LiveCurves({ clock: () => 0 });
    for (let step = 1; step <= 5; step++) loop.log(step, { loss: 1 / step });
    loop.done();
    let spec = specOf(messages.at(-1)!);
    for (const layer of spec.spec.layer) {
      expect(layer.encoding.x.title).toBe("step");
      expect(layer.encoding.x.axis).toEqual({ tickMinStep: 1, format: "d" });
      expect(layer.encoding.color.scale.domain).toEqual(["train"]);
    }
    expect(spec.title.subtitle).toEqual(["faint: each step · solid: smoothed (EMA 0.8)"]);
    // The legend drawn by vega lists only "train".
    const svg = (messages.at(-1) as { data: Record<string, string> }).data["image/svg+xml"]!;
    expect(svg).toContain(">train<");
    expect(svg).not.toContain(">validation<");

    // An epoch-wise custom loop says so.
    messages = recordDisplays();
    const epochs = new LiveCurves({ clock: () => 0, unit: "epoch" });
    epochs.log(1, { loss: 0.5, val_loss: 0.6 });
    epochs.log(2, { loss: 0.4, val_loss: 0.5 });
    epochs.done();
    spec = specOf(messages.at(-1)!);
    expect(spec.spec.layer[0]!.encoding.x.title).toBe("epoch");
    expect(spec.spec.layer[0]!.encoding.color.scale.domain).toEqual(["train", "validation"]);
    expect((messages.at(-1) as { data: Record<string, string> }).data["text/plain"]).toMatch(/^Training \(epoch 2\): /);

    // model.fit: batches on the axis, and the dashed epoch line is explained.
    messages = recordDisplays();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    const xs = tf.randomNormal([8, 2]);
    const ys = tf.randomNormal([8, 1]);
    await model.fit(xs, ys, { epochs: 2, batchSize: 4, callbacks: new LiveCurves(), verbose: 0 });
    spec = specOf(messages.at(-1)!);
    expect(spec.spec.layer[0]!.encoding.x.title).toBe("batch");
    expect(spec.spec.layer[0]!.encoding.color.scale.domain).toEqual(["train"]);
    expect(spec.title.subtitle).toEqual(["faint: each batch · solid: smoothed (EMA 0.8) · dashed + dots: each epoch (train: mean over its batches)"]);
    tf.dispose([xs, ys]);
  });

  it("plots models.fitNodeClassifier per epoch (epochs 1..n on an axis named epoch)", async () => {
    const messages = recordDisplays();
    const graph = karateClub({ split: "two-per-class" });
    const gcn = models.create("gcn", { graph });
    const curves = new LiveCurves({ clock: () => 0 });
    await models.fitNodeClassifier(gcn, graph, { epochs: 6, callbacks: curves, valMask: graph.testMask });
    const last = messages.at(-1)!;
    const rows = rowsOf(last);
    const steps = (split: string, kind: string) => rows.filter((r) => r.metric === "loss" && r.split === split && r.kind === kind).map((r) => r.step);
    expect(steps("train", "batch")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps("validation", "batch")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps("train", "smoothed")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps("train", "epoch")).toEqual([]);
    if (last.type === "clear_output") throw new Error("unexpected");
    const spec = last.data["application/vnd.vegalite.v5+json"] as { title: { subtitle: string[] }; spec: { layer: { encoding: { x: { title: string } } }[] } };
    expect(spec.spec.layer[0]!.encoding.x.title).toBe("epoch");
    expect(spec.title.subtitle).toEqual(["faint: each epoch · solid: smoothed (EMA 0.8)"]);
    expect(last.data["text/plain"]).toMatch(/^Training \(epoch 6\): loss=/);
  });

  it("lets a callback stop graph training early, as model.fit does", async () => {
    const graph = karateClub();
    const gcn = models.create("gcn", { graph });
    const stopper = new (class extends tf.Callback {
      override async onEpochEnd(epoch: number) {
        if (epoch === 2) this.model.stopTraining = true;
      }
    })();
    const history = await models.fitNodeClassifier(gcn, graph, { epochs: 50, callbacks: stopper });
    expect(history.epoch).toEqual([0, 1, 2]);
  });
});
