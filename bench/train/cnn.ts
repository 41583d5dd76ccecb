/**
 * Training and inference throughput of the reference CNN (tfjs-examples
 * mnist-node, 594,922 parameters, RMSprop, batch 64) on wasm and cpu, and in
 * the same run PyTorch's CPU build (/usr/bin/python3, one thread, same
 * architecture and batch); prints each figure and the ratios.
 *
 * Run: npx vite-node bench/train/cnn.ts [trainSteps=20] [inferSteps=20]
 * Wall-clock figures are the headline; process CPU time is printed beside them
 * because the benchmark machine is shared (wall time then includes waiting).
 */
import { initBackend, tf, useBackend } from "../../lib/backend/index.js";
import { referenceCnn } from "./reference-cnn.js";
import { torchCnn } from "./torch-reference.js";

const BATCH = 64;
const trainSteps = Number(process.argv[2] ?? 20);
const inferSteps = Number(process.argv[3] ?? 20);

/** Images per second by wall clock and by this process's CPU time. */
interface Throughput {
  wall: number;
  cpu: number;
}

async function measure(steps: number, step: () => Promise<void>): Promise<Throughput> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { wall: (BATCH * steps * 1000) / wallMs, cpu: (BATCH * steps * 1000) / cpuMs };
}

async function benchTfjs(backend: string, train: number, infer: number, warmup: number): Promise<{ train: Throughput; infer: Throughput }> {
  await useBackend(backend);
  const model = referenceCnn();
  const x = tf.randomNormal([BATCH, 28, 28, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32"), 10));
  const trainStep = async () => { await model.trainOnBatch(x, y); };
  const inferStep = async () => {
    const out = model.predict(x) as tf.Tensor;
    await out.data();
    out.dispose();
  };
  for (let i = 0; i < warmup; i++) await trainStep();
  const trainResult = await measure(train, trainStep);
  for (let i = 0; i < warmup; i++) await inferStep();
  const inferResult = await measure(infer, inferStep);
  model.optimizer.dispose();
  model.dispose();
  tf.dispose([x, y]);
  return { train: trainResult, infer: inferResult };
}

const fmt = (t: Throughput) => `${t.wall.toFixed(0).padStart(6)} img/s wall, ${t.cpu.toFixed(0).padStart(6)} img/s by CPU time`;
const ratio = (a: Throughput, b: Throughput) => `${(a.wall / b.wall).toFixed(2)}x wall, ${(a.cpu / b.cpu).toFixed(2)}x CPU`;

const info = await initBackend("wasm");
console.log(`reference CNN (mnist-node, 594,922 params), batch ${BATCH}, ${trainSteps} train / ${inferSteps} inference steps`);
console.log(`tfjs ${tf.version.tfjs}; wasm simd=${info.simd} threads=${info.threads}; kernels added ${info.kernelsAdded.join(", ")}; replaced ${info.kernelsReplaced.join(", ")}`);
const wasm = await benchTfjs("wasm", trainSteps, inferSteps, 3);
const cpu = await benchTfjs("cpu", 2, 3, 1);
const torch = torchCnn(BATCH, trainSteps, inferSteps);
console.log(`wasm  train ${fmt(wasm.train)} | infer ${fmt(wasm.infer)}`);
console.log(`cpu   train ${fmt(cpu.train)} | infer ${fmt(cpu.infer)}`);
if (torch) console.log(`torch ${torch.version} 1 thread  train ${fmt(torch.train)} | infer ${fmt(torch.infer)}`);
console.log(`ratio wasm/cpu   train ${ratio(wasm.train, cpu.train)} | infer ${ratio(wasm.infer, cpu.infer)}`);
if (torch) console.log(`ratio wasm/torch train ${ratio(wasm.train, torch.train)} | infer ${ratio(wasm.infer, torch.infer)}`);
