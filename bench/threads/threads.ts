/**
 * The reference CNN (tfjs-examples mnist-node, batch 64) and ResNet-20 (CIFAR,
 * batch 64, SGD momentum) on the wasm backend at 1 thread and at every core
 * (the default, up to 8), each model and count in its own child process so
 * each starts its own build; rounds alternate the order. Prints training and
 * inference images per second (wall clock and process CPU time), peak RSS, and
 * the same-run ratios all-cores / 1 thread, and before and after the models the
 * machine's ceiling for those ratios (ceiling.ts: a parallel FP loop on every
 * thread at once against one thread).
 *
 * Run: npx vite-node bench/threads/threads.ts [rounds=2] [cnnSteps=10] [resnetSteps=3]
 * (steps are timed training steps and timed inference batches, after 2 warm-up steps).
 */
import { spawnSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { defaultThreadCount } from "../../lib/backend/wasm/thread-count.js";
import { parallelCeiling } from "./ceiling.js";

const BATCH = 64;

/** The benchmark models: how the child builds each, and its input. */
const MODELS = {
  cnn: { title: "reference CNN (594,922 params, 28x28x1, RMSprop)", input: [28, 28, 1] },
  resnet20: { title: "ResNet-20 (CIFAR, 269,722 params, 32x32x3, SGD momentum 0.9)", input: [32, 32, 3] },
} as const;
type ModelKey = keyof typeof MODELS;

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
async function child(key: ModelKey, steps: number): Promise<void> {
  const trainSteps = steps;
  const inferSteps = steps;
  const { initBackend, tf } = await import("../../lib/backend/index.js");
  const info = await initBackend("wasm");
  let model: import("@tensorflow/tfjs").LayersModel;
  if (key === "cnn") {
    const { referenceCnn } = await import("../train/reference-cnn.js");
    model = referenceCnn();
  } else {
    const { models } = await import("../../lib/models/index.js");
    model = models.create("resnet20");
    model.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: "categoricalCrossentropy" });
  }
  const x = tf.randomNormal([BATCH, ...MODELS[key].input]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32"), 10));
  const trainStep = async () => void (await model.trainOnBatch(x, y));
  const inferStep = async () => {
    const out = model.predict(x, { batchSize: BATCH }) as import("@tensorflow/tfjs").Tensor;
    await out.data();
    out.dispose();
  };
  const measure = async (steps: number, step: () => Promise<void>) => {
    for (let i = 0; i < 2; i++) await step();
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
function runChild(key: ModelKey, threads: number, steps: number): ChildResult {
  const viteNode = fileURLToPath(new URL("../../node_modules/vite-node/vite-node.mjs", import.meta.url));
  const script = fileURLToPath(import.meta.url);
  const run = spawnSync(process.execPath, [viteNode, script, "child", key, String(steps)], {
    encoding: "utf8",
    env: { ...process.env, TENSORCELL_THREADS: String(threads) },
    maxBuffer: 16 << 20,
  });
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.status !== 0 || !line.startsWith("{")) throw new Error(`${key} child at ${threads} threads failed (exit ${run.status}): ${run.stderr.trim().split("\n").pop()}`);
  return JSON.parse(line) as ChildResult;
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Measures one model at 1 thread and at `all` threads over `rounds` alternating rounds; prints the lines and ratios. */
function benchModel(key: ModelKey, all: number, rounds: number, steps: number): void {
  console.log(`\n${MODELS[key].title}, batch ${BATCH}, ${steps} training steps and ${steps} inference batches per child, ${rounds} rounds`);
  const results = new Map<number, ChildResult[]>([[1, []], [all, []]]);
  for (let round = 0; round < rounds; round++) {
    for (const threads of round % 2 === 0 ? [1, all] : [all, 1]) {
      const r = runChild(key, threads, steps);
      results.get(threads)!.push(r);
      console.log(
        `  round ${round + 1}, ${r.threads} thread(s): train ${r.trainWall.toFixed(1)} img/s wall (${r.trainCpu.toFixed(1)} by CPU), ` +
          `infer ${r.inferWall.toFixed(0)} img/s wall (${r.inferCpu.toFixed(0)} by CPU), peak RSS ${r.peakRssMiB.toFixed(0)} MiB, load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
  }
  const summary = (threads: number) => {
    const list = results.get(threads)!;
    return { train: median(list.map((r) => r.trainWall)), infer: median(list.map((r) => r.inferWall)), rss: median(list.map((r) => r.peakRssMiB)) };
  };
  const one = summary(1);
  const many = summary(all);
  console.log(`  median 1 thread: train ${one.train.toFixed(1)} img/s, infer ${one.infer.toFixed(0)} img/s, peak RSS ${one.rss.toFixed(0)} MiB`);
  console.log(`  median ${all} threads: train ${many.train.toFixed(1)} img/s, infer ${many.infer.toFixed(0)} img/s, peak RSS ${many.rss.toFixed(0)} MiB`);
  console.log(`  ratio ${all} threads / 1 thread (wall): train ${(many.train / one.train).toFixed(2)}x, infer ${(many.infer / one.infer).toFixed(2)}x, peak RSS ${(many.rss / one.rss).toFixed(2)}x`);
}

async function main(): Promise<void> {
  if (process.argv[2] === "child") return child(process.argv[3] as ModelKey, Number(process.argv[4] ?? 5));
  const rounds = Number(process.argv[2] ?? 2);
  const cnnSteps = Number(process.argv[3] ?? 10);
  const resnetSteps = Number(process.argv[4] ?? 3);
  const all = defaultThreadCount();
  console.log(`${availableParallelism()} cores, default ${all} threads; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  if (all === 1) console.log("only one core: the all-cores run is the 1-thread run");
  const ceiling = async (when: string) => {
    const { oneMs, allMs, ratio } = await parallelCeiling(all);
    console.log(`ceiling ${when}: a parallel FP loop ran ${ratio.toFixed(2)}x faster on ${all} threads than on 1 (${oneMs.toFixed(0)} ms on one worker, ${allMs.toFixed(0)} ms on ${all} at once)`);
  };
  await ceiling("before");
  benchModel("cnn", all, rounds, cnnSteps);
  benchModel("resnet20", all, rounds, resnetSteps);
  await ceiling("after");
}

await main();
