/**
 * A 40-run sweep (lr 4 values x seed 1:10) of a small training notebook:
 * local --jobs 1, local --jobs 2 (ratio in the same run), then through Slurm
 * on a single-node test cluster (tests/integration/slurm-cluster.ts) with the
 * array throttled to 2 tasks. Prints wall clock per executor and the ratios.
 *
 * Run: npm run build && npx esbuild bench/sweep/sweep-bench.ts --bundle --platform=node --format=esm \
 *        --packages=external --outfile=node_modules/.cache/bench/sweep-bench.mjs && node node_modules/.cache/bench/sweep-bench.mjs [RUNS_PER_LR]
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { slurmUnavailable, startSlurm } from "../../tests/integration/slurm-cluster.js";

const CLI = resolve("dist/cli.js");
const seeds = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), "tc-sweep-bench-"));
const notebook = join(dir, "fit.ipynb");
const cell = (source: string, tags: string[] = []) => ({ cell_type: "code", id: Math.random().toString(16).slice(2, 10), metadata: { tags }, source, outputs: [], execution_count: null });
writeFileSync(
  notebook,
  JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "tensorcell", language: "typescript", display_name: "TS" } },
    cells: [
      cell("const lr = 0.1;\nconst seed = 1;", ["parameters"]),
      cell("tensorcell.seed(seed);\nconst x = tf.randomNormal([256, 8]);\nconst w = tf.randomNormal([8, 1]);\nconst y = x.matMul(w).add(tf.randomNormal([256, 1]).mul(0.1));"),
      cell("const model = tf.sequential({ layers: [tf.layers.dense({ units: 16, activation: 'relu', inputShape: [8] }), tf.layers.dense({ units: 1 })] });\nmodel.compile({ optimizer: tf.train.sgd(lr), loss: 'meanSquaredError' });\nconst history = await model.fit(x, y, { epochs: 20, batchSize: 32, verbose: 0 });"),
      cell("tensorcell.record('loss', history.history.loss.at(-1) as number);"),
    ],
  }),
);
const grid = ["-p", "lr=0.3,0.1,0.03,0.01", "-p", `seed=1:${seeds}`];

function sweep(out: string, extra: string[], env: Record<string, string> = {}): Promise<{ seconds: number; code: number; stderr: string }> {
  const started = process.hrtime.bigint();
  return new Promise((done) => {
    execFile(process.execPath, [CLI, "sweep", notebook, ...grid, "-o", join(dir, out), "-q", ...extra], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (error, _stdout, stderr) => {
      done({ seconds: Number(process.hrtime.bigint() - started) / 1e9, code: error ? Number(error.code ?? 1) : 0, stderr });
    });
  });
}

const runs = 4 * seeds;
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model}), Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; ${runs} runs`);
const one = await sweep("jobs1", ["--jobs", "1"]);
console.log(`local --jobs 1: ${one.seconds.toFixed(1)} s (exit ${one.code}) ${(one.seconds / runs).toFixed(2)} s/run`);
const two = await sweep("jobs2", ["--jobs", "2"]);
console.log(`local --jobs 2: ${two.seconds.toFixed(1)} s (exit ${two.code}) ${(two.seconds / runs).toFixed(2)} s/run; jobs 2 / jobs 1 = ${(two.seconds / one.seconds).toFixed(2)}x`);
const summary = JSON.parse(readFileSync(join(dir, "jobs2", "summary.json"), "utf8")) as { counts: Record<string, number> };
console.log(`  summary: ${JSON.stringify(summary.counts)}`);
const why = slurmUnavailable();
if (why) {
  console.log(`slurm: skipped (${why})`);
} else {
  const cluster = await startSlurm();
  try {
    const slurm = await sweep("slurm", ["--executor", "slurm", "--jobs", "2"], { ...cluster.env, TENSORCELL_SLURM_POLL_MS: "1000" });
    console.log(`slurm (1 node, 2 CPUs, array %2): ${slurm.seconds.toFixed(1)} s (exit ${slurm.code}); slurm / local jobs 2 = ${(slurm.seconds / two.seconds).toFixed(2)}x${slurm.code ? `\n${slurm.stderr.slice(-500)}` : ""}`);
  } finally {
    await cluster.stop();
  }
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
