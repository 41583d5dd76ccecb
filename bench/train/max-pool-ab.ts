/**
 * MaxPool on wasm, tensorcell's kernel `maxPool` (lib/backend/wasm/pool-kernels.ts) against
 * tfjs-backend-wasm's own (XNNPACK), in one process (the two configs registered in turn):
 * the reference CNN's two 2x2 poolings at batch 64 and the first at batch 1, each call after
 * 0.2 ms of idle JavaScript. Prints ms per call (median of 6 rounds of 20).
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/max-pool-ab.ts
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../../lib/backend/index.js";
import { useKernels } from "./kernel-swap.js";
const native = tf.getKernel("MaxPool", "wasm")!;
const info = await initBackend("wasm");
const ours = tf.getKernel("MaxPool", "wasm")!;
function idle(ms: number) { const e = performance.now() + ms; while (performance.now() < e); }
for (const shape of [[64, 24, 24, 32], [64, 8, 8, 64], [1, 24, 24, 32]] as [number, number, number, number][]) {
  const x = tf.randomNormal(shape) as tf.Tensor4D;
  const res: Record<string, number[]> = { ours: [], native: [] };
  for (let r = 0; r < 6; r++) for (const arm of r % 2 ? ["native", "ours"] : ["ours", "native"]) {
    useKernels([arm === "ours" ? ours : native]);
    for (let i = 0; i < 3; i++) tf.maxPool(x, 2, 2, "valid").dispose();
    let t = 0; for (let i = 0; i < 20; i++) { idle(0.2); const t0 = performance.now(); tf.maxPool(x, 2, 2, "valid").dispose(); t += performance.now() - t0; }
    res[arm]!.push(t / 20);
  }
  const med = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  console.log(`threads ${info.threads} ${JSON.stringify(shape)}: native ${med(res.native!).toFixed(3)} ours ${med(res.ours!).toFixed(3)} ms`);
}
