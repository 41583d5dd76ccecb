/**
 * Grading a class: 200 small TypeScript submissions graded by `tensorcell
 * grade` (one kernel process per submission, --jobs = CPU cores), printed
 * next to the same work done one at a time (--jobs 1, on a 40-notebook
 * sample) and next to the reference: nbclient (what nbgrader's autograder
 * runs per submission) executing 40 equivalent Python notebooks on ipykernel,
 * one at a time, in the same run.
 *
 * Run: npx esbuild bench/grade/grade-class.ts --bundle --platform=node --format=esm \
 *        --packages=external --outfile=node_modules/.cache/bench/grade-class.mjs \
 *      && node node_modules/.cache/bench/grade-class.mjs [CLASS_SIZE]
 * Needs `npm run build` first (it runs dist/cli.js, as a user would).
 *
 * With `sandbox` after CLASS_SIZE (`... grade-class.mjs 40 sandbox`) it
 * prints only the cost of the grading sandbox: the class graded in its
 * bubblewrap sandbox (the default) and with --no-sandbox, --jobs = cores,
 * alternating twice (no-sandbox, sandbox, no-sandbox, sandbox) so that a
 * change in the machine's load falls on both; ratios of the totals, by wall
 * clock and (as root) by CPU time: see benchCgroup.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const classSize = Number(process.argv[2] ?? 200);
const sampleSize = Math.min(40, classSize);
const cli = resolve("dist/cli.js");
const work = mkdtempSync(join(tmpdir(), "tc-grade-bench-"));

const nbg = (grade_id: string, extra: object) => ({ nbgrader: { grade: false, solution: false, locked: false, schema_version: 3, grade_id, ...extra } });
const cell = (id: string, source: string, metadata: object = {}) => ({ cell_type: "code", id, metadata, source, outputs: [], execution_count: null });
const notebook = (cells: object[], language: "typescript" | "python") => ({
  nbformat: 4,
  nbformat_minor: 5,
  metadata:
    language === "typescript"
      ? { kernelspec: { name: "tensorcell", display_name: "TypeScript (tensorcell)", language: "typescript" } }
      : { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
  cells,
});

/** The assignment: three small functions, three test cells (no training: "small notebooks"). */
const tsAnswers = {
  square: (ok: boolean) => `function square(x: number): number {\n  return ${ok ? "x * x" : "x + x"};\n}`,
  mean: (ok: boolean) => `function mean(xs: number[]): number {\n  return xs.reduce((a, b) => a + b, 0) / ${ok ? "xs.length" : "(xs.length + 1)"};\n}`,
  tensorSum: (ok: boolean) => `function tensorSum(t: tf.Tensor): number {\n  ${ok ? "" : "console.warn('using a loop');\n  "}return t.sum().dataSync()[0];\n}`,
};
const tsTests = {
  square: "assertEqual(square(3), 9);\nassertEqual(square(-2), 4);",
  mean: "assertClose(mean([1, 2, 3, 4]), 2.5);",
  tensorSum: "assertClose(tensorSum(tf.tensor([1, 2, 3])), 6);",
};
const pyAnswers = {
  square: (ok: boolean) => `def square(x):\n    return ${ok ? "x * x" : "x + x"}`,
  mean: (ok: boolean) => `def mean(xs):\n    return sum(xs) / ${ok ? "len(xs)" : "(len(xs) + 1)"}`,
  tensorSum: (ok: boolean) => `import numpy as np\ndef tensor_sum(t):\n    ${ok ? "" : "import sys; print('using a loop', file=sys.stderr)\n    "}return float(np.sum(t))`,
};
const pyTests = {
  square: "assert square(3) == 9\nassert square(-2) == 4",
  mean: "assert abs(mean([1, 2, 3, 4]) - 2.5) < 1e-9",
  tensorSum: "import numpy as np\nassert abs(tensor_sum(np.array([1.0, 2.0, 3.0])) - 6) < 1e-9",
};
const names = ["square", "mean", "tensorSum"] as const;

function tsNotebook(wrong: number | undefined, solution: boolean): object {
  const cells: object[] = [];
  for (const [i, name] of names.entries()) {
    const body = solution ? `// BEGIN SOLUTION\n${tsAnswers[name](true)}\n// END SOLUTION` : tsAnswers[name](wrong !== i);
    cells.push(cell(`a-${name}`, body, nbg(`a-${name}`, { solution: true })));
    cells.push(cell(`t-${name}`, tsTests[name], nbg(`t-${name}`, { grade: true, locked: true, points: 1 })));
  }
  return notebook(cells, "typescript");
}

