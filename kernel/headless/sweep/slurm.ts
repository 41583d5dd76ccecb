/**
 * `tensorcell sweep --executor slurm`: the runs still to do go to Slurm as one
 * job array (slurm/executor.ts), each task running `tensorcell sweep-task DIR
 * INDEX`; Ctrl-C scancels the array. Task failures are reported with their
 * Slurm state; the summary is read back from the notebooks as for local runs.
 */
import { join } from "node:path";
import { submitArray, waitForArray } from "../slurm/executor.js";
import { PLAN_FOLDER, type SweepPlan } from "./plan.js";
import { interruptSignal } from "./interrupt.js";

/** Submits `todo` as one array, waits with progress; resolves to true when interrupted. */
export async function runOnSlurm(plan: SweepPlan, todo: readonly number[], jobs: number | undefined, report: (line: string) => void, undo: () => void): Promise<boolean> {
  const workDir = join(plan.dir, PLAN_FOLDER);
  let jobId: string;
  try {
    jobId = submitArray({ workDir, jobName: `tensorcell-sweep`, indices: todo, throttle: jobs, taskArgs: ["sweep-task", plan.dir] });
  } catch (error) {
    undo();
    throw error;
  }
  report(`tensorcell: submitted Slurm job array ${jobId} (${todo.length} tasks); Ctrl-C cancels it`);
  const stop = interruptSignal();
  try {
    const states = await waitForArray(jobId, todo.length, {
      signal: stop.signal,
      onProgress: (p) => report(`slurm job ${jobId}: ${p.finished}/${p.total} finished, ${p.running} running, ${p.pending} pending`),
    });
    for (const index of todo) {
      const state = states.get(index);
      if (state?.state === "COMPLETED") continue;
      const run = plan.runs[index]!;
      report(`tensorcell: task ${jobId}_${index} (${run.label}): ${state ? `${state.state}, exit ${state.exitCode}` : "no state from Slurm"}; log ${join(workDir, `slurm-${jobId}_${index}.out`)}`);
    }
  } finally {
    stop.dispose();
  }
  return stop.signal.aborted;
}
