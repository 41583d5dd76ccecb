/**
 * The sweep summary, read back from the executed notebooks: one row per
 * planned run with its parameters, status (ok, error, cancelled), time, error
 * line and every value the notebook recorded with `tensorcell.record`
 * (outputs of mime type application/vnd.tensorcell.record+json). Written as
 * DIR/summary.csv, DIR/summary.json and DIR/summary.html.
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseNotebook, writeFileAtomic, type Notebook } from "../notebook.js";
import { RECORD_MIME } from "../../../lib/repro/record.js";
import type { ParameterValue } from "../parameters.js";
import type { PlannedRun, SweepPlan } from "./plan.js";


/** Status of a row: ok, error (any failure: cell error, timeout, dead kernel) or cancelled (stopped or never run). */
export type RowStatus = "ok" | "error" | "cancelled";

/** One run in the summary. */
export interface SummaryRow {
  index: number;
  name: string;
  /** The executed notebook, relative to DIR. */
  file: string;
  parameters: Record<string, ParameterValue>;
  status: RowStatus;
  /** What the run itself reported (ok, error, timeout, died, memory, cancelled), or "not-run". */
  runStatus: string;
  /** Seconds from start to end; null when it did not finish. */
  timeS: number | null;
  /** The error line; "" when ok. */
  error: string;
  /** Values recorded with tensorcell.record (the last one per name). */
  records: Record<string, ParameterValue>;
}

/** Values recorded in a notebook's outputs, by name (last wins). */
export function recordedValues(notebook: Notebook): Record<string, ParameterValue> {
  const values: Record<string, ParameterValue> = {};
  for (const cell of notebook.cells) {
    for (const output of cell.outputs ?? []) {
      if (!("data" in output)) continue;
      const payload = output.data[RECORD_MIME] as { name?: unknown; value?: unknown } | undefined;
      if (payload && typeof payload.name === "string") values[payload.name] = (payload.value ?? null) as ParameterValue;
    }
  }
  return values;
}

/** The summary row of one planned run, from its executed notebook (or its absence). */
export function readRow(run: PlannedRun): SummaryRow {
  const row: SummaryRow = {
    index: run.index,
    name: run.label,
    file: basename(run.file),
    parameters: run.parameters,
    status: "cancelled",
    runStatus: "not-run",
    timeS: null,
    error: "",
    records: {},
  };
  if (!existsSync(run.file)) return row;
  let notebook: Notebook;
  try {
    notebook = parseNotebook(readFileSync(run.file, "utf8"), run.file);
  } catch (error) {
    return { ...row, status: "error", runStatus: "unreadable", error: (error as Error).message };
  }
  row.records = recordedValues(notebook);
  const meta = (notebook.metadata.tensorcell as { run?: Record<string, unknown> } | undefined)?.run;
  const status = typeof meta?.status === "string" ? meta.status : undefined;
  if (status === undefined || meta?.sweepIndex === undefined) return { ...row, runStatus: "unfinished", error: "the run stopped before it finished" };
  row.runStatus = status;
  row.status = status === "ok" ? "ok" : status === "cancelled" ? "cancelled" : "error";
  const start = Date.parse(String(meta.startedAt));
  const end = Date.parse(String(meta.finishedAt));
  if (Number.isFinite(start) && Number.isFinite(end)) row.timeS = Math.round(end - start) / 1000;
  row.error = row.status === "ok" ? "" : String(meta.detail ?? status);
  return row;
}

/** Every planned run's row, in plan order. */
export function readRows(plan: SweepPlan): SummaryRow[] {
  return plan.runs.map(readRow);
}

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Names of every recorded value across rows, in first-seen order. */
export function recordNames(rows: readonly SummaryRow[]): string[] {
  return [...new Set(rows.flatMap((row) => Object.keys(row.records)))];
}

/** summary.csv: run, each parameter, status, time_s, error, then each recorded name. */
export function summaryCsv(plan: SweepPlan, rows: readonly SummaryRow[]): string {
  const names = recordNames(rows);
  const parameters = plan.axes.map((axis) => axis.name);
  const lines = [["run", ...parameters, "status", "time_s", "error", ...names].map(csvField).join(",")];
  for (const row of rows) {
    lines.push([row.name, ...parameters.map((p) => row.parameters[p]), row.status, row.timeS, row.error, ...names.map((n) => row.records[n])].map(csvField).join(","));
  }
  return lines.join("\n") + "\n";
}

/** summary.json: the notebook, the grid and every row. */
export function summaryJson(plan: SweepPlan, rows: readonly SummaryRow[]): string {
  const counts = { ok: 0, error: 0, cancelled: 0 };
  for (const row of rows) counts[row.status]++;
  return JSON.stringify({ notebook: plan.notebook, parameters: plan.axes, counts, runs: rows }, null, 2) + "\n";
}

/** Writes summary.csv, summary.json and summary.html into the plan's folder; returns the rows. */
export async function writeSummary(plan: SweepPlan): Promise<SummaryRow[]> {
  const rows = readRows(plan);
  writeFileAtomic(join(plan.dir, "summary.csv"), summaryCsv(plan, rows));
  writeFileAtomic(join(plan.dir, "summary.json"), summaryJson(plan, rows));
  const { summaryHtml } = await import("./chart.js");
  writeFileAtomic(join(plan.dir, "summary.html"), await summaryHtml(plan, rows));
  return rows;
}
