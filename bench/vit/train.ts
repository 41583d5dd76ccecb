/**
 * Training and inference throughput of vit_tiny_patch4_32 (ViT-Ti/4 on 32x32,
 * 5,362,762 parameters, Adam, batch 16) on tfjs wasm with tensorcell's kernels,
 * and in the same run the same architecture in PyTorch's CPU build
 * (/usr/bin/python3, bench/vit/torch_vit.py, 1 and 2 threads); prints each
 * figure and the ratios. Wall clock is the headline; the machine is shared.
 *
 * Run: npx vite-node bench/vit/train.ts [trainSteps=5] [inferSteps=5]
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { initBackend, tf } from "../../lib/backend/index.js";
import { getModelSpec } from "../../lib/models/registry.js";
import "../../lib/models/vit.js";

const BATCH = 16;
const trainSteps = Number(process.argv[2] ?? 5);
const inferSteps = Number(process.argv[3] ?? 5);

async function imagesPerSecond(steps: number, step: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await step();
  return (BATCH * steps * 1000) / (performance.now() - t0);
}

async function benchTfjs(): Promise<{ params: number; train: number; infer: number }> {
  const info = await initBackend("wasm");
  if (info.name !== "wasm") throw new Error(`wasm backend unavailable: ${info.reason}`);
  const spec = getModelSpec("vit_tiny_patch4_32");
  const model = spec.build({ ...spec.defaults });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const x = tf.randomUniform([BATCH, 32, 32, 3]);
  const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32"), 10);
  await model.trainOnBatch(x, y); // warm-up
  const train = await imagesPerSecond(trainSteps, async () => {
    await model.trainOnBatch(x, y);
  });
  tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  const infer = await imagesPerSecond(inferSteps, async () => {
    await tf.tidy(() => model.predict(x) as tf.Tensor).data().then(() => undefined);
  });
  const params = model.countParams();
  model.dispose();
  return { params, train, infer };
}

function benchTorch(threads: number): { params: number; train: number; infer: number } {
  const script = fileURLToPath(new URL("./torch_vit.py", import.meta.url));
  const run = spawnSync("/usr/bin/python3", [script, String(threads), String(BATCH), String(trainSteps), String(inferSteps)], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`PyTorch reference failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!);
}

const ours = await benchTfjs();
const torch1 = benchTorch(1);
const torch2 = benchTorch(2);
const fmt = (v: number) => v.toFixed(1).padStart(7);
console.log(`vit_tiny_patch4_32, batch ${BATCH}, ${trainSteps} train / ${inferSteps} inference steps; params tfjs ${ours.params}, torch ${torch1.params}`);
console.log(`                       train img/s   infer img/s`);
console.log(`tfjs wasm (1 thread)   ${fmt(ours.train)}       ${fmt(ours.infer)}`);
console.log(`PyTorch 1 thread       ${fmt(torch1.train)}       ${fmt(torch1.infer)}`);
console.log(`PyTorch 2 threads      ${fmt(torch2.train)}       ${fmt(torch2.infer)}`);
console.log(`ratio tfjs/PyTorch-1   ${(ours.train / torch1.train).toFixed(2).padStart(7)}       ${(ours.infer / torch1.infer).toFixed(2).padStart(7)}`);
