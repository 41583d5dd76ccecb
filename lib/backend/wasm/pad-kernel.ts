/**
 * PadV2 (tf.pad with a constant) for wasm on tensorcell's kernel `padRows`
 * (lib/backend/wasm/asm/pad.ts), by rows. ResNet's option-A shortcuts pad channels and
 * its stride-2 convolutions pad height and width: tfjs-backend-wasm's PadV2 took 2.0 ms of
 * a 74-98 ms ResNet-20 predict at batch 64 on one thread and 3.8-4.3 ms at two, slower
 * with the second thread (bench/train/profile-cnn.ts); its four pads take 2.1 ms natively
 * and 0.5 ms here (1 thread, same process, bench/train/pad-ab.ts). The output is the
 * input's values and the constant, copied: the same bits as the native kernel.
 *
 * Axes without padding are merged into the axis before them (a run of whole rows is one
 * copy), so any rank whose padded axes, after merging, number at most 3 besides the first
 * goes to the kernel; other ranks, dtypes other than float32 and int32, negative padding
 * and outputs below MIN_ELEMENTS use the native kernel.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { existingConfigs, floatBits, withNativeFallback } from "./kernel-helpers.js";
import { chunkCount, kernelPoolFor, runChunksOnTensors } from "./kernel-pool.js";
import { wasmThreadCount } from "./threads.js";

/** Below this many output elements the native kernel is fast enough and the setup is overhead. */
const MIN_ELEMENTS = 4096;
/**
 * At least about this many output elements per chunk. A pad is a copy, bound by memory: at 2
 * threads, ResNet-20's pads (up to 1.2M output floats) took 0.06-0.20 ms on the calling
 * thread alone against 0.09-0.25 ms cut into chunks of 32,768 floats over both threads
 * (bench/train/pad-ab.ts), so they stay on one thread; larger pads are split.
 */
const ELEMENTS_PER_CHUNK = 1 << 20;

interface PadV2Attrs {
  paddings: [number, number][];
  constantValue: number;
}

/** A pad as 4 axes: input sizes, padding before each, output sizes. */
interface PadLayout {
  sizes: number[];
  before: number[];
  outSizes: number[];
}

/**
 * `shape` padded by `paddings`, with each unpadded axis merged into the axis before it
 * (its index then counts whole rows of it, so the padding before that axis scales by
 * its size), left-filled with axes of size 1 to rank 4; null when more than 4 axes remain.
 */
export function padLayout(shape: number[], paddings: [number, number][]): PadLayout | null {
  const axes: { size: number; before: number; after: number }[] = [];
  shape.forEach((size, axis) => {
    const [before, after] = paddings[axis]!;
    const outer = axes[axes.length - 1];
    if (outer && before === 0 && after === 0) {
      outer.size *= size;
      outer.before *= size;
      outer.after *= size;
    } else {
      axes.push({ size, before, after });
    }
  });
  if (axes.length > 4) return null;
  while (axes.length < 4) axes.unshift({ size: 1, before: 0, after: 0 });
  return {
    sizes: axes.map((a) => a.size),
    before: axes.map((a) => a.before),
    outSizes: axes.map((a) => a.before + a.size + a.after),
  };
}

/** Kernel configs for 'wasm': PadV2 on tensorcell's kernel where it takes the shape (see the file's comment), else native. */
export function padKernels(): tf.KernelConfig[] {
  return existingConfigs([
    withNativeFallback("PadV2", (args) => {
      const x = args.inputs.x;
      const { paddings, constantValue } = args.attrs as unknown as PadV2Attrs;
      if (!x || (x.dtype !== "float32" && x.dtype !== "int32") || paddings.some(([b, a]) => b < 0 || a < 0)) return null;
      const outShape = x.shape.map((size, axis) => paddings[axis]![0] + size + paddings[axis]![1]);
      const outSize = tf.util.sizeFromShape(outShape);
      if (tf.util.sizeFromShape(x.shape) === 0 || outSize < MIN_ELEMENTS) return null;
      const layout = padLayout(x.shape, paddings);
      const backend = args.backend as BackendWasm;
      const pool = layout && kernelPoolFor(backend, wasmThreadCount());
      if (!layout || !pool) return null;
      const out = backend.makeOutput(outShape, x.dtype);
      const [o0, o1, o2, o3] = layout.outSizes as [number, number, number, number];
      const rows = o0 * o1 * o2;
      const work = { total: rows, chunks: chunkCount(pool, rows, Math.round(outSize / ELEMENTS_PER_CHUNK)), rangeAt: 2 };
      // Arguments: x, out, rows [begin, end), x's 4 sizes, the padding before each axis, the output's last 3 sizes, the value's bits.
      runChunksOnTensors(pool, backend, "padRows", { read: [x], written: [out] }, work, ([xAt, outAt]) =>
        [xAt!, outAt!, 0, 0, ...layout.sizes, ...layout.before, o1, o2, o3, x.dtype === "int32" ? constantValue | 0 : floatBits(constantValue)]);
      return out;
    }),
  ]);
}
