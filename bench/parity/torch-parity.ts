/**
 * Does tensorcell train at parity with PyTorch on this machine? One run, four
 * models, four settings each: tensorcell on wasm (the default backend, with
 * tensorcell's kernels) at 1 thread and at the default thread count (every
 * core up to 8), and PyTorch CPU (Debian python3-torch, /usr/bin/python3) at 1
 * thread and at every core. Same architecture, optimizer and batch on both
 * sides; random inputs (throughput only).
 *  - reference CNN (mnist-node, 594,922 params), 28x28x1, RMSprop, batch 64 (bench/train/torch_cnn.py)
 *  - ResNet-20 (CIFAR, 269,722 params), 32x32x3, SGD momentum 0.9, batch 64 (bench/train/torch_resnet20.py)
 *  - ViT-Ti/4 (5,362,762 params), 32x32x3, Adam, batch 16 (bench/vit/torch_vit.py)
 *  - GCN (1433-16-7) on syntheticCitationGraph({ seed: 0 }), Adam: epochs/s (training step +
 *    test evaluation) and full-graph passes/s (bench/gnn/torch_gcn.py)
 *
 * Every setting runs in its own child process (wasm threads are fixed when the
 * backend starts: TENSORCELL_THREADS per child; PyTorch gets torch.set_num_threads
 * and OMP/OPENBLAS/MKL_NUM_THREADS, see torchThreadEnv). Each round runs a model's
 * four settings in turn; the order is reversed (and rotated) from round to round so
 * load drift hits every setting alike; the tables give the median over rounds, by
 * wall clock and by the child's CPU time (all its threads), then the ratios
 * tensorcell / PyTorch at equal thread counts and each side's all-threads / 1-thread
 * speed-up. Before and after the models it prints the machine's ceiling for those
 * speed-ups (bench/threads/ceiling.ts: a parallel FP loop on every core at once
 * against one core).
 *
 * Run: npx vite-node bench/parity/torch-parity.ts [steps=2] [rounds=2] [models=cnn,resnet20,vit,gcn]
 * (timed steps per child: 4x steps for the CNN, steps for ResNet-20 and ViT, 4x steps
 * epochs and passes for the GCN; after warm-up steps.)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultThreadCount } from "../../lib/backend/wasm/thread-count.js";
import { parallelCeiling } from "../threads/ceiling.js";
import { type Measured, type StepPlan } from "../train/tfjs-throughput.js";
import { type Throughput, type TorchResult, torchBuildInfo, torchCnn, torchGcnFile, torchResnet20, torchVit } from "../train/torch-reference.js";

/** One benchmarked model: sizes, step plan, and its PyTorch reference. */
interface ParityModel {
  title: string;
  unit: string;
  batch: number;
  plan: (steps: number) => StepPlan;
  /** The PyTorch run with the same plan, thread count and batch (`batch` above). */
  torch: (run: { plan: StepPlan; threads: number; batch: number; graphFile: string }) => TorchResult | undefined;
}

const MODELS: Record<string, ParityModel> = {
  cnn: {
    title: "reference CNN (mnist-node, 594,922 params), 28x28x1, RMSprop, batch 64",
    unit: "img/s",
    batch: 64,
    plan: (steps) => ({ warmup: 2, train: 4 * steps, infer: 4 * steps }),
    torch: ({ plan, threads, batch }) => torchCnn(batch, plan.train, plan.infer, threads),
  },
  resnet20: {
    title: "ResNet-20 (CIFAR, 269,722 params), 32x32x3, SGD momentum 0.9, batch 64",
    unit: "img/s",
    batch: 64,
    plan: (steps) => ({ warmup: 1, train: steps, infer: steps }),
    torch: ({ plan, threads, batch }) => torchResnet20(batch, plan.train, plan.infer, threads),
  },
  vit: {
    title: "ViT-Ti/4 (vit_tiny_patch4_32, 5,362,762 params), 32x32x3, Adam 1e-3, batch 16",
    unit: "img/s",
    batch: 16,
    plan: (steps) => ({ warmup: 1, train: steps, infer: steps }),
    torch: ({ plan, threads, batch }) => torchVit(batch, plan.train, plan.infer, threads),
  },
  gcn: {
    title: "GCN (1433-16-7) on syntheticCitationGraph({ seed: 0 }), 2,708 nodes; train = epochs/s (step + test evaluation), infer = full-graph passes/s",
    unit: "per s",
    batch: 1,
    plan: (steps) => ({ warmup: 2, train: 4 * steps, infer: 4 * steps }),
    torch: ({ plan, threads, graphFile }) => torchGcnFile(graphFile, plan.train, plan.infer, threads),
  },
};

