/**
 * RMSPROP_STEP, MOMENTUM_STEP and ADAM_STEP for wasm (lib/backend/optimizer-steps.ts): tensorcell's
 * SIMD kernels `rmsPropStep`, `momentumStep` and `adamStep` (lib/backend/wasm/asm/optimizer.ts) update a variable in one pass,
 * chunks of elements on every thread; without a kernel pool (no dist/asm build) the
 * composed tf ops compute it. Both give tfjs's bits.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import {
  ADAM_STEP, type AdamStepAttrs, composedAdamStep, composedMomentumStep, composedRmsPropStep, MOMENTUM_STEP, type MomentumStepAttrs, RMSPROP_STEP,
  type RmsPropStepAttrs,
} from "../optimizer-steps.js";
import { asTensor, floatBits } from "./kernel-helpers.js";
import { chunkCount, type KernelName, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** At least this many elements per chunk: smaller variables are not worth waking a thread. */
const ELEMENTS_PER_CHUNK = 32768;

/**
 * The wasm config of one fused optimizer step: the SIMD kernel `kernel` reads the inputs
 * `value`, then `accumulators`, `gradient`, then the one-element `scalars`, writes the new
 * value then the new accumulators, over chunks of elements, followed by `trailingArgs`; the
 * step returns the new accumulators then the new value. Without a kernel pool, `composed`.
 */
function optimizerStepKernel<A>(
  kernelName: string, kernel: KernelName, accumulators: string[], scalars: string[],
  trailingArgs: (attrs: A) => number[], composed: (t: Record<string, tf.Tensor>, attrs: A) => tf.Tensor[],
): tf.KernelConfig {
  return {
    kernelName,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const named = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as A;
      const wasm = backend as BackendWasm;
      const pool = kernelPoolFor(wasm, wasmThreadCount());
      if (!pool) return composed(Object.fromEntries(Object.entries(named).map(([name, t]) => [name, asTensor(t)])), a);
      const value = named.value!;
      const outs = [...accumulators, "value"].map((name) => wasm.makeOutput(named[name]!.shape, "float32"));
      const size = tf.util.sizeFromShape(value.shape);
      if (size === 0) return outs;
      const read = ["value", ...accumulators, "gradient", ...scalars].map((name) => named[name]!);
      const written = [outs[outs.length - 1]!, ...outs.slice(0, -1)];
      const work = { total: size, chunks: chunkCount(pool, size, Math.ceil(size / ELEMENTS_PER_CHUNK)), rangeAt: read.length + written.length };
      // Arguments: the read tensors, the written ones, elements [begin, end), then the kernel's own.
      runChunksOnTensors(pool, wasm, kernel, { read, written }, work, (offsets) => [...offsets, 0, 0, ...trailingArgs(a)]);
      return outs;
    },
  };
}

/** Kernel configs for 'wasm': RMSPROP_STEP, MOMENTUM_STEP and ADAM_STEP on the kernel pool. */
export function optimizerKernels(): tf.KernelConfig[] {
  return [
    // Trailing arguments: lr, decay, 1 - decay, momentum, epsilon (float32 bits).
    optimizerStepKernel<RmsPropStepAttrs>(RMSPROP_STEP, "rmsPropStep", ["meanSquare", "moment"], [],
      (a) => [a.learningRate, a.decay, 1 - a.decay, a.momentum, a.epsilon].map(floatBits),
      (t, a) => composedRmsPropStep(t.value!, t.meanSquare!, t.moment!, t.gradient!, a)),
    // Trailing arguments: m's and -lr's bits, Nesterov.
    optimizerStepKernel<MomentumStepAttrs>(MOMENTUM_STEP, "momentumStep", ["accumulation"], [],
      (a) => [floatBits(a.momentum), floatBits(-a.learningRate), a.useNesterov ? 1 : 0],
      (t, a) => composedMomentumStep(t.value!, t.accumulation!, t.gradient!, a)),
    // Reads the bias corrections c1 and c2; trailing arguments: β1, 1 - β1, β2, 1 - β2, epsilon, -lr (float32 bits).
    optimizerStepKernel<AdamStepAttrs>(ADAM_STEP, "adamStep", ["firstMoment", "secondMoment"], ["c1", "c2"],
      (a) => [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.epsilon, -a.learningRate].map(floatBits),
      (t, a) => composedAdamStep(t.value!, t.firstMoment!, t.secondMoment!, t.gradient!, t.c1!, t.c2!, a)),
  ];
}
