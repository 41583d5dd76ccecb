/**
 * `tensorcell grade ASSIGNMENT.ipynb SUBMISSIONS_DIR [--tests HIDDEN_DIR] [-o report.csv|report.json]`:
 * grades every submission notebook, each in its own kernel process, up to
 * --jobs at a time (default: the number of CPU cores). Each kernel runs in
 * a bubblewrap sandbox (sandbox/) unless --no-sandbox is given.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
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
import { submissionFiles, unreachableBySandbox } from "../sandbox/launch.js";
import { DEFAULT_DISK_MB, DEFAULT_MAX_PROCESSES } from "../sandbox/limits.js";
import { findSandboxTools, probeSandbox } from "../sandbox/probe.js";

/** --help text of `tensorcell grade`. */
export const GRADE_HELP = `usage: tensorcell grade ASSIGNMENT.ipynb SUBMISSIONS_DIR [--tests HIDDEN_DIR] [-o report.csv|report.json]
                       [--timeout S] [--memory MB] [--jobs N] [--seed N] [--backend cpu|wasm|auto]
                       [--disk MB] [--pids N] [--files DIR] [--no-sandbox [--cwd DIR]] [--executor local|slurm]
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
  --memory MB   kernel memory limit (default 2048): heap limit plus resident-memory checks of the
                kernel's processes (sandboxed: also RLIMIT_DATA a little above it); a kernel that
                is killed or dies is restarted and grading carries on
  --jobs N      submissions graded in parallel (default: CPU cores); with more than one, each
                kernel computes on 1 wasm thread unless TENSORCELL_THREADS is set
  --executor slurm  grade through ONE Slurm job array (sbatch): a task per submission, running
                "tensorcell grade-task" with a plan in ./.tensorcell-grade/ (a shared file system);
                --jobs throttles the tasks running at once; Ctrl-C scancels the array
Sandbox (bubblewrap, Debian package bubblewrap): each kernel sees node and tensorcell read-only,
and a private working folder holding a copy of its submission (with the other files of the
student's folder for SUBMISSIONS_DIR/<student>/ layouts); no network, no other processes, not
the assignment, hidden tests, other submissions or report. Hidden tests reach it as cells.
  --disk MB     size of the kernel's writable folder and temp files (default ${DEFAULT_DISK_MB})
  --pids N      processes and threads a kernel may run (default ${DEFAULT_MAX_PROCESSES})
  --files DIR   DIR's entries appear read-only in every working folder (data the assignment reads;
                they win over a student's file of the same name; with --no-sandbox DIR is the
                working directory unless --cwd is given)
  --no-sandbox  run kernels as you, with your files and network (warns on every run)
  --cwd DIR     with --no-sandbox: kernel working directory (default: the assignment's folder)
Report: CSV (submission,score,max_score,grade_id,points,max_points,outcome,detail) or JSON by
the -o extension; outcome is passed, failed, timeout, memory (the kernel was killed at the memory
limit), kernel-died or manual. Grading goes on after any kernel is killed.
exit codes: 0 graded (whatever the scores), 2 bad input (assignment unreadable, bad metadata) or no
sandbox (bubblewrap missing or refused namespaces)`;

/** Options of gradeAll. */
export interface GradeAllOptions extends GradeOptions {
  /** Parallel kernels (default: CPU cores). */
  jobs?: number;
  /** Called as each submission finishes. */
  onGraded?: (grade: SubmissionGrade, done: number, total: number) => void;
  /** The submissions folder: a submission in a subfolder of it gets that folder's files copied into its sandbox. */
  submissionsDir?: string;
}

