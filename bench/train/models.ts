/**
 * Training and inference throughput of the model library's larger models on
 * wasm (with tensorcell's kernels) and cpu, and in the same run PyTorch's CPU
 * build (Debian python3-torch, /usr/bin/python3, one thread) on the same
 * architecture, optimizer and batch; prints each figure and the ratios.
 *  - resnet20 (CIFAR ResNet-20, 269,722 params), 32x32x3, SGD momentum 0.9, batch 64;
 *    PyTorch: bench/train/torch_resnet20.py
 *  - vit_tiny_patch4_32 (ViT-Ti/4, 5,362,762 params), 32x32x3, Adam 1e-3, batch 16;
 *    PyTorch: bench/vit/torch_vit.py
 *  - gcn (Kipf & Welling, hidden 16) on syntheticCitationGraph({ seed: 0 })
 *    (2,708 nodes, 1,433 features), fitNodeClassifier (Adam 0.01, L2 5e-4);
 *    one epoch = a full-batch training step + a test evaluation, as
 *    bench/gnn/torch_gcn.py times it; inference = one full-graph forward pass.
 * Random images and labels for the image models (throughput only).
 *
 * Run: npx vite-node bench/train/models.ts [wasmSteps=5] [cpuSteps=1] [models=resnet20,vit,gcn]
 * (GCN epochs are 4x wasmSteps on wasm and PyTorch.) Each figure is by wall
 * clock and by this process's CPU time: the machine is shared, and wall time
 * then includes waiting for a core.
 */
import { loadavg } from "node:os";
import { initBackend, tf, useBackend } from "../../lib/backend/index.js";
import { disposeGraph, syntheticCitationGraph } from "../../lib/data/graphs.js";
import { benchGcn, benchImageModel, compiledModel, type Measured, type StepPlan } from "./tfjs-throughput.js";
import { type Throughput, type TorchResult, torchGcn, torchResnet20, torchVit } from "./torch-reference.js";

const wasmSteps = Number(process.argv[2] ?? 5);
// cpu (pure JS) trains resnet20 at about 220 s a batch of 64: one step, no warm-up, by default.
const cpuSteps = Number(process.argv[3] ?? 1);
const selected = new Set((process.argv[4] ?? "resnet20,vit,gcn").split(","));

/** One benchmarked model: what it measures and how to run it on a backend and in PyTorch. */
interface ModelBench {
  key: string;
  title: string;
  unit: string;
  run: (plan: StepPlan) => Promise<Measured>;
  wasm: StepPlan;
  cpu: StepPlan;
  torch: () => TorchResult | undefined;
}

const num = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pair = (t: Throughput) => `${num(t.wall)} / ${num(t.cpu)}`;
const ratioPair = (a: Throughput, b: Throughput) => `${num(a.wall / b.wall)}x / ${num(a.cpu / b.cpu)}x`;

function printTable(bench: ModelBench, wasm: Measured, cpu: Measured, torch: TorchResult | undefined): void {
  console.log(`\n${bench.title}`);
  console.log(`| | train ${bench.unit} (wall / CPU) | infer ${bench.unit} (wall / CPU) |\n| --- | --- | --- |`);
  // wasm threads are TENSORCELL_THREADS or every core up to 8 (set TENSORCELL_THREADS=1 for the one-thread figures).
  console.log(`| wasm + tensorcell kernels, ${info.threads} thread(s) (${bench.wasm.train} train / ${bench.wasm.infer} infer steps) | ${pair(wasm.train)} | ${pair(wasm.infer)} |`);
  console.log(`| cpu (pure JS) (${bench.cpu.train} / ${bench.cpu.infer} steps) | ${pair(cpu.train)} | ${pair(cpu.infer)} |`);
  if (torch) console.log(`| PyTorch 1.13, 1 thread | ${pair(torch.train)} | ${pair(torch.infer)} |`);
  console.log(`| ratio wasm / cpu | ${ratioPair(wasm.train, cpu.train)} | ${ratioPair(wasm.infer, cpu.infer)} |`);
  if (torch) console.log(`| ratio wasm / PyTorch | ${ratioPair(wasm.train, torch.train)} | ${ratioPair(wasm.infer, torch.infer)} |`);
}

const info = await initBackend("wasm");
if (info.name !== "wasm") throw new Error(`wasm backend unavailable (${info.reason}); this benchmark measures wasm against cpu and PyTorch.`);
console.log(`tfjs ${tf.version.tfjs}; wasm simd=${info.simd} threads=${info.threads}; Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
const tensorsAtStart = tf.memory().numTensors;
const graph = selected.has("gcn") ? syntheticCitationGraph({ seed: 0 }) : undefined;
const gcnEpochs = 4 * wasmSteps;

const benches: ModelBench[] = [
  {
    key: "resnet20",
    title: "resnet20 (CIFAR ResNet-20, 269,722 params), 32x32x3, SGD momentum 0.9 lr 0.1, batch 64",
    unit: "img/s",
    run: (plan) => benchImageModel(compiledModel("resnet20", tf.train.momentum(0.1, 0.9)), 64, plan),
    wasm: { warmup: 2, train: wasmSteps, infer: wasmSteps },
    cpu: { warmup: 0, train: cpuSteps, infer: cpuSteps },
    torch: () => torchResnet20(64, wasmSteps, wasmSteps),
  },
  {
    key: "vit",
    title: "vit_tiny_patch4_32 (ViT-Ti/4, 5,362,762 params), 32x32x3, Adam 1e-3, batch 16",
    unit: "img/s",
    run: (plan) => benchImageModel(compiledModel("vit_tiny_patch4_32", tf.train.adam(1e-3)), 16, plan),
    wasm: { warmup: 1, train: wasmSteps, infer: wasmSteps },
    cpu: { warmup: 0, train: cpuSteps, infer: cpuSteps },
    torch: () => torchVit(16, wasmSteps, wasmSteps),
  },
  {
    key: "gcn",
    title: "gcn (1433-16-7, 23,063 params) on syntheticCitationGraph({ seed: 0 }): 2,708 nodes, 10,556 directed edges; train = epochs/s (training step + test evaluation), infer = full-graph passes/s",
    unit: "per s",
    run: (plan) => benchGcn(graph!, plan),
    wasm: { warmup: 2, train: gcnEpochs, infer: gcnEpochs },
    cpu: { warmup: 1, train: cpuSteps + 2, infer: cpuSteps + 2 },
    torch: () => torchGcn(graph!, gcnEpochs, gcnEpochs),
  },
];

for (const bench of benches.filter((b) => selected.has(b.key))) {
  await useBackend("wasm");
  const wasm = await bench.run(bench.wasm);
  await useBackend("cpu");
  const cpu = await bench.run(bench.cpu);
  await useBackend("wasm");
  const torch = bench.torch();
  printTable(bench, wasm, cpu, torch);
  console.log(`load average now ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
}
if (graph) {
  disposeGraph(graph);
}
console.log(`\ntensors left: ${tf.memory().numTensors - tensorsAtStart}`);
