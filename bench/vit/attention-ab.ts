/**
 * Same-process A/B of batched matrix products on wasm (attention's scores and
 * weighted values, and their gradients): ViT-Ti/4 training steps and inference
 * batches with tensorcell's `matMul` kernel ("on") and with what ran
 * before it ("off": tfjs-backend-wasm's own BatchMatMul for the plain batched
 * product, transposes plus that kernel for transposed operands), alternating
 * in rounds (on, off, off, on, ...) inside one process. Single-matrix products
 * take the same path in both arms.
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/vit/attention-ab.ts [model=vit_tiny_patch4_32] [rounds=4] [steps=2] [batch=16]
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../../lib/backend/index.js";
import { medianMs, modelSteps } from "../train/model-steps.js";
import { matMulWithoutProductKernel, useKernels } from "../train/kernel-swap.js";
import { compiledModel } from "../train/tfjs-throughput.js";

const nativeMatMul = tf.getKernel("BatchMatMul", "wasm")!;
const info = await initBackend("wasm");
const ours = tf.getKernel("BatchMatMul", "wasm")!;
const withoutProductKernel = matMulWithoutProductKernel(nativeMatMul);
/** Batched products as before tensorcell's kernel; everything else as now. */
const before: tf.KernelConfig = {
  ...ours,
  kernelFunc: (args) => {
    const batched = [args.inputs.a!, args.inputs.b!].some((t) => tf.util.sizeFromShape(t.shape.slice(0, -2)) > 1);
    return (batched ? withoutProductKernel : ours).kernelFunc(args);
  },
};
const use = (on: boolean) => useKernels([on ? ours : before]);

const name = process.argv[2] ?? "vit_tiny_patch4_32";
const rounds = Number(process.argv[3] ?? 4);
const steps = Number(process.argv[4] ?? 2);
const batch = Number(process.argv[5] ?? 16);
const model = compiledModel(name, tf.train.adam(1e-3));
const { train, infer } = modelSteps(model, batch);

console.log(`${name}, batch ${batch}, wasm ${info.threads} thread(s), ${rounds} rounds of ${steps} timed steps per setting`);
const results = { on: { train: [] as number[], infer: [] as number[] }, off: { train: [] as number[], infer: [] as number[] } };
for (let round = 0; round < rounds; round++) {
  for (const on of round % 2 === 0 ? [true, false] : [false, true]) {
    use(on);
    const key = on ? "on" : "off";
    const [trainMs, inferMs] = [await medianMs(train, steps), await medianMs(infer, steps)];
    results[key].train.push(trainMs);
    results[key].infer.push(inferMs);
    console.log(`  round ${round + 1}, ${key}: train ${trainMs.toFixed(0)} ms, infer ${inferMs.toFixed(0)} ms`);
  }
}
use(true);
const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
const [trainOff, trainOn, inferOff, inferOn] = [results.off.train, results.on.train, results.off.infer, results.on.infer].map(median) as [number, number, number, number];
console.log(`| ${name}, ${info.threads} thread(s) | ${trainOff.toFixed(0)} / ${trainOn.toFixed(0)} = ${(trainOff / trainOn).toFixed(2)}x | ${inferOff.toFixed(0)} / ${inferOn.toFixed(0)} = ${(inferOff / inferOn).toFixed(2)}x |`);