/** Runs in a child process: one model on wasm at TENSORCELL_THREADS, then one JSON line. */
async function child(key: string, steps: number): Promise<void> {
  const { initBackend, tf } = await import("../../lib/backend/index.js");
  const { benchGcn, benchImageModel, compiledModel } = await import("../train/tfjs-throughput.js");
  const info = await initBackend("wasm");
  if (info.name !== "wasm") throw new Error(`wasm backend unavailable (${info.reason})`);
  const model = MODELS[key]!;
  const plan = model.plan(steps);
  let measured: Measured;
  if (key === "cnn") {
    const { referenceCnn } = await import("../train/reference-cnn.js");
    measured = await benchImageModel(referenceCnn(), model.batch, plan);
  } else if (key === "resnet20") {
    measured = await benchImageModel(compiledModel("resnet20", tf.train.momentum(0.1, 0.9)), model.batch, plan);
  } else if (key === "vit") {
    measured = await benchImageModel(compiledModel("vit_tiny_patch4_32", tf.train.adam(1e-3)), model.batch, plan);
  } else {
    const { disposeGraph, syntheticCitationGraph } = await import("../../lib/data/graphs.js");
    const graph = syntheticCitationGraph({ seed: 0 });
    measured = await benchGcn(graph, plan);
    disposeGraph(graph);
  }
  process.stdout.write(`${JSON.stringify({ ...measured, threads: info.threads ?? 1, tfjs: tf.version.tfjs, simd: info.simd })}\n`);
  process.exit(0);
}

/** Runs in a child process: writes the GCN's graph for torch_gcn.py. */
async function writeGraph(file: string): Promise<void> {
  const { initBackend } = await import("../../lib/backend/index.js");
  const { disposeGraph, syntheticCitationGraph } = await import("../../lib/data/graphs.js");
  const { writeTorchGraph } = await import("../gnn/torch-graph.js");
  await initBackend("cpu");
  const graph = syntheticCitationGraph({ seed: 0 });
  writeTorchGraph(graph, file);
  disposeGraph(graph);
  process.exit(0);
}

/** Starts this script as a child (`args` after the script) at `threads` wasm threads; returns its last stdout line. */
function runSelf(args: string[], threads: number): string {
  const viteNode = fileURLToPath(new URL("../../node_modules/vite-node/vite-node.mjs", import.meta.url));
  const run = spawnSync(process.execPath, [viteNode, fileURLToPath(import.meta.url), ...args], {
    encoding: "utf8",
    env: { ...process.env, TENSORCELL_THREADS: String(threads) },
    maxBuffer: 16 << 20,
  });
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.status !== 0) throw new Error(`child ${args.join(" ")} at ${threads} threads failed (exit ${run.status}): ${run.stderr.trim().split("\n").pop()}`);
  return line;
}

/** One setting: which side, at how many threads. */
interface Setting {
  side: "tensorcell" | "PyTorch";
  threads: number;
  label: string;
}

/** What ran, as the children report it (printed at the end). */
const versions: { tfjs?: string; torch?: string } = {};

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const medianOf = (list: Measured[]): Measured => {
  const of = (pick: (m: Measured) => Throughput): Throughput => ({ wall: median(list.map((m) => pick(m).wall)), cpu: median(list.map((m) => pick(m).cpu)) });
  return { train: of((m) => m.train), infer: of((m) => m.infer) };
};

