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
import { chunkCount, type KernelPool, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** At least this many elements per chunk: smaller variables are not worth waking a thread. */
const ELEMENTS_PER_CHUNK = 32768;

/** Chunks of a variable of `size` elements on `pool`. */
function elementChunks(pool: KernelPool, size: number): { total: number; chunks: number } {
  return { total: size, chunks: chunkCount(pool, size, Math.ceil(size / ELEMENTS_PER_CHUNK)) };
}

/** Kernel configs for 'wasm': RMSPROP_STEP, MOMENTUM_STEP and ADAM_STEP on the kernel pool. */
export function optimizerKernels(): tf.KernelConfig[] {
  return [{
    kernelName: RMSPROP_STEP,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { value, meanSquare, moment, gradient } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as RmsPropStepAttrs;
      const wasm = backend as BackendWasm;
      const pool = kernelPoolFor(wasm, wasmThreadCount());
      if (!pool) return composedRmsPropStep(asTensor(value), asTensor(meanSquare), asTensor(moment), asTensor(gradient), a);
      const outs = [meanSquare!, moment!, value!].map((t) => wasm.makeOutput(t.shape, "float32"));
      const size = tf.util.sizeFromShape(value!.shape);
      if (size === 0) return outs;
      const [newMeanSquare, newMoment, newValue] = outs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
      const scalars = [a.learningRate, a.decay, 1 - a.decay, a.momentum, a.epsilon].map(floatBits);
      // Arguments: value, mean square, moment, gradient, their three outputs, elements [begin, end), the scalars' bits.
      runChunksOnTensors(pool, wasm, "rmsPropStep", { read: [value!, meanSquare!, moment!, gradient!], written: [newValue, newMeanSquare, newMoment] },
        { ...elementChunks(pool, size), rangeAt: 7 },
        (offsets) => [...offsets, 0, 0, ...scalars]);
      return outs;
    },
  }, {
    kernelName: MOMENTUM_STEP,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { value, accumulation, gradient } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as MomentumStepAttrs;
      const wasm = backend as BackendWasm;
      const pool = kernelPoolFor(wasm, wasmThreadCount());
      if (!pool) return composedMomentumStep(asTensor(value), asTensor(accumulation), asTensor(gradient), a);
      const outs = [accumulation!, value!].map((t) => wasm.makeOutput(t.shape, "float32"));
      const size = tf.util.sizeFromShape(value!.shape);
      if (size === 0) return outs;
      const [newAccumulation, newValue] = outs as [tf.TensorInfo, tf.TensorInfo];
      // Arguments: value, accumulation, gradient, the two outputs, elements [begin, end), m's and -lr's bits, Nesterov.
      runChunksOnTensors(pool, wasm, "momentumStep", { read: [value!, accumulation!, gradient!], written: [newValue, newAccumulation] },
        { ...elementChunks(pool, size), rangeAt: 5 },
        (offsets) => [...offsets, 0, 0, floatBits(a.momentum), floatBits(-a.learningRate), a.useNesterov ? 1 : 0]);
      return outs;
    },
  }, {
    kernelName: ADAM_STEP,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { value, firstMoment, secondMoment, gradient, c1, c2 } = inputs as Record<string, tf.TensorInfo>;
      const a = attrs as unknown as AdamStepAttrs;
      const wasm = backend as BackendWasm;
      const pool = kernelPoolFor(wasm, wasmThreadCount());
      if (!pool) return composedAdamStep(asTensor(value), asTensor(firstMoment), asTensor(secondMoment), asTensor(gradient), asTensor(c1), asTensor(c2), a);
      const outs = [firstMoment!, secondMoment!, value!].map((t) => wasm.makeOutput(t.shape, "float32"));
      const size = tf.util.sizeFromShape(value!.shape);
      if (size === 0) return outs;
      const [newFirstMoment, newSecondMoment, newValue] = outs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
      const scalars = [a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.epsilon, -a.learningRate].map(floatBits);
      // Arguments: value, the two moments, gradient, the bias corrections c1 and c2, the three outputs, elements [begin, end), the scalars' bits.
      runChunksOnTensors(pool, wasm, "adamStep", { read: [value!, firstMoment!, secondMoment!, gradient!, c1!, c2!], written: [newValue, newFirstMoment, newSecondMoment] },
        { ...elementChunks(pool, size), rangeAt: 9 },
        (offsets) => [...offsets, 0, 0, ...scalars]);
      return outs;
    },
  }];
}
