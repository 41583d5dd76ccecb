import { describe, expect, it } from "vitest";
import { renderVegaLiteSvg, vegaLiteBundle, MAX_REUSED_VIEWS, VEGALITE_MIME } from "../../../lib/display/vegalite.js";
import { curvesSpec, type CurveRow } from "../../../lib/viz/curves-spec.js";
import { assertWellFormedXml } from "./xml.js";

/** Curve rows for the given metrics, `points` per series, values from a seeded sequence. */
function curveRows(metrics: string[], points: number, seed: number): CurveRow[] {
  const rows: CurveRow[] = [];
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const metric of metrics) {
    for (let step = 1; step <= points; step++) rows.push({ metric, split: "train", kind: "batch", step, value: next() * 10 });
    for (let step = 1; step <= points; step++) rows.push({ metric, split: "train", kind: "smoothed", step, value: 2 + next() });
    rows.push({ metric, split: "validation", kind: "epoch", step: points, value: next() });
  }
  return rows;
}

describe("renderVegaLiteSvg with reuseView", () => {
  it("draws exactly what a fresh render draws, frame after frame, as the rows change", () => {
    const metrics = ["loss", "acc"];
    // Growing, shrinking and re-growing data, with ranges that move the axes each time.
    for (const [points, seed] of [[3, 1], [40, 2], [150, 3], [2, 4], [150, 5]] as const) {
      const spec = curvesSpec("Training", curveRows(metrics, points, seed), metrics, []);
      const fresh = renderVegaLiteSvg(spec);
      const reused = renderVegaLiteSvg(spec, { reuseView: true });
      expect(reused).toBe(fresh);
      assertWellFormedXml(reused);
      expect(reused.match(/<path/g)!.length).toBeGreaterThan(4); // lines and axes really drawn
    }
  });

  it("keeps the caller's rows untouched and the spec in the bundle as given", () => {
    const rows = curveRows(["loss"], 5, 7);
    const snapshot = JSON.stringify(rows);
    const spec = curvesSpec("Training", rows, ["loss"], []);
    const bundle = vegaLiteBundle(spec, "text", { reuseView: true });
    expect(bundle[VEGALITE_MIME]).toBe(spec);
    expect(JSON.stringify(rows)).toBe(snapshot);
    expect(rows.every((row) => Object.getOwnPropertySymbols(row).length === 0)).toBe(true); // no vega tuple ids
  });

  it("renders a different layout, and specs it cannot reuse, like a fresh render", () => {
    const withNote = curvesSpec("Run 2", curveRows(["loss"], 10, 8), ["loss"], ["dropped 1 non-finite loss value (NaN/Infinity)"]);
    expect(renderVegaLiteSvg(withNote, { reuseView: true })).toBe(renderVegaLiteSvg(withNote));
    expect(renderVegaLiteSvg(withNote, { reuseView: true })).toContain("dropped 1 non-finite");
    // Data inside a layer (not top-level rows): drawn afresh every time.
    const layered = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      layer: [{ data: { values: [{ x: 1, y: 2 }, { x: 3, y: 1 }] }, mark: "line", encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } }],
    };
    expect(renderVegaLiteSvg(layered, { reuseView: true })).toBe(renderVegaLiteSvg(layered));
    // More layouts than are kept: each still renders correctly after the earliest were evicted.
    const layouts = Array.from({ length: MAX_REUSED_VIEWS + 2 }, (_, i) => `Chart ${i}`);
    for (const round of [0, 1]) {
      for (const title of layouts) {
        const spec = curvesSpec(title, curveRows(["loss"], 6, round + 3), ["loss"], []);
        expect(renderVegaLiteSvg(spec, { reuseView: true })).toBe(renderVegaLiteSvg(spec));
      }
    }
  });

  it("still reports invalid specs and URL data with a message", () => {
    expect(() => renderVegaLiteSvg({ data: { values: [{ x: 1 }] }, mark: 7 }, { reuseView: true })).toThrow();
    expect(() => renderVegaLiteSvg({ data: { url: "https://example.org/a.csv" }, mark: "point" }, { reuseView: true })).toThrow(/inline the data/);
  });
});
