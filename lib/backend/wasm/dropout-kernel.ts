/**
 * DROPOUT_MASK for wasm (lib/backend/dropout-mask.ts): tensorcell's SIMD kernel
 * `dropoutMask` (lib/backend/wasm/asm/dropout.ts) fills the mask on every
 * thread, chunks of elements per thread; without a kernel pool (no dist/asm
 * build) the JavaScript formula fills it. Both give the same bits.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { DROPOUT_MASK, type DropoutMaskAttrs, dropoutMaskValues } from "../dropout-mask.js";
import { floatBits } from "./kernel-helpers.js";
import { chunkCount, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** At least this many elements per chunk: smaller masks are not worth waking a thread. */
const ELEMENTS_PER_CHUNK = 65536;

/** Kernel config for 'wasm': DROPOUT_MASK on the kernel pool. */
export function dropoutKernels(): tf.KernelConfig[] {
  return [{
    kernelName: DROPOUT_MASK,
    backendName: "wasm",
    kernelFunc: ({ attrs, backend }) => {
      const a = attrs as unknown as DropoutMaskAttrs;
      const wasm = backend as BackendWasm;
      const size = tf.util.sizeFromShape(a.shape);
      const pool = kernelPoolFor(wasm, wasmThreadCount());
      const out = wasm.makeOutput(a.shape, "float32");
      if (size === 0) return out;
      if (!pool) {
        (wasm.typedArrayFromHeap(out) as Float32Array).set(dropoutMaskValues(size, a));
        return out;
      }
      // Arguments: out, elements [begin, end), seeds, threshold, keep's bits.
      runChunksOnTensors(pool, wasm, "dropoutMask", { read: [], written: [out] }, { total: size, chunks: chunkCount(pool, size, Math.ceil(size / ELEMENTS_PER_CHUNK)), rangeAt: 1 },
        ([outAt]) => [outAt!, 0, 0, a.seedA | 0, a.seedB | 0, a.threshold, floatBits(a.keep)]);
      return out;
    },
  }];
}