const num = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pair = (t: Throughput) => `${num(t.wall)} / ${num(t.cpu)}`;
const ratio = (a: Throughput, b: Throughput) => `${(a.wall / b.wall).toFixed(2)}x / ${(a.cpu / b.cpu).toFixed(2)}x`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

/** The settings' order in round `round`: reversed every other round, rotated by one every two rounds. */
function order<T>(items: T[], round: number): T[] {
  const shift = Math.floor(round / 2) % items.length;
  const rotated = [...items.slice(shift), ...items.slice(0, shift)];
  return round % 2 ? rotated.reverse() : rotated;
}

/** Measures one model in every setting over `rounds` rounds; prints the per-child lines, the table and the ratios. */
function benchModel(key: string, settings: Setting[], runOrder: Setting[], rounds: number, steps: number, graphFile: string): Map<Setting, Measured> {
  const model = MODELS[key]!;
  const plan = model.plan(steps);
  console.log(`\n### ${model.title}\n`);
  console.log(`(${plan.train} training steps and ${plan.infer} inference steps per child after warm-up; ${rounds} rounds)\n`);
  const results = new Map<Setting, Measured[]>(settings.map((s) => [s, []]));
  for (let round = 0; round < rounds; round++) {
    for (const setting of order(runOrder, round)) {
      let measured: Measured | undefined;
      if (setting.side === "tensorcell") {
        const result = JSON.parse(runSelf(["child", key, String(steps)], setting.threads)) as Measured & { threads: number; tfjs: string; simd: boolean };
        if (result.threads !== setting.threads) throw new Error(`tensorcell child ran at ${result.threads} threads, asked for ${setting.threads}`);
        versions.tfjs ??= `tfjs ${result.tfjs} wasm (simd ${result.simd})`;
        measured = result;
      } else {
        const result = model.torch({ plan, threads: setting.threads, batch: model.batch, graphFile });
        if (!result) throw new Error("PyTorch reference failed (see the line above); install python3-torch.");
        if (result.version) versions.torch ??= `PyTorch ${result.version}`;
        measured = result;
      }
      results.get(setting)!.push(measured);
      console.log(`  round ${round + 1}, ${setting.label}: train ${pair(measured.train)}, infer ${pair(measured.infer)} ${model.unit} (wall / CPU); load ${loadavg()[0]!.toFixed(2)}`);
    }
  }
  const medians = new Map<Setting, Measured>([...results].map(([s, list]) => [s, medianOf(list)]));
  console.log(`\n| setting | train ${model.unit} (wall / CPU) | infer ${model.unit} (wall / CPU) |\n| --- | --- | --- |`);
  for (const s of settings) console.log(`| ${s.label} | ${pair(medians.get(s)!.train)} | ${pair(medians.get(s)!.infer)} |`);
  const [tc1, tcAll, pt1, ptAll] = settings.map((s) => medians.get(s)!) as [Measured, Measured, Measured, Measured];
  console.log(`| tensorcell / PyTorch, 1 thread | ${ratio(tc1.train, pt1.train)} | ${ratio(tc1.infer, pt1.infer)} |`);
  console.log(`| tensorcell / PyTorch, all threads (${settings[1]!.threads} / ${settings[3]!.threads}) | ${ratio(tcAll.train, ptAll.train)} | ${ratio(tcAll.infer, ptAll.infer)} |`);
  console.log(`| tensorcell speed-up ${settings[1]!.threads} / 1 threads | ${ratio(tcAll.train, tc1.train)} | ${ratio(tcAll.infer, tc1.infer)} |`);
  console.log(`| PyTorch speed-up ${settings[3]!.threads} / 1 threads | ${ratio(ptAll.train, pt1.train)} | ${ratio(ptAll.infer, pt1.infer)} |`);
  console.log(`load average now ${load()}`);
  return medians;
}

