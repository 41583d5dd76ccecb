import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { compile } from "vega-lite";
import { LiveCurves } from "../../../lib/viz/curves.js";
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
    expect(spec.title.subtitle).toEqual(["dropped 2 non-finite loss values (NaN/Infinity)"]);
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
});
