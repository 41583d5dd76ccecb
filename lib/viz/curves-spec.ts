/** The Vega-Lite chart of training curves: one facet per metric, train and val_ twins together. */
import type { VegaLiteSpec } from "../display/vegalite.js";

/** One plotted value. */
export interface CurveRow {
  /** Metric name without the `val_` prefix: a facet. */
  metric: string;
  /** "train" or "validation" (metrics logged as `val_x`): the colour. */
  split: "train" | "validation";
  /** "batch" raw values (faint line), "smoothed" line, "epoch" values at each epoch end. */
  kind: "batch" | "smoothed" | "epoch";
  step: number;
  value: number;
}

const COLORS = { domain: ["train", "validation"], range: ["#1f77b4", "#ff7f0e"] };

/** Builds the faceted chart for the given rows; `notes` become the subtitle. */
export function curvesSpec(title: string, rows: CurveRow[], metricOrder: string[], notes: string[]): VegaLiteSpec {
  const x = { field: "step", type: "quantitative", title: "step (batches)" };
  const y = { field: "value", type: "quantitative", title: null, scale: { zero: false } };
  const color = { field: "split", type: "nominal", title: null, scale: COLORS, legend: { orient: "bottom" } };
  const layer = (kind: CurveRow["kind"], mark: Record<string, unknown>) => ({
    transform: [{ filter: { field: "kind", equal: kind } }],
    mark,
    encoding: { x, y, color },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: notes.length ? { text: title, subtitle: notes } : title,
    data: { values: rows },
    facet: { field: "metric", type: "nominal", title: null, sort: metricOrder },
    columns: 3,
    spec: {
      width: 260,
      height: 160,
      layer: [
        layer("batch", { type: "line", strokeWidth: 1, opacity: 0.3 }),
        layer("smoothed", { type: "line", strokeWidth: 1.5 }),
        layer("epoch", { type: "line", point: { size: 30 }, strokeDash: [4, 2], strokeWidth: 1.5 }),
      ],
    },
    resolve: { scale: { y: "independent" } },
  };
}
