/**
 * UnsortedSegmentSum for the wasm backend (graph networks aggregate messages
 * with it, and tfjs's GatherV2 gradient calls it). wasm's ScatterNd adds up
 * updates that share an index, which is exactly a segment sum.
 */
import * as tf from "@tensorflow/tfjs";
import { asTensor } from "./kernel-helpers.js";

interface UnsortedSegmentSumAttrs {
  numSegments: number;
}

/**
 * Sums the slices of `x` that share a segment id: out[s] = sum of x[i] where
 * ids[i] == s. Ids outside [0, numSegments) are dropped, as in TensorFlow
 * (ScatterNd would write out of bounds, so they are filtered first).
 */
export function unsortedSegmentSumViaScatter(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  return tf.tidy(() => {
    const outShape = [numSegments, ...x.shape.slice(segmentIds.rank)];
    const ids = segmentIds.dtype === "int32" ? segmentIds : tf.cast(segmentIds, "int32");
    const flatIds = ids.reshape([-1]);
    const idValues = flatIds.dataSync(); // wasm keeps data in its heap: a synchronous read is a cheap copy
    let valid = true;
    for (let i = 0; i < idValues.length; i++) {
      const id = idValues[i];
      if (id < 0 || id >= numSegments) {
        valid = false;
        break;
      }
    }
    const rows = x.reshape([idValues.length, ...x.shape.slice(segmentIds.rank)]);
    if (valid) return tf.scatterND(flatIds.reshape([-1, 1]), rows, outShape);
    const keep: number[] = [];
    for (let i = 0; i < idValues.length; i++) if (idValues[i] >= 0 && idValues[i] < numSegments) keep.push(i);
    if (keep.length === 0) return tf.zeros(outShape, x.dtype);
    const keepIndex = tf.tensor1d(keep, "int32");
    return tf.scatterND(tf.gather(flatIds, keepIndex).reshape([-1, 1]), tf.gather(rows, keepIndex), outShape);
  });
}

/** Kernel configs for 'wasm': UnsortedSegmentSum. */
export function segmentKernels(): tf.KernelConfig[] {
  return [
    {
      kernelName: "UnsortedSegmentSum",
      backendName: "wasm",
      kernelFunc: ({ inputs, attrs }) => {
        const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
        return tf.tidy(() => unsortedSegmentSumViaScatter(asTensor(inputs.x), asTensor(inputs.segmentIds), numSegments));
      },
    },
  ];
}
