/**
 * The reference CNN (tfjs-examples mnist-node, batch 64) on the wasm backend
 * at 1 thread and at every core (the default, up to 8), each in its own child
 * process so each starts its own build; rounds alternate the two. Prints
 * training and inference images per second (wall clock and process CPU time),
 * peak RSS, and the same-run ratios all-cores / 1 thread.
 *
 * Run: npx vite-node bench/threads/threads.ts [rounds=2] [trainSteps=20] [inferSteps=20]
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defaultThreadCount } from "../../lib/backend/wasm/thread-count.js";

const BATCH = 64;

/** What one child process measured. */
interface ChildResult {
  threads: number;
  trainWall: number;
  trainCpu: number;
  inferWall: number;
  inferCpu: number;
  /** Peak resident set size of the child, MiB. */
  peakRssMiB: number;
}

/** Runs in the child: trains and infers, then prints one JSON line. */
async function child(trainSteps: number, inferSteps: number): Promise<void> {
  const { initBackend, tf } = await import("../../lib/backend/index.js");
  const { referenceCnn } = await import("../train/reference-cnn.js");
  const info = await initBackend("wasm");
  const model = referenceCnn();
  const x = tf.randomNormal([BATCH, 28, 28, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32"), 10));
  const trainStep = async () => void (await model.trainOnBatch(x, y));
  const inferStep = async () => {
    const out = model.predict(x) as import("@tensorflow/tfjs").Tensor;
    await out.data();
    out.dispose();
  };
  const measure = async (steps: number, step: () => Promise<void>) => {
    for (let i = 0; i < 3; i++) await step();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await step();
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { wall: (BATCH * steps * 1000) / wallMs, cpu: (BATCH * steps * 1e6) / (cpu.user + cpu.system) };
  };
  const train = await measure(trainSteps, trainStep);
  const infer = await measure(inferSteps, inferStep);
  const result: ChildResult = {
    threads: info.threads ?? 1,
    trainWall: train.wall,
    trainCpu: train.cpu,
    inferWall: infer.wall,
    inferCpu: infer.cpu,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Starts this script as a child at `threads` threads and reads its JSON line. */
function runChild(threads: number, trainSteps: number, inferSteps: number): ChildResult {
  const viteNode = fileURLToPath(new URL("../../node_modules/vite-node/vite-node.mjs", import.meta.url));
  const script = fileURLToPath(import.meta.url);
  const run = spawnSync(process.execPath, [viteNode, script, "child", String(trainSteps), String(inferSteps)], {
    encoding: "utf8",
    env: { ...process.env, TENSORCELL_THREADS: String(threads) },
    maxBuffer: 16 << 20,
  });
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.status !== 0 || !line.startsWith("{")) throw new Error(`child at ${threads} threads failed (exit ${run.status}): ${run.stderr.trim().split("\n").pop()}`);
  return JSON.parse(line) as ChildResult;
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  if (process.argv[2] === "child") return child(Number(process.argv[3] ?? 20), Number(process.argv[4] ?? 20));
  const rounds = Number(process.argv[2] ?? 2);
  const trainSteps = Number(process.argv[3] ?? 20);
  const inferSteps = Number(process.argv[4] ?? 20);
  const all = defaultThreadCount();
  console.log(`reference CNN, batch ${BATCH}, ${trainSteps} train / ${inferSteps} inference steps, ${rounds} rounds; ${availableParallelism()} cores, default ${all} threads`);
  if (all === 1) console.log("only one core: the all-cores run is the 1-thread run");
  const results = new Map<number, ChildResult[]>([[1, []], [all, []]]);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [1, all] : [all, 1];
    for (const threads of order) {
      const r = runChild(threads, trainSteps, inferSteps);
      results.get(threads)!.push(r);
      console.log(
        `round ${round + 1}, ${r.threads} thread(s): train ${r.trainWall.toFixed(0)} img/s wall (${r.trainCpu.toFixed(0)} by CPU), ` +
          `infer ${r.inferWall.toFixed(0)} img/s wall (${r.inferCpu.toFixed(0)} by CPU), peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
      );
    }
  }
  const summary = (threads: number) => {
    const list = results.get(threads)!;
    return {
      train: median(list.map((r) => r.trainWall)),
      infer: median(list.map((r) => r.inferWall)),
      rss: median(list.map((r) => r.peakRssMiB)),
    };
  };
  const one = summary(1);
  const many = summary(all);
  console.log(`median 1 thread: train ${one.train.toFixed(0)} img/s, infer ${one.infer.toFixed(0)} img/s, peak RSS ${one.rss.toFixed(0)} MiB`);
  console.log(`median ${all} threads: train ${many.train.toFixed(0)} img/s, infer ${many.infer.toFixed(0)} img/s, peak RSS ${many.rss.toFixed(0)} MiB`);
  console.log(`ratio ${all} threads / 1 thread (wall): train ${(many.train / one.train).toFixed(2)}x, infer ${(many.infer / one.infer).toFixed(2)}x, peak RSS ${(many.rss / one.rss).toFixed(2)}x`);
}

await main();
