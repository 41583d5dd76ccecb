/**
 * Conv2D filter gradients on every wasm thread, with a small SIMD module of our
 * own (lib/backend/wasm/asm/conv-filter-grad.ts, compiled to
 * dist/asm/conv-filter-grad.wasm by `npm run build`).
 *
 * Why: as one XNNPACK convolution (conv-kernels.ts), the filter gradient's long
 * reduction over batch and pixels runs inside each output tile, and every tile
 * streams a packed operand larger than a core's cache: the kernel is bound by
 * memory traffic and a second thread does not speed it up. Here the positions
 * are split between threads instead: each thread sums its share of the images
 * into its own small accumulator (KH*KW*Ci*Co floats, cache resident), and the
 * accumulators are added at the end.
 *
 * Threads: the calling thread plus (wasm thread count - 1) worker threads that
 * share one WebAssembly.Memory with it and wait on Atomics between calls. The
 * workers are unref'd, so they never keep a process alive. With tfjs's threaded
 * build that memory is tfjs's own heap, so the kernel reads x and dy where they
 * are; with the one-thread build (whose heap is not shared) x and dy are copied
 * into a memory of the pool's own.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type * as tf from "@tensorflow/tfjs";
import { tensorcellInstallDir } from "../../install-dir.js";

/** Geometry of one filter gradient (NHWC, float32): tfjs's own description of the convolution. */
type FilterGradGeometry = Pick<tf.backend_util.Conv2DInfo,
  "batchSize" | "inHeight" | "inWidth" | "inChannels" | "outHeight" | "outWidth" | "outChannels" | "filterHeight" | "filterWidth" |
  "strideHeight" | "strideWidth" | "dilationHeight" | "dilationWidth" | "padInfo">;

type FilterGradientExport = (
  x: number, dy: number, acc: number, nBegin: number, nEnd: number,
  h: number, w: number, ci: number, oh: number, ow: number, co: number,
  kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number,
) => void;

// TypeScript's Node typings leave WebAssembly's constructors out (no DOM lib): the part used here.
interface SharedWasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedWasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// Control words per worker: [generation, done generation, 19 call arguments].
const ARGS = 19;
const SLOT = 2 + ARGS;
const PAGE = 65536;
const MAX_BYTES = 65536 * PAGE;

/** Where x, dy and the accumulators of `shares` threads lie in the kernel's memory (64-byte aligned), and the end. */
function layout(xFloats: number, dyFloats: number, accFloats: number, shares: number): { xAt: number; dyAt: number; accAt: number; end: number } {
  const xAt = 0;
  const dyAt = align(xAt + xFloats * 4);
  const accAt = align(dyAt + dyFloats * 4);
  return { xAt, dyAt, accAt, end: accAt + shares * accFloats * 4 };
}

