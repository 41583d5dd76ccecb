/**
 * `tensorcell grade --executor slurm`: every submission is one task of ONE
 * Slurm job array (slurm/executor.ts). The plan (assignment, submissions,
 * grading options) goes to a work folder; each task runs `tensorcell
 * grade-task WORK_DIR INDEX`, grades its submission as `grade` would locally
 * and writes WORK_DIR/results/INDEX.json; the submitting command collects
 * them into the usual report. A task that leaves no result becomes a row
 * with its Slurm state; Ctrl-C scancels the array. The work folder is
 * removed when every task completed, and kept (with the tasks' logs) otherwise.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { EXIT } from "../exit-codes.js";
import { NotebookError, writeFileAtomic } from "../notebook.js";
import { HeadlessUsageError, numberOption, parseOptions } from "../options.js";
import { submitArray, waitForArray } from "../slurm/executor.js";
import { interruptSignal } from "../sweep/interrupt.js";
import { gradeAll, type GradeAllOptions } from "./command.js";
import type { SubmissionGrade } from "./grader.js";

/** What a grade-task reads. */
interface GradePlan {
  version: 1;
  assignment: string;
  submissions: string[];
  options: Omit<GradeAllOptions, "hiddenTests" | "onGraded"> & { hiddenTests?: [string, string][] };
}

/** Where a task's result goes. */
function resultPath(workDir: string, index: number): string {
  return join(workDir, "results", `${index}.json`);
}

/**
 * Grades `submissions` through one Slurm job array, `jobs` tasks at a time
 * (all when undefined); resolves to the grades in input order and whether
 * Ctrl-C stopped it.
 */
export async function gradeOnSlurm(
  assignmentPath: string,
  submissions: readonly string[],
  options: GradeAllOptions,
  report: (line: string) => void,
): Promise<{ grades: SubmissionGrade[]; interrupted: boolean }> {
  const workDir = resolve(".tensorcell-grade", `${new Date().toISOString().replace(/[:.]/g, "-")}-${process.pid}`);
  const { onGraded: _onGraded, hiddenTests, jobs, ...rest } = options;
  const plan: GradePlan = {
    version: 1,
    assignment: resolve(assignmentPath),
    submissions: submissions.map((path) => resolve(path)),
    options: { ...rest, submissionsDir: rest.submissionsDir && resolve(rest.submissionsDir), jobs: 1, hiddenTests: hiddenTests ? [...hiddenTests] : undefined },
  };
  mkdirSync(join(workDir, "results"), { recursive: true });
  writeFileAtomic(join(workDir, "plan.json"), JSON.stringify(plan, null, 1) + "\n");
  const indices = submissions.map((_, index) => index);
  let jobId: string;
  try {
    jobId = submitArray({ workDir, jobName: "tensorcell-grade", indices, throttle: jobs, taskArgs: ["grade-task", workDir] });
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  report(`tensorcell: submitted Slurm job array ${jobId} (${submissions.length} submissions); Ctrl-C cancels it; work folder ${workDir}`);
  const stop = interruptSignal("grading");
  let states;
  try {
    states = await waitForArray(jobId, submissions.length, {
      signal: stop.signal,
      onProgress: (p) => report(`slurm job ${jobId}: ${p.finished}/${p.total} finished, ${p.running} running, ${p.pending} pending`),
    });
  } finally {
    stop.dispose();
  }
  const grades = submissions.map((path, index): SubmissionGrade => {
    const file = resultPath(workDir, index);
    const state = states.get(index);
    if (state && state.state !== "COMPLETED") report(`tensorcell: task ${jobId}_${index} (${path}): ${state.state}, exit ${state.exitCode}; log ${join(workDir, `slurm-${jobId}_${index}.out`)}`);
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as SubmissionGrade;
    const why = state ? `Slurm task ${state.state} (exit ${state.exitCode})` : "no result from Slurm";
    return { name: path.replace(/^.*\//, "").replace(/\.ipynb$/, ""), path, score: 0, maxScore: 0, tests: [], notes: [], elapsedMs: 0, error: why };
  });
  // Every task finished: the work folder served its purpose; otherwise its logs stay for a look.
  if (!stop.signal.aborted && indices.every((index) => states.get(index)?.state === "COMPLETED")) rmSync(workDir, { recursive: true, force: true });
  return { grades, interrupted: stop.signal.aborted };
}

/** Runs `tensorcell grade-task WORK_DIR INDEX`: grades one submission of the plan; exit 0 graded, 3 ungradable. */
export async function gradeTaskCommand(args: string[]): Promise<number> {
  const { positionals } = parseOptions(args, {});
  const index = numberOption(positionals[1] ?? process.env.SLURM_ARRAY_TASK_ID, "INDEX", { integer: true });
  if (positionals.length < 1 || index === undefined) throw new HeadlessUsageError("grade-task needs WORK_DIR and INDEX (or SLURM_ARRAY_TASK_ID)");
  const workDir = resolve(positionals[0]!);
  const planFile = join(workDir, "plan.json");
  if (!existsSync(planFile)) throw new NotebookError(`${workDir} holds no grading plan (plan.json)`);
  const plan = JSON.parse(readFileSync(planFile, "utf8")) as GradePlan;
  const submission = plan.submissions[index];
  if (submission === undefined) throw new NotebookError(`submission ${index} is not in the plan (it has ${plan.submissions.length})`);
  const { hiddenTests, ...options } = plan.options;
  const [grade] = await gradeAll(plan.assignment, [submission], { ...options, hiddenTests: hiddenTests ? new Map(hiddenTests) : undefined });
  writeFileAtomic(resultPath(workDir, index), JSON.stringify(grade) + "\n");
  process.stderr.write(`tensorcell: ${grade!.name}: ${grade!.score}/${grade!.maxScore}${grade!.error ? ` (${grade!.error})` : ""}\n`);
  return grade!.error ? EXIT.cellError : EXIT.ok;
}