/** The student's own folder of a submission (SUBMISSIONS_DIR/<student>/x.ipynb), or undefined for SUBMISSIONS_DIR/x.ipynb. */
function ownFolder(path: string, submissionsDir: string | undefined): string | undefined {
  if (submissionsDir === undefined) return undefined;
  const folder = dirname(resolve(path));
  // A linked folder is not the student's own: its files would be copied with the grader's rights.
  return folder === resolve(submissionsDir) || lstatSync(folder).isSymbolicLink() ? undefined : folder;
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
  const root = options.submissionsDir ?? dirname(submissions[0] ?? ".");
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
        const own = options.sandbox ? { ...kernelOptions, sandbox: { ...options.sandbox, copyFiles: submissionFiles(path, ownFolder(path, options.submissionsDir)) } } : kernelOptions;
        grade = await gradeMerged(mergeSubmission(assignment, readNotebook(path)), name, path, own);
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
    disk: { type: "string" },
    pids: { type: "string" },
    files: { type: "string" },
    "no-sandbox": { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
    executor: { type: "string" },
  });
  const executor = (values.executor as string | undefined) ?? "local";
  if (executor !== "local" && executor !== "slurm") throw new HeadlessUsageError(`--executor ${executor}: choose local or slurm`);
  if (executor === "slurm") {
    const { onPath } = await import("../sweep/command.js");
    for (const tool of ["sbatch", "squeue", "scancel"]) {
      if (!onPath(tool)) throw new NotebookError(`--executor slurm: ${tool} is not on PATH (install Slurm's client tools, e.g. Debian's slurm-client, or run where they are)`);
    }
  }
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
  const sandboxed = !values["no-sandbox"];
  const diskMb = numberOption(values.disk, "--disk", { positive: true });
  const maxProcesses = numberOption(values.pids, "--pids", { integer: true, positive: true });
  const sharedDir = values.files === undefined ? undefined : resolve(values.files as string);
  if (sharedDir !== undefined && (!existsSync(sharedDir) || !statSync(sharedDir).isDirectory())) throw new NotebookError(`--files ${values.files}: no such folder`);
  if (sandboxed && values.cwd !== undefined) {
    throw new HeadlessUsageError("--cwd applies with --no-sandbox only: a sandboxed kernel works in a private copy of its submission (give it read-only data with --files DIR)");
  }
  if (!sandboxed && (diskMb !== undefined || maxProcesses !== undefined)) throw new HeadlessUsageError("--disk and --pids are sandbox limits: leave them out with --no-sandbox");
  let sandbox: GradeAllOptions["sandbox"];
  if (sandboxed) {
    const blocked = sharedDir === undefined ? undefined : unreachableBySandbox(sharedDir);
    if (blocked !== undefined) {
      throw new NotebookError(`--files ${values.files}: sandboxed kernels run as nobody (uid 65534) when grading as root, and others may not enter ${blocked} (chmod o+rx it, or put the files elsewhere)`);
    }
    const tools = findSandboxTools();
    await probeSandbox(tools);
    sandbox = { ...tools, diskMb, maxProcesses, sharedDir };
  } else {
    process.stderr.write("tensorcell: warning: --no-sandbox: student code runs with your rights; it can read the hidden tests and other submissions, change files and use the network\n");
  }
  const gradeOptions: GradeAllOptions = {
    sandbox,
    submissionsDir,
    hiddenTests,
    timeoutS: numberOption(values.timeout, "--timeout", { positive: true }) ?? 120,
    memoryLimitMb: numberOption(values.memory, "--memory", { positive: true }) ?? 2048,
    jobs: numberOption(values.jobs, "--jobs", { integer: true, positive: true }),
    seed: numberOption(values.seed, "--seed", { integer: true }),
    backend: values.backend as string | undefined,
    cwd: sandboxed ? undefined : resolve((values.cwd as string | undefined) ?? (sharedDir ?? dirname(resolve(assignmentPath)))),
    onGraded: values.quiet
      ? undefined
      : (grade, done, total) => process.stderr.write(`[${done}/${total}] ${grade.name}: ${grade.score}/${grade.maxScore}${grade.error ? ` (${grade.error})` : ""}\n`),
  };
  let grades: SubmissionGrade[];
  let interrupted = false;
  if (executor === "slurm") {
    const { gradeOnSlurm } = await import("./slurm.js");
    ({ grades, interrupted } = await gradeOnSlurm(assignmentPath, submissions, gradeOptions, values.quiet ? () => {} : (line) => process.stderr.write(`${line}\n`)));
  } else {
    grades = await gradeAll(assignmentPath, submissions, gradeOptions);
  }
  if (report) {
    writeFileAtomic(report, extname(report) === ".json" ? gradesToJson(assignmentPath, grades) : gradesToCsv(grades));
    process.stderr.write(`tensorcell: wrote ${report}\n`);
  }
  process.stdout.write(`${gradesSummary(grades)}\n`);
  return interrupted ? 130 : EXIT.ok;
}
