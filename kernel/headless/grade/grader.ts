/**
 * Grades one submission in its own kernel process: the frozen test helpers
 * first, then every cell of the merged notebook in order, each under the
 * time and memory limits. A cell that runs too long is interrupted and the
 * next cell runs; if the kernel dies it is restarted (helpers again) and
 * grading carries on. A test cell scores its points when it and its hidden
 * tests finish without an error; stderr output never costs points. When a
 * test fails after the kernel was killed in an answer cell (state lost), its
 * row's outcome is that kill (memory, timeout, kernel-died), not "failed".
 */
import { KernelSession, type CellRun, type SessionOptions } from "../session.js";
import { GRADER_PRELUDE } from "./helpers.js";
import type { GradedCell, MergedSubmission } from "./merge.js";

/** How one graded item ended. */
export type TestOutcome = "passed" | "failed" | "timeout" | "memory" | "kernel-died" | "manual";

/** One graded item (a test cell, or an answer graded by hand) of a submission. */
export interface TestResult {
  gradeId: string;
  points: number;
  maxPoints: number;
  outcome: TestOutcome;
  /** Which test or limit fired, in words ("" when passed). */
  detail: string;
}

/** The grade of one submission. */
export interface SubmissionGrade {
  /** Submission name (file name without .ipynb). */
  name: string;
  path: string;
  score: number;
  maxScore: number;
  tests: TestResult[];
  /** Restored cells, limits hit in answer cells, kernel restarts. */
  notes: string[];
  elapsedMs: number;
  /** Set when the submission could not be graded at all (unreadable notebook, kernel would not start). */
  error?: string;
}

/** Limits and setup of a grading kernel. */
export interface GradeOptions extends SessionOptions {
  /** Seconds per cell (default 120). */
  timeoutS?: number;
  /** Runs seed(n) after the helpers, before student code. */
  seed?: number;
  /** Hidden tests by grade_id: source run right after that test cell. */
  hiddenTests?: Map<string, string>;
}

function firstLine(text: unknown): string {
  return String(text ?? "").split("\n")[0]!.slice(0, 300);
}

/** What a failed run says about itself, for the report. */
function describeFailure(run: CellRun): { outcome: TestOutcome; detail: string } {
  switch (run.status) {
    case "timeout":
      return { outcome: "timeout", detail: run.detail ?? "time limit exceeded" };
    case "memory":
      return { outcome: "memory", detail: run.detail ?? "memory limit exceeded" };
    case "died":
      return { outcome: "kernel-died", detail: run.detail ?? "the kernel died" };
    default:
      return { outcome: "failed", detail: `${String(run.reply?.content.ename ?? "Error")}: ${firstLine(run.reply?.content.evalue)}` };
  }
}

/** Grades a merged submission; never throws for what the student's code does. */
export async function gradeMerged(merged: MergedSubmission, name: string, path: string, options: GradeOptions = {}): Promise<SubmissionGrade> {
  const started = Date.now();
  const grade: SubmissionGrade = { name, path, score: 0, maxScore: 0, tests: [], notes: [...merged.notes], elapsedMs: 0 };
  const session = new KernelSession(options);
  const timeoutS = options.timeoutS ?? 120;
  /** The last limit an answer cell hit, added to later test failures so the report says why. */
  let lastLimit: LimitHit | undefined;
  const boot = async () => {
    await session.start();
    const prelude = await session.runCell(GRADER_PRELUDE, { silent: true, timeoutS: 60 });
    if (prelude.status !== "ok") throw new Error(`the grader's test helpers failed to load: ${firstLine(prelude.reply?.content.evalue ?? prelude.detail)}`);
    if (options.seed !== undefined) await session.runCell(`seed(${JSON.stringify(options.seed)})`, { silent: true, timeoutS: 60 });
  };
  const run = async (source: string): Promise<CellRun> => {
    if (!session.running) {
      grade.notes.push("the kernel was restarted (state from earlier cells is lost)");
      await boot();
    }
    return session.runCell(source, { timeoutS });
  };
  try {
    await boot();
    for (const cell of merged.cells) {
      if (cell.cellType !== "code") continue;
      if (cell.role === "manual") {
        grade.tests.push({ gradeId: cell.gradeId!, points: 0, maxPoints: cell.points, outcome: "manual", detail: "graded by hand" });
        await run(cell.source);
        continue;
      }
      const result = await run(cell.source);
      if (cell.role !== "test") {
        if (result.status !== "ok") {
          const { detail } = describeFailure(result);
          const where = cell.gradeId ? `answer cell "${cell.gradeId}"` : "a cell of the student's own";
          grade.notes.push(`${where}: ${detail}`);
          if (result.status !== "error") {
            lastLimit = { text: `${where} hit a limit: ${detail}`, killed: result.kernelLost ? describeFailure(result).outcome : undefined };
          }
        }
        continue;
      }
      grade.tests.push(await scoreTest(cell, result, run, options.hiddenTests, lastLimit));
      // Only the first test after a kill takes its outcome; the words stay for later failures.
      if (lastLimit) lastLimit = { text: lastLimit.text };
    }
  } catch (error) {
    grade.error = (error as Error).message;
  } finally {
    await session.stop();
  }
  grade.maxScore = merged.cells.filter((c) => c.role === "test" || c.role === "manual").reduce((sum, c) => sum + c.points, 0);
  for (const cell of merged.cells) {
    if ((cell.role === "test" || cell.role === "manual") && !grade.tests.some((t) => t.gradeId === cell.gradeId)) {
      grade.tests.push({ gradeId: cell.gradeId!, points: 0, maxPoints: cell.points, outcome: "failed", detail: `not run: ${grade.error ?? "grading stopped"}` });
    }
  }
  grade.score = grade.tests.reduce((sum, t) => sum + t.points, 0);
  grade.elapsedMs = Date.now() - started;
  return grade;
}

/** A limit an answer cell hit before a test: its words, and the outcome when it cost the kernel. */
interface LimitHit {
  text: string;
  /** Set when the kernel was killed (its state lost): the outcome the next test gets if it fails. */
  killed?: TestOutcome;
}

async function scoreTest(
  cell: GradedCell,
  result: CellRun,
  run: (source: string) => Promise<CellRun>,
  hiddenTests: Map<string, string> | undefined,
  lastLimit: LimitHit | undefined,
): Promise<TestResult> {
  const base = { gradeId: cell.gradeId!, maxPoints: cell.points };
  const withCause = (detail: string) => (lastLimit ? `${detail} (after: ${lastLimit.text})` : detail);
  // A plain failure right after the kernel was killed says what killed it.
  const outcomeOf = (failure: { outcome: TestOutcome }) => (failure.outcome === "failed" && lastLimit?.killed ? lastLimit.killed : failure.outcome);
  if (result.status !== "ok") {
    const failure = describeFailure(result);
    return { ...base, points: 0, outcome: outcomeOf(failure), detail: withCause(`test "${cell.gradeId}" ${failure.outcome === "failed" ? "failed" : "stopped"}: ${failure.detail}`) };
  }
  const hidden = hiddenTests?.get(cell.gradeId!);
  if (hidden !== undefined) {
    const hiddenResult = await run(hidden);
    if (hiddenResult.status !== "ok") {
      const failure = describeFailure(hiddenResult);
      return { ...base, points: 0, outcome: outcomeOf(failure), detail: withCause(`hidden test "${cell.gradeId}" ${failure.outcome === "failed" ? "failed" : "stopped"}: ${failure.detail}`) };
    }
  }
  return { ...base, points: cell.points, outcome: "passed", detail: "" };
}
