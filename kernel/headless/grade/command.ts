/**
 * `tensorcell grade ASSIGNMENT.ipynb SUBMISSIONS_DIR [--tests HIDDEN_DIR] [-o report.csv|report.json]`:
 * grades every submission notebook, each in its own kernel process, up to
 * --jobs at a time (default: the number of CPU cores).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cpus } from "node:os";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { EXIT } from "../exit-codes.js";
import { NotebookError, readNotebook, writeFileAtomic } from "../notebook.js";
import { HeadlessUsageError, numberOption, parseOptions } from "../options.js";
import { makeStudentVersion } from "./assign.js";
import { gradeMerged, type GradeOptions, type SubmissionGrade } from "./grader.js";
import { mergeSubmission } from "./merge.js";
import { gradeId } from "./nbgrader.js";
import { gradesSummary, gradesToCsv, gradesToJson } from "./report.js";

/** --help text of `tensorcell grade`. */
export const GRADE_HELP = `usage: tensorcell grade ASSIGNMENT.ipynb SUBMISSIONS_DIR [--tests HIDDEN_DIR] [-o report.csv|report.json]
                       [--timeout S] [--memory MB] [--jobs N] [--seed N] [--backend cpu|wasm|auto] [--cwd DIR]
Grades each SUBMISSIONS_DIR/*.ipynb (or SUBMISSIONS_DIR/<student>/*.ipynb) against ASSIGNMENT
(the instructor's version with solutions, or the student version), reading nbgrader metadata:
  answer cells (solution: true)   the student's code, matched by grade_id
  test cells (grade: true)        the assignment's code, worth "points"; edited or deleted
                                  test/locked cells are restored from the assignment
  HIDDEN_DIR/<grade_id>.ts        hidden tests, run right after that test cell
Before any student code, each kernel defines frozen helpers students cannot redefine:
assert(cond, msg), assertEqual(actual, expected), assertClose(actual, expected, {rtol, atol}),
assertThrows(fn), AssertionError (also as grader.*). A test scores when it and its hidden
tests finish without an error; output on stderr (warnings) never costs points.
  --timeout S   per-cell limit (default 120): the cell is interrupted and grading goes on
  --memory MB   kernel memory limit (default 2048): heap limit plus resident-memory checks;
                a kernel that dies is restarted and grading carries on
  --jobs N      submissions graded in parallel (default: CPU cores); with more than one, each
                kernel computes on 1 wasm thread unless TENSORCELL_THREADS is set
  --cwd DIR     kernel working directory (default: the assignment's folder)
Report: CSV (submission,score,max_score,grade_id,points,max_points,outcome,detail) or JSON by
the -o extension; outcome is passed, failed, timeout, memory, kernel-died or manual.
exit codes: 0 graded (whatever the scores), 2 bad input (assignment unreadable, bad metadata)`;

/** Options of gradeAll. */
export interface GradeAllOptions extends GradeOptions {
  /** Parallel kernels (default: CPU cores). */
  jobs?: number;
  /** Called as each submission finishes. */
  onGraded?: (grade: SubmissionGrade, done: number, total: number) => void;
}

/**
 * The extra environment of the grading kernels when `jobs` run at once: with
 * more than one, each kernel gets TENSORCELL_THREADS=1 (parallel kernels
 * already use the cores; a thread per core in each would oversubscribe them),
 * unless `env` or the process environment sets TENSORCELL_THREADS.
 */
export function kernelEnvForJobs(jobs: number, env: Record<string, string> | undefined, processEnv: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const set = (value: string | undefined) => value !== undefined && value.trim() !== "";
  if (jobs <= 1 || set(env?.TENSORCELL_THREADS) || set(processEnv.TENSORCELL_THREADS)) return env;
  return { ...env, TENSORCELL_THREADS: "1" };
}

/** Lists submission notebooks: DIR/*.ipynb and DIR/<student>/*.ipynb, sorted. */
export function listSubmissions(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new NotebookError(`${dir}: no such submissions folder`);
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith(".ipynb") && !entry.name.startsWith(".")) found.push(path);
    else if (entry.isDirectory() && !entry.name.startsWith(".")) {
      for (const inner of readdirSync(path)) if (inner.endsWith(".ipynb") && !inner.startsWith(".")) found.push(join(path, inner));
    }
  }
  return found.sort();
}

