/**
 * Registers tensorcell's extra kernels for tfjs-backend-wasm: the ones wasm
 * lacks for training (Conv2DBackpropFilter, DepthwiseConv2dNativeBackprop*,
 * UnsortedSegmentSum) and faster versions of Conv2DBackpropInput, BatchMatMul
 * (transposed operands), Sum/Mean (leading axes), MaxPoolGrad, FusedBatchNorm,
 * AvgPoolGrad, per-channel Add/Sub/Multiply/RealDiv, Slice, SplitV, PadV2, copy-free
 * Identity and Cast, Winograd Conv2D/FusedConv2D for 3x3 stride-1 filters, and
 * GatherV2/ScatterNd by rows; and tensorcell's own dropout-mask, fused
 * RMSProp, momentum and Adam steps and batch-norm statistics kernels.
 */
import * as tf from "@tensorflow/tfjs";
import { convGradientKernels } from "./conv-kernels.js";
import { segmentKernels } from "./segment-kernels.js";
import { matMulKernels } from "./matmul-kernels.js";
import { reduceKernels } from "./reduce-kernels.js";
import { poolKernels } from "./pool-kernels.js";
import { channelKernels } from "./channel-kernels.js";
import { identityKernels } from "./identity-kernels.js";
import { sliceKernels } from "./slice-kernel.js";
import { padKernels } from "./pad-kernel.js";
import { winogradKernels } from "./winograd-conv.js";
import { gatherScatterKernels } from "./gather-scatter-kernels.js";
import { dropoutKernels } from "./dropout-kernel.js";
import { optimizerKernels } from "./optimizer-kernels.js";
import { batchNormMomentsKernel } from "./column-sums.js";

/** What registration did: kernels wasm lacked, and wasm kernels replaced by faster ones. */
export interface WasmKernelRegistration {
  /** Kernel names wasm did not have before. */
  added: string[];
  /** Kernel names wasm had, replaced by a faster composition. */
  replaced: string[];
}

let registration: WasmKernelRegistration | undefined;

/**
 * Registers the extra wasm kernels once per process. Call after
 * `@tensorflow/tfjs-backend-wasm` has been imported (so its own kernels are in
 * the registry and the replaced ones can be kept as fallbacks).
 */
export function registerWasmKernels(): WasmKernelRegistration {
  if (registration) return registration;
  const result: WasmKernelRegistration = { added: [], replaced: [] };
  for (const config of [...convGradientKernels(), ...matMulKernels(), ...reduceKernels(), ...poolKernels(), ...segmentKernels(), ...channelKernels(), ...identityKernels(), ...sliceKernels(), ...padKernels(), ...winogradKernels(), ...gatherScatterKernels(), ...dropoutKernels(), ...optimizerKernels(), batchNormMomentsKernel()]) {
    if (tf.getKernel(config.kernelName, "wasm")) {
      tf.unregisterKernel(config.kernelName, "wasm");
      result.replaced.push(config.kernelName);
    } else {
      result.added.push(config.kernelName);
    }
    tf.registerKernel(config);
  }
  registration = result;
  return result;
}
