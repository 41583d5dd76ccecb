/**
 * Editor assistance benchmark: the first completion of a session (worker
 * start, TypeScript load, program build included) and later completions,
 * inspects and checks, through the same LanguageClient the kernel uses.
 * References, run in the same session so the shared machine's load hits
 * them alike: the targets (first < 1.5 s, later p50 < 100 ms); an
 * "anchor" (a plain language service over tf + @types/node, 1298 ms when
 * this machine was idle), so ours/anchor x 1298 ms estimates ours idle; and
 * our service without its cold-start work ("unoptimized", reference-worker.ts).
 *
 * Run: npx vite-node bench/language/completion.ts [--runs 3]
 * (the worker itself runs as plain Node from its esbuild bundle, as in dist/).
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { build } from "esbuild";
import { LanguageClient } from "../../kernel/language/client.js";
import { locateWorker } from "../../kernel/language/worker-path.js";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;
const FIRST_TARGET_MS = 1500;
const LATER_TARGET_MS = 100;

const sessionCells = [
  "const learningRate = 0.001;\nconst model = tf.sequential();\nmodel.add(tf.layers.dense({ units: 10, inputShape: [4] }));",
  "/** One training step. */\nasync function step(x: tf.Tensor, y: tf.Tensor) { return model.fit(x, y, { epochs: 1 }); }",
  "const x = tf.randomNormal([8, 4]);\nconst y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);",
];
const laterRequests: [string, number][] = [
  ["tf.", 3], ["tf.mat", 6], ["const z = tf.conv", 17], ["model.", 6], ["model.fi", 8], ["x.resh", 6],
  ["lear", 4], ["ste", 3], ["tf.layers.", 10], ["models.", 7], ["const q = y.", 12], ["tf.train.ad", 11],
];

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** CPU milliseconds this process (worker included) has used: on a shared, loaded machine wall time mostly measures waiting. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const coldCpu: number[] = [];
async function firstCompletion(): Promise<number> {
  const client = new LanguageClient({ timeoutMs: 60_000 });
  for (const cell of sessionCells) client.recordExecuted(cell);
  const start = performance.now();
  const cpuStart = cpuMs();
  const reply = await client.complete("tf.mat", 6);
  const elapsed = performance.now() - start;
  coldCpu.push(cpuMs() - cpuStart);
  // The worker writes its code cache just after its first answer; a later session finds it, so wait for it here.
  for (let waited = 0; !hasCodeCache() && waited < 15_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  await client.close();
  if (!reply.matches.includes("matMul")) throw new Error("bench: the first completion did not list matMul");
  return elapsed;
}

function hasCodeCache(): boolean {
  const dir = location.cacheDir;
  return !!dir && existsSync(dir) && readdirSync(dir).some((file) => file.endsWith(".v8cache"));
}

function removeCodeCache(cacheDir: string | undefined): void {
  if (!cacheDir || !existsSync(cacheDir)) return;
  for (const file of readdirSync(cacheDir)) if (file.endsWith(".v8cache")) rmSync(path.join(cacheDir, file));
}

const location = await locateWorker(); // builds the worker bundle from sources once, outside the timings
const ANCHOR_IDLE_MS = 1298;
const referenceBundle = path.join(location.cacheDir ?? path.dirname(location.file), "bench-reference-worker.mjs");
await build({
  entryPoints: [path.join(path.dirname(fileURLToPath(import.meta.url)), "reference-worker.ts")],
  outfile: referenceBundle, bundle: true, platform: "node", format: "esm", target: "node20", packages: "external", logLevel: "warning",
  banner: { js: "import { createRequire as __tcCreateRequire } from 'node:module'; const require = __tcCreateRequire(import.meta.url);" },
});

/** Cold run of a reference workload in a fresh worker, timed like ours: from the worker's creation to its answer. */
function reference(mode: "anchor" | "unoptimized"): Promise<number> {
  const start = performance.now();
  const worker = new Worker(referenceBundle, { workerData: { mode, kernelRoot: location.kernelRoot, cells: sessionCells } });
  return new Promise((resolve, reject) => {
    worker.once("message", () => resolve(performance.now() - start));
    worker.once("error", reject);
  }).finally(() => worker.terminate()) as Promise<number>;
}
console.log(`machine: 2 cores shared, no GPU, Node ${process.versions.node}; load average at start ${loadavg()[0].toFixed(1)}`);

removeCodeCache(location.cacheDir);
const uncached = await firstCompletion(); // also writes the code cache
const cold: number[] = [];
const anchor: number[] = [];
const unoptimized: number[] = [];
for (let i = 0; i < runs; i++) {
  anchor.push(await reference("anchor"));
  unoptimized.push(await reference("unoptimized"));
  cold.push(await firstCompletion());
}

const client = new LanguageClient({ timeoutMs: 60_000 });
for (const cell of sessionCells) client.recordExecuted(cell);
await client.complete("tf.", 3);
const later: number[] = [];
const laterCpu: number[] = [];
for (let round = 0; round < 3; round++) {
  // A cell is executed between rounds, as in a session: every request then needs a fresh program.
  client.recordExecuted(`const round${round} = ${round};`);
  for (const [code, cursor] of laterRequests) {
    const start = performance.now();
    const cpuStart = cpuMs();
    await client.complete(code, cursor);
    later.push(performance.now() - start);
    laterCpu.push(cpuMs() - cpuStart);
  }
}
// Typing a name one key at a time (Jupyter clients with continuous hinting ask on each key).
const typing: number[] = [];
for (const typed of ["const k = tf.conv2dTranspose", "model.predictOnBatch", "tf.layers.batchNormalization"]) {
  const from = typed.lastIndexOf(".") + 1;
  for (let length = from; length <= typed.length; length++) {
    const start = performance.now();
    await client.complete(typed.slice(0, length), length);
    typing.push(performance.now() - start);
  }
}
const inspects: number[] = [];
const checks: number[] = [];
for (let i = 0; i < 6; i++) {
  let start = performance.now();
  await client.inspect("tf.matMul(", 10, i % 2 as 0 | 1);
  inspects.push(performance.now() - start);
  start = performance.now();
  await client.check(`const a${i}: number = learningRate * 2;\nconst b: string = a${i};\nawait step(x, y);`);
  checks.push(performance.now() - start);
}
await client.close();

const coldMedian = percentile(cold, 50);
const ratios = cold.map((t, i) => t / anchor[i]);
const ratio = percentile(ratios, 50);
console.log(`anchor (plain language service, tf + node types) median ${percentile(anchor, 50).toFixed(0)} ms [${anchor.map((t) => t.toFixed(0)).join(", ")}]`);
console.log(`unoptimized (no code cache, node types in the first program) median ${percentile(unoptimized, 50).toFixed(0)} ms; ours is ${(percentile(unoptimized, 50) / coldMedian).toFixed(2)}x faster`);
console.log(`ours / anchor in the same run: median ${ratio.toFixed(2)} [${ratios.map((r) => r.toFixed(2)).join(", ")}] -> ours idle ~ ${(ratio * ANCHOR_IDLE_MS).toFixed(0)} ms (anchor idle ${ANCHOR_IDLE_MS} ms)`);
console.log(`first completion, no code cache: ${uncached.toFixed(0)} ms`);
console.log(`first completion (cold worker, code cache), median of ${runs}: ${coldMedian.toFixed(0)} ms, min ${Math.min(...cold).toFixed(0)} ms [${cold.map((t) => t.toFixed(0)).join(", ")}]` +
  ` -> ${(coldMedian / FIRST_TARGET_MS).toFixed(2)}x the 1500 ms target; code cache saves ${(uncached / coldMedian).toFixed(2)}x`);
console.log(`CPU time (process, all threads) of the cold first completion: median ${percentile(coldCpu.slice(1), 50).toFixed(0)} ms` +
  ` (no code cache: ${coldCpu[0].toFixed(0)} ms); of later completions: p50 ${percentile(laterCpu, 50).toFixed(1)} ms`);
console.log(`later completions (${later.length}): p50 ${percentile(later, 50).toFixed(1)} ms, p90 ${percentile(later, 90).toFixed(1)} ms` +
  ` -> p50 ${(percentile(later, 50) / LATER_TARGET_MS).toFixed(2)}x the 100 ms target`);
console.log(`typing a name key by key (${typing.length}): p50 ${percentile(typing, 50).toFixed(1)} ms, p90 ${percentile(typing, 90).toFixed(1)} ms`);
console.log(`inspect p50 ${percentile(inspects, 50).toFixed(1)} ms; check p50 ${percentile(checks, 50).toFixed(1)} ms`);
console.log(`load average at end ${loadavg()[0].toFixed(1)}`);
