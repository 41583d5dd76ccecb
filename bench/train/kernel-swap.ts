/**
 * Helpers of the same-process A/B scripts (conv-ab, matmul-ab, kernel-ab, gnn/gnn-ab,
 * vit/attention-ab) that switch a wasm kernel between tensorcell's config and an earlier one.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor } from "../../lib/backend/wasm/kernel-helpers.js";
import { matMulWithoutTransposeFlags } from "../../lib/backend/wasm/matmul-kernels.js";

/** Registers `configs` in place of the kernels of the same names. Their setupFunc already ran at start-up. */
export function useKernels(configs: tf.KernelConfig[]): void {
  for (const config of configs) {
    tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel({ ...config, setupFunc: undefined });
  }
}

/**
 * BatchMatMul as it ran before tensorcell's product kernel: plain products on tfjs's own
 * kernel `native` (XNNPACK for single matrices), transposed ones transposed first
 * (matMulWithoutTransposeFlags). Capture `native` before initBackend registers tensorcell's.
 */
export function matMulWithoutProductKernel(native: tf.KernelConfig): tf.KernelConfig {
  return {
    ...native,
    kernelFunc: (args) => {
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return native.kernelFunc(args);
      return tf.tidy(() => matMulWithoutTransposeFlags(asTensor(args.inputs.a), asTensor(args.inputs.b), transposeA, transposeB));
    },
  };
}
