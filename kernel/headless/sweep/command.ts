/**
 * `tensorcell sweep NOTEBOOK -p name=values ... -o DIR [--jobs N] [--executor local|slurm] [--force]`:
 * runs a notebook once per point of a parameter grid and summarises the runs.
 * `tensorcell sweep-task DIR INDEX` (hidden) runs one planned run; Slurm
 * array tasks call it.
 */
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { EXIT } from "../exit-codes.js";
import { formatElapsed } from "../progress.js";
import { checkKernel, NotebookError, readNotebook, writeFileAtomic } from "../notebook.js";
import { HeadlessUsageError, numberOption, parseOptions } from "../options.js";
import { kernelEnvForJobs } from "../grade/command.js";
import { gridPoints, parseGrid } from "./grid.js";
import { PLAN_FOLDER, planPath, readPlan, type SweepPlan } from "./plan.js";
import { EXIT_INTERRUPTED, interruptSignal } from "./interrupt.js";
import { runOne } from "./run-one.js";
import { readRow, writeSummary, type SummaryRow } from "./summary.js";

/** --help text of `tensorcell sweep`. */
export const SWEEP_HELP = `usage: tensorcell sweep NOTEBOOK -p name=values [-p ...] -o DIR [--jobs N] [--executor local|slurm]
                       [--force] [--timeout S] [--backend cpu|wasm|auto] [--memory MB] [--quiet]
Runs NOTEBOOK once per point of the grid (the cartesian product of the -p values), injecting
the parameters as tensorcell run -p does, and writes DIR/<notebook>-<params>.ipynb per run.
  -p name=a,b,c   a list of values, each typed as run -p types it (3, 0.5, true, "text", [1,2])
  -p name=1:5     an inclusive whole-number range (1, 2, 3, 4, 5)
  --jobs N        runs at once (default 1); with Slurm, array tasks running at once (default: all)
  --executor E    local (default): kernels on this machine; slurm: one job array through sbatch,
                  each task running "tensorcell sweep-task DIR INDEX" (DIR must be on a shared
                  file system; sbatch options come from SBATCH_* environment variables)
  --force         rerun runs that already finished ok (by default they are kept and skipped)
  --timeout S     per-cell time limit;  --memory MB  kernel memory limit
Values recorded in the notebook with tensorcell.record(name, value) become columns of
DIR/summary.csv and DIR/summary.json (one row per run: parameters, status ok/error/cancelled,
time, error line) and charts in DIR/summary.html (the value against the first non-seed
parameter; runs differing only in "seed" averaged, with standard-deviation error bars).
A failed run is a row with its error; Ctrl-C stops the sweep, keeps finished runs and writes
the summary. exit codes: 0 every run ok, 3 some run failed, 2 bad input, 130 interrupted`;


/** Options of a sweep, parsed and checked. */
export interface SweepRequest {
  plan: SweepPlan;
  jobs: number | undefined;
  executor: "local" | "slurm";
  force: boolean;
  quiet: boolean;
}

