/**
 * Aᵀ·B (a dense layer's weight gradient xᵀ·dy) on wasm, tensorcell's kernel
 * `matMulTransposedA` (called directly, whatever K: tf.matMul takes it from
 * K = 256 up) against the transpose-then-XNNPACK path
 * (matMulWithoutTransposeFlags), in one process. Both operands are new tensors
 * on every call, as in training (XNNPACK packs its weights operand per tensor);
 * both arms include making them. Prints ms per call (best of 3 rounds of 10),
 * the ratio, and the largest difference between the two results.
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/matmul-ab.ts
 */
import { initBackend, tf } from "../../lib/backend/index.js";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { matMulWithoutTransposeFlags, transposedAProduct } from "../../lib/backend/wasm/matmul-kernels.js";

const info = await initBackend("wasm");
const CASES: { k: number; m: number; n: number; note: string }[] = [
  { k: 2708, m: 1433, n: 16, note: "GCN layer 1, Cora-sized graph" },
  { k: 2708, m: 1433, n: 64, note: "GAT layer 1 (8 heads of 8)" },
  { k: 64, m: 1024, n: 512, note: "reference CNN dense 512, batch 64" },
  { k: 1040, m: 192, n: 768, note: "ViT-Ti/4 MLP in, batch 16" },
  { k: 1040, m: 768, n: 192, note: "ViT-Ti/4 MLP out, batch 16" },
];

/** Best of 3 rounds of the mean ms of 10 calls, after 3 warm-up calls. */
function time(product: () => tf.Tensor): number {
  for (let i = 0; i < 3; i++) product().dispose();
  const rounds: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) product().dispose();
    rounds.push((performance.now() - t0) / 10);
  }
  return Math.min(...rounds);
}

console.log(`wasm, ${info.threads} thread(s); ms per call (best of 3 rounds of 10)`);
console.log("| aᵀ·b | transpose + XNNPACK | tensorcell | ratio | largest difference |");
console.log("| --- | --- | --- | --- | --- |");
for (const { k, m, n, note } of CASES) {
  const a = tf.randomNormal([k, m]);
  const b = tf.randomNormal([k, n]);
  // tf.mul(t, 1): a new tensor per call, as a training step's activations and gradients are.
  const kernel = (x: tf.Tensor, y: tf.Tensor) => tf.engine().makeTensorFromTensorInfo(transposedAProduct(tf.backend() as BackendWasm, x, y)!);
  const ours = () => tf.tidy(() => kernel(tf.mul(a, 1), tf.mul(b, 1)));
  const xnnpack = () => tf.tidy(() => matMulWithoutTransposeFlags(tf.mul(a, 1), tf.mul(b, 1), true, false));
  const best = { ours: Infinity, xnnpack: Infinity };
  for (let round = 0; round < 2; round++) {
    best.ours = Math.min(best.ours, time(ours));
    best.xnnpack = Math.min(best.xnnpack, time(xnnpack));
  }
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(kernel(a, b), matMulWithoutTransposeFlags(a, b, true, false)))).dataSync()[0]);
  console.log(`| [${k},${m}]ᵀ·[${k},${n}] (${note}) | ${best.xnnpack.toFixed(2)} | ${best.ours.toFixed(2)} | ${(best.xnnpack / best.ours).toFixed(2)}x | ${difference} |`);
  tf.dispose([a, b]);
}
