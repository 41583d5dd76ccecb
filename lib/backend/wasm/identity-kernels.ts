/**
 * Identity, and Cast to the tensor's own dtype, for wasm without a copy: the
 * output shares the input's data (reference counted), as tfjs's cpu backend
 * does. tfjs-backend-wasm copies the whole tensor, and the engine calls
 * Identity for every tensor a gradient saves: 607 copies per ResNet-20
 * training step (bench/train/profile-cnn.ts), and a second copy of every saved
 * activation in memory. Sharing is safe because tfjs never writes into a
 * tensor's data after creating it (Variable.assign swaps data, it does not
 * overwrite it).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { existingConfigs, withNativeFallback } from "./kernel-helpers.js";

/** The input's own data under a second reference. */
function shareData(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Kernel configs for 'wasm': Identity and same-dtype Cast share data; other casts (and strings) use the native kernels. */
export function identityKernels(): tf.KernelConfig[] {
  return existingConfigs([
    withNativeFallback("Identity", (args) => {
      const x = args.inputs.x;
      return x && x.dtype !== "string" ? shareData(x, args.backend as BackendWasm) : null;
    }),
    withNativeFallback("Cast", (args) => {
      const x = args.inputs.x;
      const dtype = (args.attrs as { dtype?: tf.DataType } | undefined)?.dtype;
      return x && x.dtype === dtype && x.dtype !== "string" ? shareData(x, args.backend as BackendWasm) : null;
    }),
  ]);
}