// Runs in each worker: instantiate on the shared memory, then serve calls until the generation is negative.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, slot } = workerData;
const run = new WebAssembly.Instance(module, { env: { memory } }).exports.filterGradient;
const words = new Int32Array(control);
const base = slot * ${SLOT};
let seen = 0;
for (;;) {
  Atomics.wait(words, base, seen);
  seen = Atomics.load(words, base);
  if (seen < 0) break;
  const a = words.subarray(base + 2, base + 2 + ${ARGS});
  run(a[0] >>> 0, a[1] >>> 0, a[2] >>> 0, a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18]);
  Atomics.store(words, base + 1, seen);
  Atomics.notify(words, base + 1);
}
`;

/** dist/asm/conv-filter-grad.wasm of this install; null when it was not built. */
function wasmFile(): string | null {
  const root = tensorcellInstallDir();
  const file = root === null ? null : join(root, "dist", "asm", "conv-filter-grad.wasm");
  return file !== null && existsSync(file) ? file : null;
}

/** Where a call's tensors lie in the kernel's memory (byte offsets) and how the batch is shared out. */
interface Placement {
  xAt: number;
  dyAt: number;
  /** `shares` accumulators of KH*KW*Ci*Co floats, one after the other. */
  accAt: number;
  shares: number;
}

/** The threads and the shared memory of the filter-gradient kernel. */
export class FilterGradPool {
  private readonly run: FilterGradientExport;
  private readonly words: Int32Array;
  private readonly workers: Worker[] = [];
  private generation = 0;

  /**
   * `memory` is tfjs's own heap (the threaded build's shared memory: the kernel reads x
   * and dy where they lie) or, when `inPlace` is false, a memory of the pool's own
   * that each call copies x and dy into (the one-thread build's heap is not shared).
   */
  private constructor(module: object, readonly threads: number, private readonly memory: SharedWasmMemory, readonly inPlace: boolean) {
    this.run = new wasmApi.Instance(module, { env: { memory } }).exports.filterGradient as FilterGradientExport;
    const control = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * SLOT * Math.max(1, threads - 1));
    this.words = new Int32Array(control);
    for (let slot = 0; slot < threads - 1; slot++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, slot } });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * A pool of `threads` threads (the caller included) working in `heap` when that is a
   * shared memory (tfjs's threaded build), else in a memory of its own; null when the
   * module was not built.
   */
  static create(threads: number, heap?: { buffer: ArrayBufferLike }): FilterGradPool | null {
    const file = wasmFile();
    if (!file) return null;
    const module = new wasmApi.Module(readFileSync(file));
    const shared = heap !== undefined && heap.buffer instanceof SharedArrayBuffer;
    const memory = shared ? (heap as SharedWasmMemory) : new wasmApi.Memory({ initial: 1, maximum: 65536, shared: true });
    return new FilterGradPool(module, Math.max(1, Math.floor(threads)), memory, shared);
  }

  /** Whether one copying call with these sizes fits the pool's own memory (4 GiB at most). */
  fits(xFloats: number, dyFloats: number, accFloats: number): boolean {
    return this.inPlace || layout(xFloats, dyFloats, accFloats, this.threads).end <= MAX_BYTES;
  }

  /** How many threads share a batch of `batch` images (each needs its own accumulator). */
  sharesFor(batch: number): number {
    return Math.min(this.threads, batch);
  }

  /**
   * In place (tfjs's shared heap): the filter gradient of the x and dy at the given byte
   * offsets, summed into `out` from the per-thread accumulators at `accAt`
   * (sharesFor(batch) * KH*KW*Ci*Co floats of scratch the caller allocated in the heap).
   */
  filterGradientAt(xAt: number, dyAt: number, accAt: number, g: FilterGradGeometry, out: Float32Array): void {
    this.compute({ xAt, dyAt, accAt, shares: this.sharesFor(g.batchSize) }, g, out);
  }

  /**
   * Copying: the filter gradient [KH, KW, Ci, Co] of x [N, H, W, Ci] and dy [N, OH, OW, Co]
   * (row-major float32), written into `out`.
   */
  filterGradient(x: Float32Array, dy: Float32Array, g: FilterGradGeometry, out: Float32Array): void {
    const accFloats = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
    const shares = this.sharesFor(g.batchSize);
    const { xAt, dyAt, accAt, end } = layout(x.length, dy.length, accFloats, shares);
    if (end > MAX_BYTES) throw new RangeError(`the filter gradient needs ${end} bytes, more than a 32-bit wasm memory holds`);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    const buffer = this.memory.buffer;
    new Float32Array(buffer, xAt, x.length).set(x);
    new Float32Array(buffer, dyAt, dy.length).set(dy);
    this.compute({ xAt, dyAt, accAt, shares }, g, out);
  }

  private compute({ xAt, dyAt, accAt, shares }: Placement, g: FilterGradGeometry, out: Float32Array): void {
    const accFloats = g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
    if (shares === 0 || g.outHeight === 0 || g.outWidth === 0) {
      out.fill(0);
      return;
    }
    const common = [g.inHeight, g.inWidth, g.inChannels, g.outHeight, g.outWidth, g.outChannels, g.filterHeight, g.filterWidth,
      g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padInfo.top, g.padInfo.left];
    const range = (share: number) => [Math.floor((g.batchSize * share) / shares), Math.floor((g.batchSize * (share + 1)) / shares)];
    const generation = ++this.generation;
    for (let share = 1; share < shares; share++) {
      const base = (share - 1) * SLOT;
      const [begin, stop] = range(share);
      this.words.set([xAt, dyAt, accAt + share * accFloats * 4, begin, stop, ...common], base + 2);
      Atomics.store(this.words, base, generation);
      Atomics.notify(this.words, base);
    }
    const [begin, stop] = range(0);
    this.run(xAt, dyAt, accAt, begin, stop, ...(common as [number, number, number, number, number, number, number, number, number, number, number, number, number, number]));
    for (let share = 1; share < shares; share++) {
      const done = (share - 1) * SLOT + 1;
      while (Atomics.load(this.words, done) !== generation) Atomics.wait(this.words, done, Atomics.load(this.words, done));
    }
    const sums = new Float32Array(this.memory.buffer, accAt, shares * accFloats);
    out.set(sums.subarray(0, accFloats));
    for (let share = 1; share < shares; share++) {
      const part = sums.subarray(share * accFloats, (share + 1) * accFloats);
      for (let i = 0; i < accFloats; i++) out[i] += part[i];
    }
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}