/** Finds a program on PATH; undefined when absent. */
export function onPath(program: string, path = process.env.PATH ?? ""): string | undefined {
  for (const folder of path.split(":").filter(Boolean)) {
    const candidate = join(folder, program);
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Parses and checks `sweep` arguments; writes nothing. */
export function parseSweepArgs(args: string[]): SweepRequest {
  const { values, positionals } = parseOptions(args, {
    o: { type: "string", short: "o" },
    p: { type: "string", short: "p", multiple: true },
    jobs: { type: "string", short: "j" },
    executor: { type: "string" },
    force: { type: "boolean" },
    timeout: { type: "string" },
    backend: { type: "string" },
    memory: { type: "string" },
    quiet: { type: "boolean", short: "q" },
  });
  if (positionals.length !== 1) throw new HeadlessUsageError("sweep needs exactly one NOTEBOOK path (see tensorcell sweep --help)");
  if (!values.o) throw new HeadlessUsageError("sweep needs -o DIR, the folder for the executed notebooks and the summary");
  const executor = (values.executor as string | undefined) ?? "local";
  if (executor !== "local" && executor !== "slurm") throw new HeadlessUsageError(`--executor ${executor}: choose local or slurm`);
  const jobs = numberOption(values.jobs, "--jobs", { integer: true, positive: true });
  const timeoutS = numberOption(values.timeout, "--timeout", { positive: true });
  const memoryLimitMb = numberOption(values.memory, "--memory", { positive: true });
  const axes = parseGrid((values.p as string[] | undefined) ?? []);
  const notebookPath = positionals[0]!;
  const notebook = readNotebook(notebookPath);
  const warning = checkKernel(notebook, notebookPath);
  if (warning) process.stderr.write(`tensorcell: ${warning}\n`);
  const dir = resolve(values.o as string);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new NotebookError(`-o ${values.o}: exists and is not a folder`);
  if (executor === "slurm") {
    for (const tool of ["sbatch", "squeue", "scancel"]) {
      if (!onPath(tool)) throw new NotebookError(`--executor slurm: ${tool} is not on PATH (install Slurm's client tools, e.g. Debian's slurm-client, or run where they are)`);
    }
  }
  const base = basename(notebookPath).replace(/\.ipynb$/, "");
  const runs = gridPoints(axes).map((point, index) => ({ index, label: point.label, parameters: point.parameters, file: join(dir, `${base}-${point.label}.ipynb`) }));
  const effectiveJobs = executor === "local" ? (jobs ?? 1) : 1;
  const plan: SweepPlan = {
    version: 1,
    notebook: resolve(notebookPath),
    dir,
    axes,
    runs,
    timeoutS,
    backend: values.backend as string | undefined,
    memoryLimitMb,
    env: kernelEnvForJobs(executor === "local" ? effectiveJobs : 2, undefined),
  };
  return { plan, jobs, executor, force: Boolean(values.force), quiet: Boolean(values.quiet) };
}

/** Writes DIR and its plan; returns a function that removes what this call created (for a failed submission). */
export function writePlan(plan: SweepPlan): () => void {
  const createdDir = !existsSync(plan.dir);
  const planDir = join(plan.dir, PLAN_FOLDER);
  const createdPlanDir = !existsSync(planDir);
  mkdirSync(planDir, { recursive: true });
  writeFileAtomic(planPath(plan.dir), JSON.stringify(plan, null, 1) + "\n");
  return () => {
    if (createdDir) rmSync(plan.dir, { recursive: true, force: true });
    else if (createdPlanDir) rmSync(planDir, { recursive: true, force: true });
  };
}

/** One line per finished run. */
export function describeRow(row: SummaryRow): string {
  const time = row.timeS === null ? "" : ` in ${formatElapsed(row.timeS * 1000)}`;
  return `${row.name}: ${row.status}${time}${row.error ? ` (${row.error})` : ""}`;
}

/** Runs the plan's runs `todo` on this machine, `jobs` at once, until done or `signal` aborts. */
export async function runLocal(plan: SweepPlan, todo: readonly number[], jobs: number, signal: AbortSignal, report: (line: string) => void): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < todo.length && !signal.aborted) {
      const run = plan.runs[todo[next++]!]!;
      await runOne(plan, run, signal);
      report(`[${++done}/${todo.length}] ${describeRow(readRow(run))}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, todo.length) }, worker));
}

/** Runs `tensorcell sweep ARGS`; resolves to the exit code. */
export async function sweepCommand(args: string[]): Promise<number> {
  const request = parseSweepArgs(args);
  const { plan } = request;
  const report = request.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
  const todo = plan.runs.filter((run) => request.force || readRow(run).status !== "ok").map((run) => run.index);
  const kept = plan.runs.length - todo.length;
  const undo = writePlan(plan);
  report(`tensorcell: sweep of ${plan.runs.length} runs into ${plan.dir}${kept ? ` (${kept} finished ok before: kept; --force reruns them)` : ""}`);
  let interrupted = false;
  if (todo.length > 0) {
    if (request.executor === "slurm") {
      const { runOnSlurm } = await import("./slurm.js");
      interrupted = await runOnSlurm(plan, todo, request.jobs, report, undo);
    } else {
      const stop = interruptSignal();
      try {
        await runLocal(plan, todo, request.jobs ?? 1, stop.signal, report);
      } finally {
        stop.dispose();
      }
      interrupted = stop.signal.aborted;
    }
  }
  const rows = await writeSummary(plan);
  const counts = ["ok", "error", "cancelled"].map((s) => `${rows.filter((r) => r.status === s).length} ${s}`).join(", ");
  process.stderr.write(`tensorcell: ${counts}; wrote ${join(plan.dir, "summary.csv")}, summary.json and summary.html\n`);
  if (interrupted) return EXIT_INTERRUPTED;
  return rows.every((row) => row.status === "ok") ? EXIT.ok : EXIT.cellError;
}

/** Runs `tensorcell sweep-task DIR INDEX` (one run of DIR's plan); exit 0 ok, 3 failed, 130 cancelled. */
export async function sweepTaskCommand(args: string[]): Promise<number> {
  const { positionals } = parseOptions(args, {});
  const index = numberOption(positionals[1] ?? process.env.SLURM_ARRAY_TASK_ID, "INDEX", { integer: true });
  if (positionals.length < 1 || index === undefined) throw new HeadlessUsageError("sweep-task needs DIR and INDEX (or SLURM_ARRAY_TASK_ID)");
  const plan = readPlan(positionals[0]!);
  const run = plan.runs[index];
  if (!run) throw new NotebookError(`run ${index} is not in the plan (it has ${plan.runs.length} runs)`);
  const stop = interruptSignal();
  try {
    const outcome = await runOne(plan, run, stop.signal);
    process.stderr.write(`tensorcell: ${describeRow(readRow(run))}\n`);
    if (outcome.status === "cancelled") return EXIT_INTERRUPTED;
    return outcome.status === "ok" ? EXIT.ok : EXIT.cellError;
  } finally {
    stop.dispose();
  }
}
