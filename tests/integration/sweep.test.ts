/**
 * `tensorcell sweep` on this machine: a 2x2 grid with one failing value, two
 * runs at once, values recorded with tensorcell.record in the summary, the
 * chart, skipping finished runs, Ctrl-C, and every bad input as one line with
 * nothing written.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, tempDir, tensorcell } from "./headless-cli.js";
import { writeTrainNotebook } from "./sweep-fixtures.js";

type Summary = { counts: Record<string, number>; runs: { name: string; status: string; error: string; timeS: number | null; parameters: Record<string, unknown>; records: Record<string, unknown> }[] };
const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as Summary;

describe("tensorcell sweep (local)", () => {
  it("runs the grid two at a time, keeps a failed run as a row, summarises recorded values, and skips finished runs on a rerun", async () => {
    const dir = tempDir("tc-sweep-");
    const notebook = writeTrainNotebook(dir);
    const out = join(dir, "out");
    const first = await tensorcell(["sweep", notebook, "-p", "lr=0.1,2", "-p", "seed=1:2", "-o", out, "--jobs", "2"], { timeoutMs: 180_000 });
    expect(first.code, first.stderr).toBe(3); // a run failed
    expect(first.stderr).toMatch(/2 ok, 2 error, 0 cancelled/);
    expect(readdirSync(out).sort()).toEqual([".tensorcell-sweep", "summary.csv", "summary.html", "summary.json", "train-lr=0.1-seed=1.ipynb", "train-lr=0.1-seed=2.ipynb", "train-lr=2-seed=1.ipynb", "train-lr=2-seed=2.ipynb"]);
    const summary = summaryOf(out);
    expect(summary.runs.map((r) => [r.name, r.status, r.records.loss ?? null, r.records.tag ?? null])).toEqual([
      ["lr=0.1-seed=1", "ok", 1.1, "s1"],
      ["lr=0.1-seed=2", "ok", 1.2, "s2"],
      ["lr=2-seed=1", "error", null, null],
      ["lr=2-seed=2", "error", null, null],
    ]);
    expect(summary.runs[2]!.error).toMatch(/raised RangeError: lr 2 is too big/);
    expect(summary.runs[0]!.timeS).toBeGreaterThan(0);
    const csv = readFileSync(join(out, "summary.csv"), "utf8").split("\n");
    expect(csv[0]).toBe("run,lr,seed,status,time_s,error,loss,tag");
    expect(csv[1]).toMatch(/^lr=0\.1-seed=1,0\.1,1,ok,[\d.]+,,1\.1,s1$/);
    const html = readFileSync(join(out, "summary.html"), "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("loss against lr (mean ± sd over seeds)");
    const executed = JSON.parse(readFileSync(join(out, "train-lr=0.1-seed=2.ipynb"), "utf8"));
    expect(executed.metadata.tensorcell.run).toMatchObject({ status: "ok", parameters: { lr: 0.1, seed: 2 } });
    expect(executed.cells[1].source).toContain("const seed: number = 2;");
    expect(executed.cells[3].outputs[0].data["text/plain"]).toBe("loss = 1.2");
    // --jobs 2: the first two runs were under way at the same time.
    const [a, b] = ["train-lr=0.1-seed=1.ipynb", "train-lr=0.1-seed=2.ipynb"].map((f) => JSON.parse(readFileSync(join(out, f), "utf8")).metadata.tensorcell.run);
    expect(Date.parse(a.startedAt)).toBeLessThan(Date.parse(b.finishedAt));
    expect(Date.parse(b.startedAt)).toBeLessThan(Date.parse(a.finishedAt));

    // Rerun: the two ok runs are kept, the failed ones run again; --force reruns everything.
    const again = await tensorcell(["sweep", notebook, "-p", "lr=0.1,2", "-p", "seed=1:2", "-o", out, "-q"], { timeoutMs: 180_000 });
    expect(again.stderr).toMatch(/2 ok, 2 error/);
    expect(summaryOf(out).runs[0]!.timeS).toBe(summary.runs[0]!.timeS);
    const forced = await tensorcell(["sweep", notebook, "-p", "lr=0.1", "-p", "seed=1", "-o", out, "--force"], { timeoutMs: 180_000 });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/\[1\/1\] lr=0\.1-seed=1: ok/);
  }, 300_000);

  it("Ctrl-C stops the sweep, kills the running kernel, keeps the finished row and writes the summary", async () => {
    const dir = tempDir("tc-sweep-");
    const notebook = writeTrainNotebook(dir);
    const out = join(dir, "out");
    const child = spawn(process.execPath, [CLI, "sweep", notebook, "-p", "seed=1,99,3", "-o", out], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Wait until the second run's kernel is in its long cell.
    const deadline = Date.now() + 120_000;
    while (!existsSync(join(out, "train-seed=99.ipynb")) || !readFileSync(join(out, "train-seed=99.ipynb"), "utf8").includes('"execution_count": 2')) {
      if (Date.now() > deadline) throw new Error(`the second run never started: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const kernels = execFileSync("pgrep", ["-P", String(child.pid)], { encoding: "utf8" }).trim().split("\n").map(Number);
    expect(kernels.length).toBeGreaterThan(0);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    for (const pid of kernels) expect(() => process.kill(pid, 0)).toThrow(); // the kernel is gone
    const summary = summaryOf(out);
    expect(summary.runs.map((r) => [r.name, r.status])).toEqual([
      ["seed=1", "ok"],
      ["seed=99", "cancelled"],
      ["seed=3", "cancelled"],
    ]);
    expect(stderr).toMatch(/1 ok, 0 error, 2 cancelled/);
  }, 180_000);
});

describe("tensorcell sweep: bad input is one line and writes nothing", () => {
  const cases: [string, string[], RegExp][] = [
    ["a -p without =", ["-p", "lr"], /^tensorcell: parameter "lr" must be written name=value/],
    ["a decimal range", ["-p", "seed=0.5:3"], /^tensorcell: -p seed=0\.5:3: a range takes whole numbers/],
    ["a repeated name", ["-p", "lr=1", "-p", "lr=2"], /^tensorcell: -p lr is given twice/],
    ["an empty list", ["-p", "lr="], /^tensorcell: -p lr=: no values \(the grid is empty\)/],
    ["an empty range", ["-p", "seed=5:1"], /^tensorcell: -p seed=5:1: the range is empty/],
    ["no -p at all", [], /^tensorcell: sweep needs at least one -p name=values .*the grid is empty/],
    ["an unknown executor", ["-p", "lr=1", "--executor", "ssh"], /^tensorcell: --executor ssh: choose local or slurm/],
  ];
  for (const [what, args, message] of cases) {
    it(what, async () => {
      const dir = tempDir("tc-sweep-bad-");
      const notebook = writeTrainNotebook(dir);
      const result = await tensorcell(["sweep", notebook, ...args, "-o", join(dir, "out")]);
      expect(result.code).toBe(2);
      expect(result.stderr.split("\n")[0]).toMatch(message);
      expect(existsSync(join(dir, "out"))).toBe(false);
    });
  }

  it("--executor slurm without sbatch on PATH", async () => {
    const dir = tempDir("tc-sweep-bad-");
    const notebook = writeTrainNotebook(dir);
    const result = await tensorcell(["sweep", notebook, "-p", "lr=1", "-o", join(dir, "out"), "--executor", "slurm"], { env: { PATH: join(dir, "empty-bin") } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^tensorcell: --executor slurm: sbatch is not on PATH \(install Slurm's client tools/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("an unreachable Slurm controller (sbatch fails): one line, and an existing DIR keeps only what it had", async () => {
    const sbatch = ["/usr/bin/sbatch", "/usr/local/bin/sbatch"].find(existsSync);
    if (!sbatch) return void console.warn("skipped: sbatch is not installed (Debian package slurm-client)");
    const dir = tempDir("tc-sweep-bad-");
    const notebook = writeTrainNotebook(dir);
    // A controller on a port where nothing listens.
    const conf = join(dir, "slurm.conf");
    writeFileSync(conf, "ClusterName=none\nSlurmctldHost=localhost(127.0.0.1)\nSlurmctldPort=9\nAuthType=auth/none\nCredType=cred/none\nMessageTimeout=2\nNodeName=localhost CPUs=1\nPartitionName=p Nodes=localhost Default=YES\n");
    const out = join(dir, "out");
    const fresh = await tensorcell(["sweep", notebook, "-p", "lr=1", "-o", out, "--executor", "slurm", "-q"], { env: { SLURM_CONF: conf }, timeoutMs: 120_000 });
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toMatch(/^tensorcell: sbatch could not submit the job array: .+/);
    expect(fresh.stderr.trim().split("\n").filter((l) => l.startsWith("tensorcell:"))).toHaveLength(1);
    expect(fresh.stderr).toMatch(/Unable to contact slurm controller/);
    expect(existsSync(out)).toBe(false);
    mkdirSync(out);
    writeFileSync(join(out, "keep.txt"), "");
    const existing = await tensorcell(["sweep", notebook, "-p", "lr=1", "-o", out, "--executor", "slurm", "-q"], { env: { SLURM_CONF: conf }, timeoutMs: 120_000 });
    expect(existing.code).toBe(2);
    expect(readdirSync(out)).toEqual(["keep.txt"]);
  }, 120_000);
});