function pyNotebook(wrong: number | undefined): object {
  const cells: object[] = [];
  for (const [i, name] of names.entries()) {
    cells.push(cell(`a-${name}`, pyAnswers[name](wrong !== i)));
    cells.push(cell(`t-${name}`, pyTests[name]));
  }
  return notebook(cells, "python");
}

/** Submission k: every third one has one wrong answer. */
const wrongAnswer = (k: number) => (k % 3 === 0 ? k % names.length : undefined);

function writeClass(dir: string, count: number, make: (k: number) => object): string[] {
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: count }, (_, k) => {
    const path = join(dir, `student-${String(k).padStart(3, "0")}.ipynb`);
    writeFileSync(path, JSON.stringify(make(k)));
    return path;
  });
}

function seconds(run: () => void): number {
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

const assignment = join(work, "assignment.ipynb");
writeFileSync(assignment, JSON.stringify(tsNotebook(undefined, true)));
writeClass(join(work, "class"), classSize, (k) => tsNotebook(wrongAnswer(k), false));
writeClass(join(work, "sample"), sampleSize, (k) => tsNotebook(wrongAnswer(k), false));
const pyPaths = writeClass(join(work, "python"), sampleSize, (k) => pyNotebook(wrongAnswer(k)));
const cores = cpus().length;
// A plain environment for grade: --no-sandbox kernels inherit the grader's, and a variable such as
// NODE_EXTRA_CA_CERTS (a CA bundle every Node process parses at start) would slow them but not sandboxed ones.
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", TENSORCELL_BACKEND: "cpu" };

const grade = (dir: string, jobs: number, report: string, extra: string[] = []) =>
  execFileSync(process.execPath, [cli, "grade", assignment, dir, "--jobs", String(jobs), "--timeout", "30", "-q", "-o", report, ...extra], {
    env,
    stdio: ["ignore", "ignore", extra.includes("--no-sandbox") ? "ignore" : "inherit"],
  });

/**
 * Where cgroup v1's cpu and cpuacct controllers are writable (root): this
 * process (and so grade and every kernel, sandboxed or not) moves into a
 * cgroup of its own for the comparison. cpuacct then gives the CPU time of
 * the whole tree, which a sandboxed kernel's killed processes never report
 * to their parent; and the cpu controller takes the kernels out of the
 * scheduler's autogroups: bwrap's --new-session puts each sandboxed kernel
 * in an autogroup of its own, which on a machine loaded by other sessions
 * gives it a larger share of the CPU than a --no-sandbox kernel gets in the
 * grader's session, and makes sandboxed grading look faster than it is.
 */
function benchCgroup(): { cpuSeconds(): number; leave(): void } | undefined {
  const roots = ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct"];
  if (!roots.every((root) => existsSync(join(root, "cgroup.procs")))) return undefined;
  const dirs = roots.map((root) => join(root, `tc-grade-bench-${process.pid}`));
  try {
    for (const dir of dirs) {
      mkdirSync(dir);
      writeFileSync(join(dir, "cgroup.procs"), String(process.pid));
    }
  } catch {
    return undefined; // not root, or the controllers are not writable: wall clock only
  }
  return {
    cpuSeconds: () => Number(readFileSync(join(dirs[1]!, "cpuacct.usage"), "utf8")) / 1e9,
    leave() {
      roots.forEach((root) => writeFileSync(join(root, "cgroup.procs"), String(process.pid)));
      // A killed sandbox's processes take a moment to go (PID namespace teardown): rmdir says EBUSY until then.
      for (const dir of dirs) {
        for (let attempt = 0; ; attempt++) {
          try {
            rmdirSync(dir);
            break;
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EBUSY" || attempt === 50) {
              console.error(`could not remove ${dir}: ${(error as Error).message}`);
              break;
            }
            execFileSync("sleep", ["0.2"]);
          }
        }
      }
    },
  };
}

