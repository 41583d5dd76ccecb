/**
 * PadV2 on wasm, tensorcell's kernel `padRows` (lib/backend/wasm/pad-kernel.ts) against
 * tfjs-backend-wasm's own, in one process (the two configs registered in turn): ResNet-20's
 * pads at batch 64 and 1. Between calls the process idles for `gap` ms, as between a
 * model's layers, so threads that sleep when idle are woken as in a predict. Prints ms per
 * call (median of 3 rounds of 20) and the ratio.
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/pad-ab.ts [gap=0.2]
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../../lib/backend/index.js";
import { useKernels } from "./kernel-swap.js";

const native = tf.getKernel("PadV2", "wasm")!;
const info = await initBackend("wasm");
const ours = tf.getKernel("PadV2", "wasm")!;
const gap = Number(process.argv[2] ?? 0.2);

const CASES: { shape: number[]; paddings: [number, number][]; note: string }[] = [
  { shape: [64, 32, 32, 16], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]], note: "before stage 2's stride-2 conv" },
  { shape: [64, 16, 16, 16], paddings: [[0, 0], [0, 0], [0, 0], [8, 8]], note: "stage 2's shortcut channels" },
  { shape: [64, 16, 16, 32], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]], note: "before stage 3's stride-2 conv" },
  { shape: [64, 8, 8, 32], paddings: [[0, 0], [0, 0], [0, 0], [16, 16]], note: "stage 3's shortcut channels" },
  { shape: [1, 32, 32, 16], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]], note: "one image" },
];

/** Idles `ms` without yielding (a model's JavaScript between two kernels). */
function idle(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** Median over 3 rounds of the mean ms of 20 calls (each after `gap` ms idle), after 3 warm-up calls. */
function time(call: () => tf.Tensor): number {
  for (let i = 0; i < 3; i++) call().dispose();
  const rounds: number[] = [];
  for (let r = 0; r < 3; r++) {
    let total = 0;
    for (let i = 0; i < 20; i++) {
      idle(gap);
      const t0 = performance.now();
      call().dispose();
      total += performance.now() - t0;
    }
    rounds.push(total / 20);
  }
  return rounds.sort((a, b) => a - b)[1]!;
}

console.log(`wasm, ${info.threads} thread(s), ${gap} ms idle before each call; ms per call`);
console.log("| pad | tfjs | tensorcell | tfjs / tensorcell |");
console.log("| --- | --- | --- | --- |");
for (const { shape, paddings, note } of CASES) {
  const x = tf.randomNormal(shape);
  const call = () => tf.pad(x, paddings);
  const times = { ours: [] as number[], native: [] as number[] };
  for (let round = 0; round < 2; round++) {
    for (const arm of round % 2 === 0 ? (["ours", "native"] as const) : (["native", "ours"] as const)) {
      useKernels([arm === "ours" ? ours : native]);
      times[arm].push(time(call));
    }
  }
  useKernels([ours]);
  const [o, n] = [Math.min(...times.ours), Math.min(...times.native)];
  console.log(`| [${shape.join(",")}] (${note}) | ${n.toFixed(3)} | ${o.toFixed(3)} | ${(n / o).toFixed(2)}x |`);
  x.dispose();
}
