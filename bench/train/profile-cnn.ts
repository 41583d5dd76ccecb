// Per-kernel profile of one training step of the reference CNN (or a library image model, e.g.
// resnet20, compiled with SGD momentum as bench/train/models.ts does) on wasm (development aid).
// The backend starts as the kernel starts it (tensorcell's kernels, TENSORCELL_THREADS or every core up to 8).
// With mode=infer, one predict of the batch instead of a training step.
// Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/profile-cnn.ts [backend=wasm] [model=reference] [mode=train|infer] [batch=64]
import { initBackend, tf } from "../../lib/backend/index.js";
import { referenceCnn } from "./reference-cnn.js";
import { compiledModel } from "./tfjs-throughput.js";

const info = await initBackend(process.argv[2] ?? "wasm");
console.log(`backend ${info.name}, threads ${info.threads ?? "-"}`);
const name = process.argv[3] ?? "reference";
const model = name === "reference" ? referenceCnn() : compiledModel(name, tf.train.momentum(0.1, 0.9));
const batch = Number(process.argv[5] ?? 64);
const [, height, width, channels] = model.inputs[0].shape as number[];
const classes = (model.outputs[0].shape as number[])[1];
const x = tf.randomNormal([batch, height, width, channels]);
const y = tf.oneHot(tf.randomUniform([batch], 0, classes, "int32"), classes);
const infer = process.argv[4] === "infer";
const step = infer
  ? async () => { const out = model.predict(x, { batchSize: batch }) as tf.Tensor; await out.data(); out.dispose(); }
  : async () => { await model.trainOnBatch(x, y); };
for (let i = 0; i < 3; i++) await step();
const steps = 10;
const c0 = process.cpuUsage();
let t0 = performance.now();
for (let i = 0; i < steps; i++) await step();
let dt = (performance.now() - t0) / steps;
const cpu = process.cpuUsage(c0);
const cpuMs = (cpu.user + cpu.system) / 1000 / steps;
console.log(`${infer ? "predict" : "trainOnBatch"}: ${dt.toFixed(1)} ms/step wall (${(batch * 1000 / dt).toFixed(0)} img/s), ${cpuMs.toFixed(1)} ms/step cpu (${(batch * 1000 / cpuMs).toFixed(0)} img/s), sys ${(cpu.system/1000/steps).toFixed(1)}`);
// Kernel times are the mean over PROFILED_STEPS profiled steps (one step's figures move by up to 1.5x).
const PROFILED_STEPS = 5;
const byKernel = new Map<string, { ms: number; n: number }>();
let kernelCount = 0;
for (let s = 0; s < PROFILED_STEPS; s++) {
  const profile = await tf.profile(step);
  kernelCount = profile.kernels.length;
  for (const k of profile.kernels) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    const key = k.name + " " + JSON.stringify(k.inputShapes);
    const e = byKernel.get(key) ?? { ms: 0, n: 0 };
    e.ms += ms / PROFILED_STEPS; e.n += 1 / PROFILED_STEPS; byKernel.set(key, e);
  }
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25);
let total = 0; for (const [, v] of byKernel) total += v.ms;
console.log(`kernels: ${kernelCount}, mean of ${PROFILED_STEPS} profiled steps, summed kernel ms ${total.toFixed(1)}`);
for (const [k, v] of rows) console.log(v.ms.toFixed(2).padStart(8), String(Math.round(v.n)).padStart(4), k);
// Totals by kernel name (nested kernels, e.g. fusedConv2d__op around FusedConv2D, count in both).
const byName = new Map<string, { ms: number; n: number }>();
for (const [key, v] of byKernel) {
  const e = byName.get(key.split(" ")[0]!) ?? { ms: 0, n: 0 };
  e.ms += v.ms; e.n += v.n; byName.set(key.split(" ")[0]!, e);
}
console.log("by kernel name:");
for (const [k, v] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(v.ms.toFixed(2).padStart(8), String(Math.round(v.n)).padStart(5), k);
