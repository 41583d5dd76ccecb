/**
 * `tensorcell sweep --executor slurm` and `tensorcell grade --executor slurm`
 * on a real single-node Slurm cluster (slurm-cluster.ts): one job array per
 * command, a task that fails reported with its Slurm state, a sweep cancelled
 * with Ctrl-C (scancel), and a grading run with an ungradable submission.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, tempDir, tensorcell } from "./headless-cli.js";
import { slurmUnavailable, startSlurm, type SlurmCluster } from "./slurm-cluster.js";
import { writeAssignment, writeTrainNotebook } from "./sweep-fixtures.js";

const unavailable = slurmUnavailable();
if (unavailable) console.warn(`slurm tests skipped: ${unavailable}`);

type Summary = { runs: { name: string; status: string; error: string; records: Record<string, unknown> }[] };

describe.skipIf(unavailable !== undefined)("Slurm executor (real single-node cluster)", () => {
  let cluster: SlurmCluster;
  const env = () => ({ ...cluster.env, TENSORCELL_SLURM_POLL_MS: "500" });
  beforeAll(async () => {
    cluster = await startSlurm();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 60_000);

  it("runs a sweep as one job array, reports the failed task with its Slurm state, and summarises", async () => {
    const dir = tempDir("tc-slurm-sweep-");
    const notebook = writeTrainNotebook(dir);
    const out = join(dir, "out");
    const result = await tensorcell(["sweep", notebook, "-p", "lr=0.1,2", "-p", "seed=1", "-o", out, "--executor", "slurm"], { env: env(), timeoutMs: 180_000 });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/submitted Slurm job array (\d+) \(2 tasks\)/);
    const job = /job array (\d+)/.exec(result.stderr)![1];
    expect(result.stderr).toMatch(new RegExp(`slurm job ${job}: 2/2 finished`));
    expect(result.stderr).toMatch(new RegExp(`task ${job}_1 \\(lr=2-seed=1\\): FAILED, exit 3:0`));
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary;
    expect(summary.runs.map((r) => [r.name, r.status, r.records.loss ?? null])).toEqual([
      ["lr=0.1-seed=1", "ok", 1.1],
      ["lr=2-seed=1", "error", null],
    ]);
    expect(summary.runs[1]!.error).toMatch(/RangeError: lr 2 is too big/);
    expect(readFileSync(join(out, ".tensorcell-sweep", `slurm-${job}_0.out`), "utf8")).toMatch(/lr=0\.1-seed=1: ok/);
  }, 180_000);

  it("Ctrl-C scancels the array, keeps finished runs and writes the summary", async () => {
    const dir = tempDir("tc-slurm-sweep-");
    const notebook = writeTrainNotebook(dir);
    const out = join(dir, "out");
    // Throttled to one task at a time: seed 1 finishes, seed 99 hangs, seed 3 waits.
    const child = spawn(process.execPath, [CLI, "sweep", notebook, "-p", "seed=1,99,3", "-o", out, "--executor", "slurm", "--jobs", "1"], { env: { ...process.env, ...env() }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const running = join(out, "train-seed=99.ipynb");
    const deadline = Date.now() + 120_000;
    while (!existsSync(running) || !readFileSync(running, "utf8").includes('"execution_count": 2')) {
      if (Date.now() > deadline) throw new Error(`the second task never started: ${stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    const job = /job array (\d+)/.exec(stderr)![1];
    expect(stderr).toMatch(new RegExp(`task ${job}_1 \\(seed=99\\): CANCELLED`));
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Summary;
    expect(summary.runs.map((r) => [r.name, r.status])).toEqual([
      ["seed=1", "ok"],
      ["seed=99", "cancelled"],
      ["seed=3", "cancelled"],
    ]);
  }, 180_000);

  it("grades through one job array; an ungradable submission is a failed task and an error row", async () => {
    const dir = tempDir("tc-slurm-grade-");
    const { assignment, submissions } = writeAssignment(dir);
    const report = join(dir, "grades.json");
    const result = await tensorcell(["grade", assignment, submissions, "--no-sandbox", "--executor", "slurm", "-o", report], { cwd: dir, env: env(), timeoutMs: 180_000 });
    expect(result.code, result.stderr).toBe(0);
    const job = /job array (\d+) \(3 submissions\)/.exec(result.stderr)![1];
    expect(result.stderr).toMatch(new RegExp(`task ${job}_0 \\(.*broken\\.ipynb\\): FAILED, exit 3:0`));
    const grades = JSON.parse(readFileSync(report, "utf8")) as { submissions: { name: string; score: number; maxScore: number; error?: string }[] };
    expect(grades.submissions.map((s) => [s.name, s.score, s.maxScore])).toEqual([
      ["broken", 0, 0],
      ["right", 2, 2],
      ["wrong", 0, 2],
    ]);
    expect(grades.submissions[0]!.error).toMatch(/not valid JSON/);
    expect(result.stdout).toMatch(/right +2 \/ 2/);
  }, 180_000);
});
