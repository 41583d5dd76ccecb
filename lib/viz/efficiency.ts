/**
 * The efficiency chart of Lavin 2024, "On the Efficiency of Convolutional
 * Neural Networks", for a `models.profile` result: each layer at its
 * arithmetic intensity (x, FLOP/byte) and achieved GFLOP/s (y), both log
 * scales, under a roofline min(peak, bandwidth x intensity); the vertical
 * distance from a point to the roof is that layer's efficiency gap. Point
 * size is the layer's share of the time.
 */
import type { ModelProfile } from "../models/profile.js";
import { htmlTable, textTable } from "../display/html.js";
import { vegaLiteBundle } from "../display/vegalite.js";
import { VizOutput } from "./output.js";

/** Options of `viz.efficiency`. */
export interface EfficiencyOptions {
  /** Peak compute of the roof, GFLOP/s. Default: the best GFLOP/s any layer achieved. */
  peakGflops?: number;
  /** Memory bandwidth of the roof's slope, GB/s. Default: the best bytes/s any layer achieved. */
  bandwidthGBs?: number;
  /** Chart title. Default "Efficiency of <model> (<backend>, batch n)". */
  title?: string;
}

/** One charted layer. */
export interface EfficiencyRow {
  name: string;
  className: string;
  intensity: number;
  gflops: number;
  /** Attainable GFLOP/s at this intensity under the roof. */
  attainable: number;
  /** Achieved / attainable, 0..1: 1 is on the roof. */
  efficiency: number;
  /** Share of the summed layer time, 0..1. */
  timeShare: number;
  timeMs: number;
}

/**
 * A roofline-style chart of a profile (Vega-Lite, with an SVG and a text table
 * as fallbacks); `data` holds the rows, the roof and the time-weighted
 * efficiency of the whole model.
 */
export function efficiency(profile: ModelProfile, options: EfficiencyOptions = {}) {
  if (!profile || !Array.isArray((profile as Partial<ModelProfile>).layers) || !(profile as Partial<ModelProfile>).total) {
    throw new Error("viz.efficiency: pass the result of models.profile(model, input).");
  }
  const timed = profile.layers.filter((l) => l.flops > 0 && l.timeMs > 0 && l.bytes > 0);
  if (!timed.length) throw new Error("viz.efficiency: the profile has no layer with measured work (FLOPs and time) to chart.");
  for (const [key, value] of [["peakGflops", options.peakGflops], ["bandwidthGBs", options.bandwidthGBs]] as const) {
    if (value !== undefined && !(typeof value === "number" && value > 0 && Number.isFinite(value))) {
      throw new Error(`viz.efficiency: ${key} must be a positive number, got ${JSON.stringify(value)}.`);
    }
  }
  const peak = options.peakGflops ?? Math.max(...timed.map((l) => l.gflops));
  const bandwidth = options.bandwidthGBs ?? Math.max(...timed.map((l) => l.bytes / (l.timeMs * 1e6)));
  const attainableAt = (intensity: number) => Math.min(peak, bandwidth * intensity);
  const totalTime = timed.reduce((s, l) => s + l.timeMs, 0);
  const rows: EfficiencyRow[] = timed.map((l) => {
    const attainable = attainableAt(l.intensity);
    return {
      name: l.name,
      className: l.className,
      intensity: l.intensity,
      gflops: l.gflops,
      attainable,
      efficiency: Math.min(1, l.gflops / attainable),
      timeShare: l.timeMs / totalTime,
      timeMs: l.timeMs,
    };
  });
  // Time-weighted: the model's achieved time against the time every layer would take on the roof.
  const idealTime = timed.reduce((s, l) => s + l.flops / (attainableAt(l.intensity) * 1e6), 0);
  const modelEfficiency = idealTime / totalTime;
  const low = Math.min(...rows.map((r) => r.intensity)) / 2;
  const high = Math.max(...rows.map((r) => r.intensity)) * 2;
  const ridge = peak / bandwidth;
  const roof = [low, ...(ridge > low && ridge < high ? [ridge] : []), high].map((intensity) => ({ intensity, gflops: attainableAt(intensity) }));
  const title = options.title ?? `Efficiency of ${profile.model} (${profile.backend}, batch ${profile.batch})`;
  const x = { field: "intensity", type: "quantitative", title: "arithmetic intensity (FLOP/byte)", scale: { type: "log" } };
  const y = { field: "gflops", type: "quantitative", title: "achieved GFLOP/s", scale: { type: "log" } };
  const spec = {
    title: {
      text: title,
      subtitle: [
        `roof: min(${peak.toPrecision(3)} GFLOP/s, ${bandwidth.toPrecision(3)} GB/s x intensity)${options.peakGflops === undefined ? " (from the best layers)" : ""}`,
        `model efficiency (ideal / measured time) ${(100 * modelEfficiency).toFixed(1)}%; the gap to the roof is each layer's lost time`,
      ],
    },
    width: 480,
    height: 320,
    layer: [
      { data: { values: roof }, mark: { type: "line", color: "#888", strokeDash: [6, 3] }, encoding: { x, y } },
      {
        data: { values: rows },
        mark: { type: "point", filled: true, opacity: 0.8 },
        encoding: {
          x,
          y,
          color: { field: "className", type: "nominal", title: "layer" },
          size: { field: "timeShare", type: "quantitative", title: "time share", scale: { range: [20, 400] } },
          tooltip: [
            { field: "name" },
            { field: "className" },
            { field: "gflops", format: ".3g" },
            { field: "intensity", format: ".3g" },
            { field: "efficiency", format: ".1%" },
            { field: "timeMs", format: ".3g" },
          ],
        },
      },
    ],
  };
  const header = ["layer", "class", "time ms", "time %", "GFLOP/s", "FLOP/byte", "efficiency %"];
  const slowest = [...rows].sort((a, b) => b.timeMs - a.timeMs);
  const tableRows = slowest.map((r) => [r.name, r.className, r.timeMs.toPrecision(3), (100 * r.timeShare).toFixed(1), r.gflops.toPrecision(3), r.intensity.toPrecision(3), (100 * r.efficiency).toFixed(1)]);
  const summary = `${title}: ${profile.total.gflops.toPrecision(3)} GFLOP/s overall, model efficiency ${(100 * modelEfficiency).toFixed(1)}%`;
  const bundle = vegaLiteBundle(spec, `${summary}\n${textTable(header, tableRows.slice(0, 20))}`);
  bundle["text/html"] = htmlTable(header, tableRows.slice(0, 20), summary);
  return new VizOutput(bundle, { rows, roof: { peakGflops: peak, bandwidthGBs: bandwidth }, modelEfficiency });
}
