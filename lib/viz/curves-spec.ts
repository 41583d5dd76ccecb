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

/** What the x axis counts: batches (model.fit), epochs (epoch-only logging, as the graph trainers do) or a custom loop's steps. */
export type StepUnit = "batch" | "epoch" | "step";

/** How the chart is labelled. */
export interface CurvesSpecOptions {
  /** What a step is; names the x axis and the raw line in the legend text. Default "batch". */
  unit?: StepUnit;
  /** The smoothing factor of the solid line, for its description. Default 0.8. */
  smoothing?: number;
}

const SPLITS = ["train", "validation"] as const;
const SPLIT_COLORS: Record<CurveRow["split"], string> = { train: "#1f77b4", validation: "#ff7f0e" };

/** One subtitle line saying what the faint, solid and dashed lines are, for the kinds of rows present. */
export function lineStylesText(rows: readonly CurveRow[], unit: StepUnit, smoothing: number): string | undefined {
  const kinds = new Set(rows.map((r) => r.kind));
  const parts: string[] = [];
  if (kinds.has("batch")) parts.push(`faint: each ${unit}`);
  if (kinds.has("smoothed")) parts.push(smoothing > 0 ? `solid: smoothed (EMA ${smoothing})` : "solid: unsmoothed");
  if (kinds.has("epoch")) parts.push("dashed + dots: each epoch (train: mean over its batches)");
  return parts.length ? parts.join(" · ") : undefined;
}

/**
 * Builds the faceted chart for the given rows: the colour legend lists only the splits
 * present, the subtitle says what each line style is (then `notes`), and the x axis is
 * named after `options.unit` with integer ticks.
 */
export function curvesSpec(title: string, rows: CurveRow[], metricOrder: string[], notes: string[], options: CurvesSpecOptions = {}): VegaLiteSpec {
  const unit = options.unit ?? "batch";
  const x = { field: "step", type: "quantitative", title: unit, axis: { tickMinStep: 1, format: "d" } };
  const y = { field: "value", type: "quantitative", title: null, scale: { zero: false } };
  const present = SPLITS.filter((split) => rows.some((r) => r.split === split));
  const domain = present.length ? present : ["train"];
  const scale = { domain, range: domain.map((split) => SPLIT_COLORS[split as CurveRow["split"]]) };
  const color = { field: "split", type: "nominal", title: null, scale, legend: { orient: "bottom", symbolType: "stroke", symbolOpacity: 1, symbolStrokeWidth: 2 } };
  const layer = (kind: CurveRow["kind"], mark: Record<string, unknown>) => ({
    transform: [{ filter: { field: "kind", equal: kind } }],
    mark,
    encoding: { x, y, color },
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: subtitled(title, [lineStylesText(rows, unit, options.smoothing ?? 0.8), ...notes]),
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

function subtitled(title: string, lines: (string | undefined)[]): string | { text: string; subtitle: string[] } {
  const subtitle = lines.filter((line): line is string => line !== undefined);
  return subtitle.length ? { text: title, subtitle } : title;
}
