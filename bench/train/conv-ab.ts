/**
 * Single 3x3 convolutions, tfjs's Conv2D (XNNPACK) against tensorcell's (Winograd),
 * in one process: the two kernels are registered in turn, with a new filter tensor on
 * every call as in training (XNNPACK builds its operator per filter). Prints ms per
 * call (the lower of the rounds' medians) and XNNPACK / tensorcell.
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/conv-ab.ts [rounds=2] [calls=10]
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../../lib/backend/index.js";
import { useKernels } from "./kernel-swap.js";

const tfjsConv2D = tf.getKernel("Conv2D", "wasm")!;
const info = await initBackend("wasm");
const ourConv2D = tf.getKernel("Conv2D", "wasm")!;
if (ourConv2D === tfjsConv2D) throw new Error("Conv2D is not replaced by tensorcell: nothing to compare");

const use = (config: tf.KernelConfig) => useKernels([config]);

const SHAPES: { x: [number, number, number, number]; co: number; note: string }[] = [
  { x: [64, 32, 32, 16], co: 16, note: "ResNet-20 stage 1" },
  { x: [64, 16, 16, 32], co: 32, note: "stage 2" },
  { x: [64, 8, 8, 64], co: 64, note: "stage 3" },
  { x: [64, 26, 26, 32], co: 32, note: "reference CNN, 'same' here" },
  { x: [16, 16, 16, 128], co: 128, note: "" },
  { x: [8, 14, 14, 256], co: 256, note: "" },
  { x: [8, 7, 7, 512], co: 512, note: "" },
  { x: [1, 56, 56, 64], co: 64, note: "" },
];
const rounds = Number(process.argv[2] ?? 2);
const calls = Number(process.argv[3] ?? 10);

/** Median ms of `calls` convolutions of x, each with a new filter tensor, after one warm-up call. */
async function time(x: tf.Tensor4D, co: number): Promise<number> {
  const run = async () => {
    const filter = tf.randomNormal([3, 3, x.shape[3], co]) as tf.Tensor4D;
    await filter.data();
    // wasm kernels run to completion inside the op call, so the call is the time. Reading the
    // output back is left out: copying a fresh 4 MB array out of the heap took 11-12 ms here
    // (first-touch page faults of the new buffer), more than some convolutions themselves.
    const t0 = performance.now();
    const out = tf.conv2d(x, filter, 1, "same");
    const ms = performance.now() - t0;
    tf.dispose([filter, out]);
    return ms;
  };
  await run();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) times.push(await run());
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

console.log(`wasm ${info.threads} thread(s); ${rounds} rounds of ${calls} calls per kernel; ms per call (lower of the rounds' medians)`);
console.log("| x * [3,3,Ci,Co] ('same') | XNNPACK | tensorcell | XNNPACK / tensorcell |");
console.log("| --- | --- | --- | --- |");
for (const { x: shape, co, note } of SHAPES) {
  const x = tf.randomNormal(shape) as tf.Tensor4D;
  const best = { xnnpack: Infinity, ours: Infinity };
  for (let round = 0; round < rounds; round++) {
    for (const which of round % 2 === 0 ? (["ours", "xnnpack"] as const) : (["xnnpack", "ours"] as const)) {
      use(which === "ours" ? ourConv2D : tfjsConv2D);
      best[which] = Math.min(best[which], await time(x, co));
    }
  }
  use(ourConv2D);
  x.dispose();
  const label = `[${shape.join(",")}] * Co ${co}${note ? ` (${note})` : ""}`;
  console.log(`| ${label} | ${best.xnnpack.toFixed(2)} | ${best.ours.toFixed(2)} | ${(best.xnnpack / best.ours).toFixed(2)}x |`);
}