/** Reads hidden tests: HIDDEN_DIR/<grade_id>.ts (or .js). Unknown grade_ids are returned for a warning. */
export function readHiddenTests(dir: string, knownIds: Set<string>): { tests: Map<string, string>; unknown: string[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new NotebookError(`${dir}: no such hidden-tests folder`);
  const tests = new Map<string, string>();
  const unknown: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (![".ts", ".js"].includes(extname(file))) continue;
    const id = basename(file, extname(file));
    if (!knownIds.has(id)) unknown.push(file);
    else tests.set(id, readFileSync(join(dir, file), "utf8"));
  }
  return { tests, unknown };
}

/** Grades submission files against an assignment with a pool of kernels; results in input order. */
export async function gradeAll(assignmentPath: string, submissions: readonly string[], options: GradeAllOptions = {}): Promise<SubmissionGrade[]> {
  const assignment = readNotebook(assignmentPath);
  makeStudentVersion(assignment, assignmentPath); // validates metadata and delimiters (one-line NotebookError)
  const root = dirname(submissions[0] ?? ".");
  const results: SubmissionGrade[] = new Array(submissions.length);
  let next = 0;
  let done = 0;
  const jobs = Math.max(1, Math.min(options.jobs ?? cpus().length, submissions.length));
  const kernelOptions: GradeOptions = { ...options, env: kernelEnvForJobs(jobs, options.env) };
  const worker = async () => {
    while (next < submissions.length) {
      const index = next++;
      const path = submissions[index]!;
      const name = relative(root, path).replace(/\.ipynb$/, "") || basename(path, ".ipynb");
      let grade: SubmissionGrade;
      try {
        grade = await gradeMerged(mergeSubmission(assignment, readNotebook(path)), name, path, kernelOptions);
      } catch (error) {
        if (!(error instanceof NotebookError)) throw error;
        grade = { name, path, score: 0, maxScore: 0, tests: [], notes: [], elapsedMs: 0, error: error.message };
      }
      results[index] = grade;
      options.onGraded?.(grade, ++done, submissions.length);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return results;
}

/** Runs `tensorcell grade ARGS`; resolves to the exit code. */
export async function gradeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    tests: { type: "string" },
    o: { type: "string", short: "o" },
    timeout: { type: "string" },
    memory: { type: "string" },
    jobs: { type: "string", short: "j" },
    seed: { type: "string" },
    backend: { type: "string" },
    cwd: { type: "string" },
    quiet: { type: "boolean", short: "q" },
  });
  if (positionals.length !== 2) throw new HeadlessUsageError("grade needs ASSIGNMENT.ipynb and SUBMISSIONS_DIR (see tensorcell grade --help)");
  const [assignmentPath, submissionsDir] = positionals as [string, string];
  const assignment = readNotebook(assignmentPath);
  const knownIds = new Set(assignment.cells.map(gradeId).filter((id): id is string => id !== undefined));
  let hiddenTests: Map<string, string> | undefined;
  if (values.tests) {
    const hidden = readHiddenTests(values.tests as string, knownIds);
    hiddenTests = hidden.tests;
    for (const file of hidden.unknown) process.stderr.write(`tensorcell: hidden test ${file} matches no grade_id in ${assignmentPath}; ignored\n`);
  }
  const submissions = listSubmissions(submissionsDir);
  if (submissions.length === 0) throw new NotebookError(`${submissionsDir} holds no .ipynb submissions`);
  const report = values.o as string | undefined;
  if (report && ![".csv", ".json"].includes(extname(report))) throw new HeadlessUsageError(`-o ${report}: the report must end in .csv or .json`);
  const grades = await gradeAll(assignmentPath, submissions, {
    hiddenTests,
    timeoutS: numberOption(values.timeout, "--timeout", { positive: true }) ?? 120,
    memoryLimitMb: numberOption(values.memory, "--memory", { positive: true }) ?? 2048,
    jobs: numberOption(values.jobs, "--jobs", { integer: true, positive: true }),
    seed: numberOption(values.seed, "--seed", { integer: true }),
    backend: values.backend as string | undefined,
    cwd: resolve((values.cwd as string | undefined) ?? dirname(resolve(assignmentPath))),
    onGraded: values.quiet
      ? undefined
      : (grade, done, total) => process.stderr.write(`[${done}/${total}] ${grade.name}: ${grade.score}/${grade.maxScore}${grade.error ? ` (${grade.error})` : ""}\n`),
  });
  if (report) {
    writeFileAtomic(report, extname(report) === ".json" ? gradesToJson(assignmentPath, grades) : gradesToCsv(grades));
    process.stderr.write(`tensorcell: wrote ${report}\n`);
  }
  process.stdout.write(`${gradesSummary(grades)}\n`);
  return EXIT.ok;
}
