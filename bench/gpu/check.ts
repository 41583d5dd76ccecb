/**
 * Proves tensorcell's webgpu backend (tfjs-backend-webgpu over Dawn's Node
 * binding) on a machine with a GPU: a matmul and a few training steps of the
 * reference CNN on webgpu, compared numerically with wasm, with timings.
 * Bundled into .gpu/check.mjs by bench/gpu/prepare.sh; run by bench/gpu/check.sh.
 * Prints "WEBGPU CHECK PASSED" or "WEBGPU CHECK FAILED: ..." as its last line.
 */
import { backendInfo, initBackend, tf, useBackend } from "../../lib/backend/index.js";
import { referenceCnn } from "../train/reference-cnn.js";

/** The backend under test; TENSORCELL_CHECK_BACKEND=wasm dry-runs the script's plumbing without a GPU. */
const target = process.env.TENSORCELL_CHECK_BACKEND ?? "webgpu";
const failures: string[] = [];
function check(label: string, ok: boolean, detail: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${label}: ${detail}`);
  if (!ok) failures.push(label);
}

/** Largest |a-b| relative to the largest |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

async function timeIt(runs: number, f: () => Promise<void>): Promise<number> {
  await f();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await f();
  return (performance.now() - t0) / runs;
}

const seeded = (shape: number[], seed: number) => {
  const n = shape.reduce((p, q) => p * q, 1);
  const v = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) % 2147483648; v[i] = s / 2147483648 - 0.5; }
  return { shape, values: v };
};

await initBackend("wasm");
console.log(`node ${process.version}; tfjs ${tf.version.tfjs}`);

// 1. matmul
const a = seeded([1024, 1024], 1);
const b = seeded([1024, 1024], 2);
async function matmulOn(backend: string): Promise<{ values: Float32Array; ms: number }> {
  await useBackend(backend);
  const ta = tf.tensor(a.values, a.shape);
  const tb = tf.tensor(b.values, b.shape);
  const values = (await tf.matMul(ta, tb).data()) as Float32Array;
  const ms = await timeIt(backend === "wasm" ? 2 : 10, async () => { const c = tf.matMul(ta, tb); await c.data(); c.dispose(); });
  tf.dispose([ta, tb]);
  return { values, ms };
}
const wasmMatmul = await matmulOn("wasm");
let webgpuOk = true;
try {
  await useBackend(target);
  const info = backendInfo();
  console.log(`webgpu backend up: ${info.device ?? "(adapter info not reported)"}; ${info.version}`);
} catch (error) {
  webgpuOk = false;
  check("webgpu loads", false, (error as Error).message);
}
if (webgpuOk) {
  const gpuMatmul = await matmulOn(target);
  const err = relativeError(gpuMatmul.values, wasmMatmul.values);
  const flop = 2 * 1024 ** 3;
  check("matmul 1024^3 webgpu vs wasm", err < 1e-4, `relative error ${err.toExponential(2)}; webgpu ${gpuMatmul.ms.toFixed(2)} ms (${(flop / gpuMatmul.ms / 1e6).toFixed(0)} GFLOP/s), wasm ${wasmMatmul.ms.toFixed(1)} ms (${(flop / wasmMatmul.ms / 1e6).toFixed(1)} GFLOP/s)`);

  // 2. reference CNN: same weights and batch on both backends, 3 RMSprop steps each (no dropout, so steps are deterministic).
  const batch = 64;
  const x = seeded([batch, 28, 28, 1], 3);
  const labels = Array.from({ length: batch }, (_, i) => (i * 7) % 10);
  async function trainOn(backend: string, initial: Float32Array[] | null): Promise<{ losses: number[]; weights: Float32Array[]; stepMs: number; inferMs: number }> {
    await useBackend(backend);
    const model = referenceCnn(0.001, { dropout: false });
    // Plain SGD for the step-by-step comparison: RMSprop's first steps are ~lr*sign(g),
    // which turns float noise in near-zero gradients into full-size weight differences.
    model.compile({ optimizer: tf.train.sgd(0.05), loss: "categoricalCrossentropy" });
    if (initial) model.setWeights(initial.map((w, i) => tf.tensor(w, model.getWeights()[i].shape)));
    const start = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    const xs = tf.tensor(x.values, x.shape);
    const ys = tf.oneHot(tf.tensor1d(labels, "int32"), 10);
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) losses.push(Number(await model.trainOnBatch(xs, ys)));
    const weights = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
    model.optimizer.dispose();
    model.compile({ optimizer: tf.train.rmsprop(0.001), loss: "categoricalCrossentropy" }); // timed as in the benchmark
    const stepMs = await timeIt(backend === "wasm" ? 3 : 20, async () => { await model.trainOnBatch(xs, ys); });
    const inferMs = await timeIt(backend === "wasm" ? 3 : 20, async () => { const p = model.predict(xs) as tf.Tensor; await p.data(); p.dispose(); });
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
    if (!initial) start.forEach((w, i) => (startWeights[i] = w));
    return { losses, weights, stepMs, inferMs };
  }
  const startWeights: Float32Array[] = [];
  const wasmRun = await trainOn("wasm", null);
  const gpuRun = await trainOn(target, startWeights);
  const lossErr = relativeError(gpuRun.losses, wasmRun.losses);
  check("CNN losses over 3 SGD steps webgpu vs wasm", lossErr < 1e-3, `wasm ${wasmRun.losses.map((l) => l.toFixed(5)).join(", ")}; webgpu ${gpuRun.losses.map((l) => l.toFixed(5)).join(", ")}`);
  const weightErr = Math.max(...gpuRun.weights.map((w, i) => relativeError(w, wasmRun.weights[i])));
  check("CNN weights after 3 SGD steps webgpu vs wasm", weightErr < 1e-3, `largest relative difference over the ${gpuRun.weights.length} weight tensors ${weightErr.toExponential(2)}`);
  console.log(`timing (batch ${batch}, RMSprop): train webgpu ${gpuRun.stepMs.toFixed(1)} ms/step = ${(batch * 1000 / gpuRun.stepMs).toFixed(0)} img/s, wasm ${(batch * 1000 / wasmRun.stepMs).toFixed(0)} img/s (${(wasmRun.stepMs / gpuRun.stepMs).toFixed(1)}x); infer webgpu ${(batch * 1000 / gpuRun.inferMs).toFixed(0)} img/s, wasm ${(batch * 1000 / wasmRun.inferMs).toFixed(0)} img/s`);
}
console.log(failures.length ? `WEBGPU CHECK FAILED: ${failures.join("; ")}` : "WEBGPU CHECK PASSED");
process.exit(failures.length ? 1 : 0);
