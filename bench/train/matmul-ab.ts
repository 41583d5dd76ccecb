/**
 * Single matrix products on wasm, tensorcell's kernel `matMul` ("pool") against what runs
 * without it ("XNNPACK": tfjs's BatchMatMul for A·B, and Aᵀ·B as a transpose then XNNPACK,
 * matMulWithoutTransposeFlags), in one process: the two BatchMatMul kernels are registered
 * in turn. The shapes are the benchmark models' dense products. A is a new tensor on every
 * call (activations, gradients), and so is B (a layer's weights in training, where XNNPACK
 * packs them afresh) except in the "fixed B" case (inference: XNNPACK keeps its packed
 * copy). Both arms include making the new operands. Prints ms per call (best of 2 x 3 rounds of
 * 10), the ratio, and the largest difference between the two results.
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/matmul-ab.ts
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../../lib/backend/index.js";
import { matMulWithoutProductKernel, useKernels } from "./kernel-swap.js";

const tfjsBatchMatMul = tf.getKernel("BatchMatMul", "wasm")!;
const info = await initBackend("wasm");
const ours = tf.getKernel("BatchMatMul", "wasm")!;
/** Without tensorcell's kernel: plain products on XNNPACK, transposed ones transposed first. */
const withoutPool = matMulWithoutProductKernel(tfjsBatchMatMul);
const use = (config: tf.KernelConfig) => useKernels([config]);

const CASES: { a: [number, number]; b: [number, number]; transposeA?: boolean; fixedB?: boolean; note: string }[] = [
  { a: [64, 1024], b: [1024, 512], note: "reference CNN dense 512, forward" },
  { a: [64, 1024], b: [1024, 512], fixedB: true, note: "same, fixed B (inference)" },
  { a: [1024, 512], b: [512, 64], note: "its input gradient, (W·dyᵀ)ᵀ's product" },
  { a: [64, 1024], b: [64, 512], transposeA: true, note: "its weight gradient, K = 64 (XNNPACK in both arms)" },
  { a: [2708, 1433], b: [1433, 16], note: "GCN layer 1 X·W, Cora-sized graph" },
  { a: [2708, 1433], b: [2708, 16], transposeA: true, note: "its weight gradient" },
  { a: [2708, 1433], b: [2708, 64], transposeA: true, note: "GAT layer 1 weight gradient (8 heads of 8)" },
  { a: [1040, 192], b: [192, 768], note: "ViT-Ti/4 MLP in, batch 16" },
  { a: [1040, 768], b: [768, 192], note: "ViT-Ti/4 MLP out" },
  { a: [1040, 192], b: [1040, 768], transposeA: true, note: "ViT-Ti/4 MLP in, weight gradient" },
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

console.log(`wasm, ${info.threads} thread(s); ms per call (best of 2 x 3 rounds of 10)`);
console.log("| product | XNNPACK | pool | XNNPACK / pool | largest difference |");
console.log("| --- | --- | --- | --- | --- |");
for (const { a: aShape, b: bShape, transposeA = false, fixedB = false, note } of CASES) {
  const a = tf.randomNormal(aShape);
  const b = tf.randomNormal(bShape);
  // tf.mul(t, 1): a new tensor per call, as a step's activations, gradients and (in training) weights are.
  const product = () => tf.tidy(() => tf.matMul(tf.mul(a, 1), fixedB ? b : tf.mul(b, 1), transposeA, false));
  const best = { ours: Infinity, xnnpack: Infinity };
  for (let round = 0; round < 2; round++) {
    for (const arm of round % 2 === 0 ? (["ours", "xnnpack"] as const) : (["xnnpack", "ours"] as const)) {
      use(arm === "ours" ? ours : withoutPool);
      best[arm] = Math.min(best[arm], time(product));
    }
  }
  use(withoutPool);
  const reference = product();
  use(ours);
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(product(), reference))).dataSync()[0]);
  reference.dispose();
  const label = `[${aShape.join(",")}]${transposeA ? "ᵀ" : ""}·[${bShape.join(",")}] (${note})`;
  console.log(`| ${label} | ${best.xnnpack.toFixed(2)} | ${best.ours.toFixed(2)} | ${(best.xnnpack / best.ours).toFixed(2)}x | ${difference} |`);
  tf.dispose([a, b]);
}
