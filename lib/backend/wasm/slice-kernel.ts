/**
 * Slice for wasm: copies runs of the input inside tfjs's heap. tfjs-backend-wasm's
 * Slice first copies the whole input out of the heap into a fresh JavaScript array
 * (readSync), then copies each run back with a new subarray per run: 19 ms for
 * ResNet-20's channel-padding gradient ([64,34,34,16] from 32 channels). Here
 * each run (the innermost partly sliced axis and every whole axis after it) is
 * one `copyWithin` on the heap, with no allocation. Values are copied bit for
 * bit, so results are unchanged. Strings use the native kernel.
 *
 * SplitV takes the same copies: tfjs-backend-wasm's SplitV calls its own Slice for
 * each part, so every part copied the whole input out of the heap (20 ms to split
 * ViT-Ti/4's [16, 65, 576] query-key-value tensor in three at batch 16, against
 * about 0.1 ms a part here; 12 such splits in a training step).
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { existingConfigs, withNativeFallback } from "./kernel-helpers.js";

interface SliceAttrs {
  begin: number | number[];
  size: number | number[];
}

/** x[begin : begin + size] (per axis, `size` already resolved) copied run by run into a new tensor of the heap. */
function sliceOnHeap(backend: BackendWasm, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) === 0) return out;
  const rank = x.shape.length;
  const strides = [...tf.util.computeStrides(x.shape), 1];
  // The run starts at axis `k`: every axis after it is taken whole, so the run is contiguous.
  let k = rank - 1;
  while (k > 0 && begin[k] === 0 && size[k] === x.shape[k]) k--;
  // Views are taken after the allocation: growing the heap detaches earlier ones.
  const xView = backend.typedArrayFromHeap(x) as Float32Array | Int32Array | Uint8Array;
  const elementBytes = xView.BYTES_PER_ELEMENT;
  const heap = new Uint8Array(xView.buffer);
  const xAt = backend.getMemoryOffset(x.dataId);
  let target = backend.getMemoryOffset(out.dataId);
  const runBytes = size[k]! * strides[k]! * elementBytes;
  const index = new Array<number>(k).fill(0);
  const runs = size.slice(0, k).reduce((p, q) => p * q, 1);
  for (let run = 0; run < runs; run++) {
    let source = begin[k]! * strides[k]!;
    for (let d = 0; d < k; d++) source += (begin[d]! + index[d]!) * strides[d]!;
    const from = xAt + source * elementBytes;
    heap.copyWithin(target, from, from + runBytes);
    target += runBytes;
    for (let d = k - 1; d >= 0 && ++index[d]! === size[d]; d--) index[d] = 0;
  }
  return out;
}

interface SplitVAttrs {
  numOrSizeSplits: number | number[];
  axis: number | number[];
}

/** Whether x's data lies in the heap as numbers the copies can move (strings and complex do not). */
function copiable(x: tf.TensorInfo | undefined): x is tf.TensorInfo {
  return x !== undefined && x.dtype !== "string" && x.dtype !== "complex64" && x.shape.length > 0;
}

/** Kernel configs for 'wasm': Slice and SplitV on the heap (strings use the native kernels). */
export function sliceKernels(): tf.KernelConfig[] {
  return existingConfigs([
    withNativeFallback("Slice", (args) => {
      const x = args.inputs.x;
      if (!copiable(x)) return null;
      const a = args.attrs as unknown as SliceAttrs;
      const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, a.begin, a.size);
      return sliceOnHeap(args.backend as BackendWasm, x, begin, size);
    }),
    withNativeFallback("SplitV", (args) => {
      const x = args.inputs.x;
      if (!copiable(x)) return null;
      const a = args.attrs as unknown as SplitVAttrs;
      const axis = tf.util.parseAxisParam(a.axis, x.shape)[0]!;
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits, axis);
      const begin = new Array<number>(x.shape.length).fill(0);
      return sizes.map((part) => {
        const size = [...x.shape];
        size[axis] = part;
        const out = sliceOnHeap(args.backend as BackendWasm, x, [...begin], size);
        begin[axis]! += part;
        return out;
      });
    }),
  ]);
}