if (process.argv[3] === "sandbox") {
  const totals = { sandbox: 0, plain: 0 };
  const cpu = { sandbox: 0, plain: 0 };
  const cgroup = benchCgroup();
  const runs: string[] = [];
  const scores: string[] = [];
  const load = () => readFileSync("/proc/loadavg", "utf8").split(" ")[0];
  const loads = [load()];
  try {
    for (let round = 0; round < 2; round++) {
      for (const mode of ["plain", "sandbox"] as const) {
        const report = join(work, `${mode}-${round}.csv`);
        const cpuBefore = cgroup?.cpuSeconds() ?? 0;
        const time = seconds(() => grade(join(work, "class"), cores, report, mode === "plain" ? ["--no-sandbox"] : []));
        const cpuTime = (cgroup?.cpuSeconds() ?? 0) - cpuBefore;
        totals[mode] += time;
        cpu[mode] += cpuTime;
        runs.push(`${mode} ${time.toFixed(1)} s${cgroup ? ` (CPU ${cpuTime.toFixed(1)} s)` : ""}`);
        console.log(`  ${runs.at(-1)}, load average ${load()}`);
        scores.push(readFileSync(report, "utf8"));
        loads.push(load());
      }
    }
  } finally {
    cgroup?.leave();
  }
  console.log(`runs in order: ${runs.join(", ")}; 1-minute load average before and after each: ${loads.join(" ")}`);
  console.log(cgroup ? "in a cgroup of its own (cpu + cpuacct): no autogroups, CPU time of the whole tree" : "no writable cgroup: wall clock only, each sandboxed kernel in its own scheduler autogroup");
  const per = (total: number) => `${((total / (2 * classSize)) * 1000).toFixed(0)} ms`;
  console.log(`machine: ${cores} cores, Node ${process.version}, tfjs cpu backend; class of ${classSize}, --jobs ${cores}, two rounds each`);
  console.log(`--no-sandbox: ${totals.plain.toFixed(1)} s (${per(totals.plain)} per submission)`);
  console.log(`sandboxed (bubblewrap): ${totals.sandbox.toFixed(1)} s (${per(totals.sandbox)} per submission)`);
  if (cgroup) console.log(`CPU time of grade and its kernels: --no-sandbox ${cpu.plain.toFixed(1)} s (${per(cpu.plain)}), sandboxed ${cpu.sandbox.toFixed(1)} s (${per(cpu.sandbox)})`);
  const cpuRatio = cgroup ? `, CPU ${(cpu.sandbox / cpu.plain).toFixed(2)}` : "";
  console.log(`ratio sandboxed / --no-sandbox: wall ${(totals.sandbox / totals.plain).toFixed(2)}${cpuRatio}; same reports in all four runs: ${scores.every((csv) => csv === scores[0])}`);
  process.exit(0);
}

const classTime = seconds(() => grade(join(work, "class"), cores, join(work, "class.csv")));
const sequentialTime = seconds(() => grade(join(work, "sample"), 1, join(work, "sample.csv")));
const rows = readFileSync(join(work, "class.csv"), "utf8").trim().split("\n").slice(1);
const expectedLost = Array.from({ length: classSize }, (_, k) => k).filter((k) => wrongAnswer(k) !== undefined).length;
const lost = rows.filter((row) => row.includes(",failed,")).length;

const nbclientScript = `
import sys, time, nbformat
from nbclient import NotebookClient
start = time.perf_counter()
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=30, kernel_name="python3", allow_errors=True).execute()
print(time.perf_counter() - start)
`;
const referenceTime = Number(execFileSync("/usr/bin/python3", ["-c", nbclientScript, ...pyPaths], {
    encoding: "utf8",
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    stdio: ["ignore", "pipe", "ignore"],
  }).trim());

const per = (total: number, count: number) => `${((total / count) * 1000).toFixed(0)} ms`;
console.log(`machine: ${cores} cores, Node ${process.version}, tfjs cpu backend`);
console.log(`class of ${classSize} submissions, 3 answers + 3 tests each, --jobs ${cores}: ${classTime.toFixed(1)} s (${per(classTime, classSize)} per submission); ${lost} failed tests, expected ${expectedLost}`);
console.log(`sample of ${sampleSize}, --jobs 1: ${sequentialTime.toFixed(1)} s (${per(sequentialTime, sampleSize)} per submission); parallel speed-up ${(sequentialTime / sampleSize / (classTime / classSize)).toFixed(2)}x`);
console.log(`reference nbclient + ipykernel, ${sampleSize} equivalent Python notebooks, one at a time: ${referenceTime.toFixed(1)} s (${per(referenceTime, sampleSize)} per notebook)`);
console.log(`ratio tensorcell grade --jobs 1 / nbclient, per notebook: ${(sequentialTime / referenceTime).toFixed(2)}; tensorcell --jobs ${cores} / nbclient: ${(classTime / classSize / (referenceTime / sampleSize)).toFixed(2)}`);
