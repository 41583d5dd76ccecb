/**
 * Runs work as ONE Slurm job array: `sbatch --array` submits it, `squeue`
 * polling follows it, `sacct` (or `scontrol show job` where accounting is
 * off) gives each task's final state, and `scancel` stops it. Slurm does all
 * the scheduling; each array task runs `tensorcell <command> WORK_DIR
 * $SLURM_ARRAY_TASK_ID` with the node and tensorcell of the submitting
 * machine, so WORK_DIR and the install must be on a file system the nodes
 * share. sbatch options (partition, time, memory) come from the usual
 * SBATCH_* environment variables.
 */
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { NotebookError, writeFileAtomic } from "../notebook.js";

/** Final state of one array task, as Slurm reports it. */
export interface TaskState {
  /** Slurm's job state: COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL ... */
  state: string;
  /** Slurm's ExitCode, "code:signal". */
  exitCode: string;
}

/** What to submit. */
export interface ArrayJob {
  /** Folder for the batch script and the tasks' logs (slurm-<job>_<task>.out). */
  workDir: string;
  jobName: string;
  /** Array task ids; each task runs `tensorcell ...taskArgs TASK_ID`. */
  indices: readonly number[];
  /** Tasks running at once (sbatch's %N throttle); all when undefined. */
  throttle?: number;
  /** tensorcell arguments before the task id, e.g. ["sweep-task", DIR]. */
  taskArgs: readonly string[];
}

/** Counts of the array's tasks while it runs. */
export interface ArrayProgress {
  pending: number;
  running: number;
  finished: number;
  total: number;
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** Slurm's array syntax for a list of ids: 0-3,7,9-10. */
export function arraySpec(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** The batch script: every task runs this tensorcell with node, as the submitter did. */
export function batchScript(taskArgs: readonly string[]): string {
  const cli = realpathSync(process.argv[1]!);
  const command = [process.execPath, cli, ...taskArgs].map(shellQuote).join(" ");
  return `#!/bin/sh\n# Written by tensorcell: one array task = one unit of work.\nexec ${command} "$SLURM_ARRAY_TASK_ID"\n`;
}

/** The first meaningful line of a tool's error output. */
function errorLine(error: unknown): string {
  const failure = error as { stderr?: Buffer | string; message?: string };
  const text = String(failure.stderr ?? "").trim() || String(failure.message ?? error);
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /error/i.test(l) && !/If munged is up/.test(l)) ?? lines[lines.length - 1] ?? "failed").replace(/^sbatch: error: /, "");
}

/** Submits the array with sbatch; returns the job id. A refused submission is a one-line NotebookError. */
export function submitArray(job: ArrayJob): string {
  const script = join(job.workDir, "job.sh");
  writeFileAtomic(script, batchScript(job.taskArgs));
  chmodSync(script, 0o755);
  const array = `${arraySpec(job.indices)}${job.throttle ? `%${job.throttle}` : ""}`;
  const args = ["--parsable", `--job-name=${job.jobName}`, `--array=${array}`, `--output=${join(job.workDir, "slurm-%A_%a.out")}`, `--chdir=${job.workDir}`, script];
  let out: string;
  try {
    out = execFileSync("sbatch", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  } catch (error) {
    throw new NotebookError(`sbatch could not submit the job array: ${errorLine(error)}`);
  }
  const id = out.trim().split(";")[0]!;
  if (!/^\d+$/.test(id)) throw new NotebookError(`sbatch answered "${out.trim()}", not a job id`);
  return id;
}

function run(program: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(program, args, { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => done({ ok: !error, stdout, stderr }));
  });
}

/** Tasks still in the queue: array task id to state (PENDING, RUNNING, COMPLETING ...); undefined when squeue failed. */
export async function queuedTasks(jobId: string): Promise<Map<number, string> | undefined> {
  const result = await run("squeue", ["-h", "-r", "-j", jobId, "-o", "%K|%T"]);
  if (!result.ok) return /Invalid job id/i.test(result.stderr) ? new Map() : undefined;
  const tasks = new Map<number, string>();
  for (const line of result.stdout.split("\n")) {
    const [task, state] = line.trim().split("|");
    if (task && state && /^\d+$/.test(task)) tasks.set(Number(task), state);
  }
  return tasks;
}

/** Parses `sacct -n -P -X -o JobID,State,ExitCode` lines (12_3|FAILED|3:0). */
export function parseSacct(text: string, jobId: string): Map<number, TaskState> {
  const states = new Map<number, TaskState>();
  for (const line of text.split("\n")) {
    const [id, state, exitCode] = line.trim().split("|");
    const match = id ? new RegExp(`^${jobId}_(\\d+)$`).exec(id) : null;
    if (match && state) states.set(Number(match[1]), { state: state.split(" ")[0]!, exitCode: exitCode ?? "" });
  }
  return states;
}

/** Parses `scontrol show job -o` lines (ArrayTaskId=3 JobState=FAILED ExitCode=3:0). */
export function parseScontrol(text: string): Map<number, TaskState> {
  const states = new Map<number, TaskState>();
  for (const line of text.split("\n")) {
    const task = /\bArrayTaskId=(\d+)\b/.exec(line);
    const state = /\bJobState=(\S+)/.exec(line);
    if (task && state) states.set(Number(task[1]), { state: state[1]!, exitCode: /\bExitCode=(\S+)/.exec(line)?.[1] ?? "" });
  }
  return states;
}

/** Final states of the array's tasks: sacct when accounting is on, else scontrol (which keeps finished jobs a few minutes). */
export async function finalStates(jobId: string): Promise<Map<number, TaskState>> {
  const sacct = await run("sacct", ["-n", "-P", "-X", "-j", jobId, "-o", "JobID,State,ExitCode"]).catch(() => undefined);
  const fromSacct = sacct?.ok ? parseSacct(sacct.stdout, jobId) : new Map<number, TaskState>();
  if (fromSacct.size > 0) return fromSacct;
  const scontrol = await run("scontrol", ["show", "job", "-o", jobId]);
  return scontrol.ok ? parseScontrol(scontrol.stdout) : new Map();
}

/** Cancels the whole array. */
export async function cancelArray(jobId: string): Promise<void> {
  await run("scancel", [jobId]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until no task of the array is queued or running, calling onProgress
 * when the counts change. When `signal` aborts, scancels the array and waits
 * for its tasks to leave the queue. Resolves to each task's final state.
 */
export async function waitForArray(
  jobId: string,
  total: number,
  options: { signal?: AbortSignal; onProgress?: (progress: ArrayProgress) => void; pollMs?: number } = {},
): Promise<Map<number, TaskState>> {
  const pollMs = options.pollMs ?? Number(process.env.TENSORCELL_SLURM_POLL_MS ?? 2000);
  let cancelled = false;
  let last = "";
  let failures = 0;
  for (;;) {
    if (options.signal?.aborted && !cancelled) {
      cancelled = true;
      await cancelArray(jobId);
    }
    const queued = await queuedTasks(jobId);
    if (queued === undefined) {
      if (++failures >= 5) throw new NotebookError(`squeue cannot see job ${jobId} (is the controller down?); the array may still run: scancel ${jobId} to stop it`);
    } else {
      failures = 0;
      const states = [...queued.values()];
      const running = states.filter((s) => s !== "PENDING").length;
      const progress = { pending: states.length - running, running, finished: total - states.length, total };
      const key = JSON.stringify(progress);
      if (key !== last) options.onProgress?.(progress);
      last = key;
      if (queued.size === 0) break;
    }
    await sleep(cancelled ? Math.min(pollMs, 500) : pollMs);
  }
  return finalStates(jobId);
}
