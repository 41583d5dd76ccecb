/**
 * Runs one planned run of a sweep through `tensorcell run`'s path (parameter
 * injection, executeNotebook, save after each cell) and stamps the outcome
 * into the executed notebook's metadata.tensorcell.run: status (ok, error,
 * timeout, died, memory, or cancelled), detail (the error line), parameters,
 * start and end. The summary reads it back from there, whoever ran it.
 */
import { dirname } from "node:path";
import { executeNotebook, type RunStatus } from "../execute.js";
import { readNotebook, writeNotebook, type Notebook } from "../notebook.js";
import { injectParameters } from "../parameters.js";
import type { PlannedRun, SweepPlan } from "./plan.js";

/** How a sweep run ended: a run status, or cancelled (stopped by Ctrl-C or scancel). */
export type SweepRunStatus = RunStatus | "cancelled";

/** The outcome of runOne. */
export interface RunOutcome {
  status: SweepRunStatus;
  detail?: string;
  elapsedMs: number;
}

function stamp(notebook: Notebook, run: PlannedRun, fields: Record<string, unknown>): void {
  const tensorcell = (notebook.metadata.tensorcell ??= {}) as Record<string, unknown>;
  tensorcell.run = { ...(tensorcell.run as Record<string, unknown> | undefined), parameters: run.parameters, sweepIndex: run.index, ...fields };
}

/** Executes run `run` of `plan`, writing plan's output notebook; never throws for what the notebook does. */
export async function runOne(plan: SweepPlan, run: PlannedRun, signal?: AbortSignal): Promise<RunOutcome> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const notebook = readNotebook(plan.notebook);
  injectParameters(notebook, run.parameters);
  let status: SweepRunStatus;
  let detail: string | undefined;
  try {
    const execute = () => executeNotebook(notebook, {
      cwd: dirname(plan.notebook),
      timeoutS: plan.timeoutS,
      backend: plan.backend,
      memoryLimitMb: plan.memoryLimitMb,
      env: plan.env,
      progress: false,
      runMetadata: { parameters: run.parameters, sweepIndex: run.index },
      onProgress: (current) => writeNotebook(run.file, current),
      signal,
    });
    // Ports are picked free, then bound by the kernel: another process can take one in between.
    const result = await execute().catch((error: Error) => {
      if (signal?.aborted || !/did not start.*address already in use/.test(error.message)) throw error;
      return execute();
    });
    status = signal?.aborted ? "cancelled" : result.status;
    detail = signal?.aborted ? "stopped before it finished" : result.detail;
  } catch (error) {
    status = signal?.aborted ? "cancelled" : "died";
    detail = signal?.aborted ? "stopped before it finished" : (error as Error).message.split("\n")[0];
  }
  stamp(notebook, run, { status, detail: detail ?? null, startedAt, finishedAt: new Date().toISOString() });
  writeNotebook(run.file, notebook);
  return { status, detail, elapsedMs: Date.now() - started };
}
