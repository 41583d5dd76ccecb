/**
 * Sum and Mean over leading axes for wasm. tfjs-backend-wasm reduces only
 * innermost axes, so a reduction over [0, 1, 2] of an NHWC tensor (every conv
 * bias gradient, batch-norm statistics) first transposes the whole tensor with
 * a strided copy. Here it is one pass of column sums on every thread
 * (column-sums.ts: the same bits at every thread count). Without the pool
 * (dist/asm not built, or rows that do not repeat to a multiple of 4 floats),
 * XNNPACK's average pooling reads the tensor once instead: view it as
 * [1, P, 1, C], pool a [P, 1] window, scale by P for a sum (one thread; 0.7 ms
 * against 3.2 ms for the transpose on [64,26,26,32]). A GEMM with a row of
 * ones was tried first and is slower: XNNPACK repacks the fresh [P, C] operand
 * on every call.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { columnMeans, columnSumPlan, columnTotals, MIN_COLUMN_SUM_ELEMENTS } from "./column-sums.js";
import { asTensor, existingConfigs, withNativeFallback } from "./kernel-helpers.js";

interface ReduceAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** Number of leading axes reduced when `axis` is exactly [0, 1, ..., k-1] of a rank-r tensor (k < r), else 0. */
export function leadingReducedAxes(axis: number | number[], rank: number): number {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
  if (axes.length === 0 || axes.length >= rank) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

/** Sum or mean over the first `leading` axes of x, as one average pooling over a [P, 1] window. */
export function reduceLeadingAxesByPooling(x: tf.Tensor, leading: number, keepDims: boolean, mean: boolean): tf.Tensor {
  return tf.tidy(() => {
    const outer = x.shape.slice(0, leading).reduce((p, q) => p * q, 1);
    const innerShape = x.shape.slice(leading);
    const inner = x.size / outer;
    const pooled = tf.avgPool(x.reshape([1, outer, 1, inner]) as tf.Tensor4D, [outer, 1], 1, "valid");
    const reduced = mean ? pooled : tf.mul(pooled, outer);
    return reduced.reshape(keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...innerShape] : innerShape);
  });
}

function reduceKernel(kernelName: "Sum" | "Mean"): tf.KernelConfig | null {
  return withNativeFallback(kernelName, (args) => {
    const { axis, keepDims } = args.attrs as unknown as ReduceAttrs;
    const x = args.inputs.x;
    if (!x || x.dtype !== "float32") return null;
    const leading = leadingReducedAxes(axis, x.shape.length);
    const size = tf.util.sizeFromShape(x.shape);
    if (leading === 0 || size < MIN_COLUMN_SUM_ELEMENTS) return null;
    const backend = args.backend as BackendWasm;
    const innerShape = x.shape.slice(leading);
    const inner = tf.util.sizeFromShape(innerShape);
    const plan = columnSumPlan(backend, size, inner);
    if (!plan) return tf.tidy(() => reduceLeadingAxesByPooling(asTensor(x), leading, keepDims, kernelName === "Mean"));
    const totals = columnTotals(plan.pool, backend, x, inner, plan.period);
    const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...innerShape] : innerShape, "float32");
    (backend.typedArrayFromHeap(out) as Float32Array).set(kernelName === "Mean" ? columnMeans(totals, size / inner) : totals);
    return out;
  });
}

/** Kernel configs for 'wasm': Sum and Mean with a pooling path for leading-axis reductions. */
export function reduceKernels(): tf.KernelConfig[] {
  return existingConfigs([reduceKernel("Sum"), reduceKernel("Mean")]);
}