async function main(): Promise<void> {
  if (process.argv[2] === "child") return child(process.argv[3]!, Number(process.argv[4] ?? 2));
  if (process.argv[2] === "graph") return writeGraph(process.argv[3]!);
  const steps = Number(process.argv[2] ?? 2);
  const rounds = Number(process.argv[3] ?? 2);
  const keys = (process.argv[4] ?? "cnn,resnet20,vit,gcn").split(",");
  const unknown = keys.filter((k) => !(k in MODELS));
  if (!(Number.isInteger(steps) && steps >= 1 && Number.isInteger(rounds) && rounds >= 1) || unknown.length > 0) {
    console.error(`usage: npx vite-node bench/parity/torch-parity.ts [steps>=1] [rounds>=1] [models=${Object.keys(MODELS).join(",")}]${unknown.length ? ` (unknown: ${unknown.join(", ")})` : ""}`);
    process.exit(2);
  }
  const cores = cpus();
  const wasmAll = defaultThreadCount();
  const settings: Setting[] = [
    { side: "tensorcell", threads: 1, label: "tensorcell wasm, 1 thread" },
    { side: "tensorcell", threads: wasmAll, label: `tensorcell wasm, ${wasmAll} threads (default)` },
    { side: "PyTorch", threads: 1, label: "PyTorch CPU, 1 thread" },
    { side: "PyTorch", threads: cores.length, label: `PyTorch CPU, ${cores.length} threads (all cores)` },
  ];
  // Interleave the sides: tensorcell 1, PyTorch 1, tensorcell all, PyTorch all (reversed in odd rounds).
  const runOrder = [settings[0]!, settings[2]!, settings[1]!, settings[3]!];
  const started = Date.now();
  console.log(`machine: ${cores.length} cores (${cores[0]?.model.trim() ?? "unknown CPU"}); Node ${process.version}; load average at start ${load()}`);
  console.log(torchBuildInfo() ?? "PyTorch not found (/usr/bin/python3 -c 'import torch' failed)");
  const ceiling = async (when: string) => {
    const { ratio } = await parallelCeiling(cores.length);
    console.log(`ceiling ${when}: a parallel FP loop ran ${ratio.toFixed(2)}x faster on ${cores.length} cores than on 1`);
  };
  await ceiling("before");
  const dir = mkdtempSync(join(tmpdir(), "tensorcell-parity-"));
  const graphFile = join(dir, "graph.json");
  try {
    if (keys.includes("gcn")) runSelf(["graph", graphFile], 1);
    const all = new Map<string, Map<Setting, Measured>>();
    for (const key of keys) {
      const medians = benchModel(key, settings, runOrder, rounds, steps, graphFile);
      all.set(key, medians);
    }
    console.log(`\n### Summary: tensorcell / PyTorch (wall / CPU), medians of ${rounds} rounds\n`);
    console.log(`| model | train, 1 thread | infer, 1 thread | train, all threads | infer, all threads | speed-up all/1 train (tensorcell; PyTorch), wall | speed-up all/1 infer (tensorcell; PyTorch), wall |`);
    console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
    for (const [key, m] of all) {
      const [tc1, tcAll, pt1, ptAll] = settings.map((s) => m.get(s)!) as [Measured, Measured, Measured, Measured];
      const up = (a: Throughput, b: Throughput) => (a.wall / b.wall).toFixed(2);
      console.log(
        `| ${key} | ${ratio(tc1.train, pt1.train)} | ${ratio(tc1.infer, pt1.infer)} | ${ratio(tcAll.train, ptAll.train)} | ${ratio(tcAll.infer, ptAll.infer)} | ` +
          `${up(tcAll.train, tc1.train)}x; ${up(ptAll.train, pt1.train)}x | ${up(tcAll.infer, tc1.infer)}x; ${up(ptAll.infer, pt1.infer)}x |`,
      );
    }
    await ceiling("after");
    console.log(`\n${[versions.tfjs, versions.torch].filter(Boolean).join("; ")}; load average at end ${load()}; ${((Date.now() - started) / 60000).toFixed(1)} min`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
