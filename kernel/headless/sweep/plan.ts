/**
 * A sweep's plan file, DIR/.tensorcell-sweep/plan.json: the notebook, the
 * runs (parameters and output file) and the run options. The local runner
 * and every Slurm array task (`tensorcell sweep-task DIR INDEX`) read the
 * same plan, so a task needs nothing but the folder.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NotebookError } from "../notebook.js";
import type { ParameterValue } from "../parameters.js";
import type { GridAxis } from "./grid.js";

/** Folder inside DIR holding the plan, Slurm's batch script and logs. */
export const PLAN_FOLDER = ".tensorcell-sweep";

/** One planned run. */
export interface PlannedRun {
  index: number;
  /** `lr=0.1-seed=1`. */
  label: string;
  parameters: Record<string, ParameterValue>;
  /** Absolute path of the executed notebook. */
  file: string;
}

/** Everything a run needs, saved as JSON. */
export interface SweepPlan {
  version: 1;
  /** Absolute path of the source notebook. */
  notebook: string;
  /** Absolute path of the output folder. */
  dir: string;
  axes: GridAxis[];
  runs: PlannedRun[];
  /** Per-cell time limit in seconds. */
  timeoutS?: number;
  backend?: string;
  memoryLimitMb?: number;
  /** Extra kernel environment (TENSORCELL_THREADS=1 when runs share cores). */
  env?: Record<string, string>;
}

/** Path of the plan file in DIR. */
export function planPath(dir: string): string {
  return join(dir, PLAN_FOLDER, "plan.json");
}

/** Reads DIR's plan; a one-line NotebookError when it is missing or not a plan. */
export function readPlan(dir: string): SweepPlan {
  const path = planPath(dir);
  if (!existsSync(path)) throw new NotebookError(`${dir} holds no sweep plan (${path} is missing)`);
  const plan = JSON.parse(readFileSync(path, "utf8")) as SweepPlan;
  if (plan.version !== 1 || !Array.isArray(plan.runs)) throw new NotebookError(`${path} is not a tensorcell sweep plan`);
  return plan;
}
