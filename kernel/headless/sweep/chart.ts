/**
 * summary.html of a sweep: for each numeric recorded value, a Vega-Lite chart
 * of it against a swept parameter (the first one with several values that is
 * not `seed`), with the runs of different seeds aggregated as mean and
 * standard-deviation error bars, one line per combination of the remaining
 * parameters; rendered to SVG here, offline. Then the summary table.
 */
import { escapeHtml } from "../html/markdown.js";
import { vegaLiteToSvg } from "../html/vega.js";
import type { ParameterValue } from "../parameters.js";
import type { SweepPlan } from "./plan.js";
import { recordNames, type SummaryRow } from "./summary.js";

/** Parameter names treated as repetitions (aggregated, never on an axis). */
export const SEED_NAMES = new Set(["seed", "seeds", "rep", "repeat", "trial"]);

/** The parameter on the x axis: the first non-seed one with several values (else the first). */
export function chartAxis(plan: SweepPlan): string | undefined {
  const varying = plan.axes.filter((axis) => axis.values.length > 1);
  return (varying.find((axis) => !SEED_NAMES.has(axis.name)) ?? varying[0] ?? plan.axes[0])?.name;
}

const text = (value: ParameterValue) => (typeof value === "string" ? value : JSON.stringify(value));

/** The Vega-Lite spec of one metric against the x parameter. */
export function metricSpec(plan: SweepPlan, rows: readonly SummaryRow[], metric: string, x: string): Record<string, unknown> | undefined {
  const groupBy = plan.axes.filter((axis) => axis.name !== x && !SEED_NAMES.has(axis.name) && axis.values.length > 1).map((axis) => axis.name);
  const values = rows
    .filter((row) => row.status === "ok" && typeof row.records[metric] === "number")
    .map((row) => ({
      x: row.parameters[x],
      value: row.records[metric],
      group: groupBy.map((name) => `${name}=${text(row.parameters[name]!)}`).join(", ") || "all runs",
    }));
  if (values.length === 0) return undefined;
  const numeric = values.every((v) => typeof v.x === "number");
  const xs = values.map((v) => v.x as number);
  const logScale = numeric && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= 100;
  const xEncoding = numeric
    ? { field: "x", type: "quantitative", title: x, scale: logScale ? { type: "log" } : { zero: false } }
    : { field: "x", type: "ordinal", title: x };
  const color = { field: "group", type: "nominal", title: groupBy.join(", ") || " " };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: `${metric} against ${x}${plan.axes.some((a) => SEED_NAMES.has(a.name)) ? " (mean ± sd over seeds)" : ""}`,
    width: 420,
    height: 260,
    data: { values: values.map((v) => ({ ...v, x: numeric ? v.x : text(v.x as ParameterValue) })) },
    layer: [
      { mark: { type: "errorbar", extent: "stdev" }, encoding: { x: xEncoding, y: { field: "value", type: "quantitative", title: metric }, color } },
      { mark: { type: "line", point: true }, encoding: { x: xEncoding, y: { aggregate: "mean", field: "value", type: "quantitative", title: metric }, color } },
    ],
  };
}

/** The whole summary.html: charts, then the table of runs. */
export async function summaryHtml(plan: SweepPlan, rows: readonly SummaryRow[]): Promise<string> {
  const x = chartAxis(plan);
  const names = recordNames(rows);
  const charts: string[] = [];
  for (const metric of names) {
    const spec = x === undefined ? undefined : metricSpec(plan, rows, metric, x);
    if (!spec) continue;
    try {
      charts.push(`<figure>${await vegaLiteToSvg(spec)}</figure>`);
    } catch (error) {
      charts.push(`<p>chart of ${escapeHtml(metric)} failed: ${escapeHtml((error as Error).message)}</p>`);
    }
  }
  const parameters = plan.axes.map((axis) => axis.name);
  const head = ["run", ...parameters, "status", "time (s)", "error", ...names].map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map((row) => {
      const cells = [row.name, ...parameters.map((p) => text(row.parameters[p]!)), row.status, row.timeS ?? "", row.error, ...names.map((n) => (n in row.records ? text(row.records[n]!) : ""))];
      return `<tr class="${row.status}">${cells.map((c) => `<td>${escapeHtml(String(c))}</td>`).join("")}</tr>`;
    })
    .join("\n");
  const counts = ["ok", "error", "cancelled"].map((s) => `${rows.filter((r) => r.status === s).length} ${s}`).join(", ");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>sweep of ${escapeHtml(plan.notebook)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}tr.error td{background:#fee}tr.cancelled td{color:#888}</style>
</head><body>
<h1>Sweep of ${escapeHtml(plan.notebook)}</h1>
<p>${rows.length} runs: ${counts}.</p>
${charts.join("\n") || "<p>No numeric values were recorded (tensorcell.record(name, value)), so there is no chart.</p>"}
<table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>
</body></html>
`;
}
