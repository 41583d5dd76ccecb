/**
 * tensorcell's own wasm SIMD kernels (AssemblyScript sources in
 * lib/backend/wasm/asm/, compiled by `npm run build` to dist/asm/kernels.wasm
 * and dist/asm/kernels-local.wasm) and the threads that run them.
 *
 * The kernels work in tfjs's own heap, on tensors where they lie (byte
 * offsets). With tfjs's threaded build that heap is a shared memory: the
 * calling thread plus (wasm thread count - 1) worker threads run
 * kernels.wasm on it, waiting on Atomics between calls; the workers are
 * unref'd, so they never keep a process alive. tfjs's one-thread build has a
 * plain memory, which no worker can share: the calling thread alone runs
 * kernels-local.wasm on it.
 *
 * Used by the filter gradient (filter-gradient.ts), MaxPoolGrad and AvgPoolGrad
 * (pool-kernels.ts), batch norm and per-channel arithmetic (channel-kernels.ts),
 * Winograd convolutions (winograd-conv.ts), GatherV2 and ScatterNd
 * (gather-scatter-kernels.ts), products (matmul-kernels.ts), dropout masks,
 * RMSProp steps, rotated filters (conv-kernels.ts) and column sums
 * (column-sums.ts), all through runOnTensors or runChunksOnTensors.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { tensorcellInstallDir } from "../../install-dir.js";

/** The kernels dist/asm/kernels.wasm exports, in the order workers are told them by. */
const KERNELS = ["filterGradient", "maxPoolGradient", "avgPoolGradient", "channelAffine", "channelBinary", "elementwiseBinary", "relu", "batchNormGradient", "winogradConv3x3", "winogradFilter3x3", "winogradFilterGradient", "winogradGradientFilter3x3", "gatherRows", "scatterAddRows", "dropoutMask", "matMul", "rmsPropStep", "rotateFilter", "columnSums", "momentumStep", "padRows", "adamStep", "maxPool"] as const;
/** One of tensorcell's wasm SIMD kernels. */
export type KernelName = (typeof KERNELS)[number];

/** Most arguments a kernel takes (all i32; byte offsets pass as their 32 bits). */
const MAX_ARGS = 19;
// Control words per worker: [generation, done generation, ticket, kernel index,
// chunks, total, range argument, scratch argument, scratch bytes per thread, MAX_ARGS arguments].
// The ticket is the generation while the call is on offer and minus it once a thread has
// claimed it: a worker joins a call only if it claims it first, and the caller claims (and
// does the work of) every worker that has not joined by the time its own part is done. So
// a worker that is slow to wake (or still starting) never stalls a call.
// A call is either one fixed share per thread (chunks 0) or `chunks` chunks of a range,
// handed out by the counter word after the last slot to whichever thread is free.
const SLOT = 9 + MAX_ARGS;
const ARGS = 9;

// TypeScript's Node typings leave WebAssembly's constructors out (no DOM lib): the part used here.
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type KernelExport = (...args: number[]) => void;

/** What a worker writes as its done generation when it fails: its work, if it had joined the call, is lost. */
const WORKER_FAILED = -1;

/**
 * Work over a range of `total` units (images, rows) in `chunks` near-equal chunks, each
 * run by whichever thread is free: chunk [begin, end) goes into arguments `rangeAt` and
 * `rangeAt + 1`. A kernel that needs scratch memory of its own per thread gets, at
 * argument `scratch.at`, the given offset plus thread * `scratch.bytesPerThread`.
 */
export interface ChunkedWork {
  total: number;
  chunks: number;
  rangeAt: number;
  scratch?: { at: number; bytesPerThread: number };
}

// Runs in each worker: instantiate on the shared memory, then serve calls for the life of the
// process (the worker is unref'd). An error (a trap in a kernel, a failed instantiation) is written to stderr directly
// (the main thread may be blocked waiting) and reported through the done word.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { module, memory, control, slot, names } = workerData;
const words = new Int32Array(control);
const base = slot * ${SLOT};
const counter = words.length - 1;
try {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const kernels = names.map((name) => exports[name]);
  let seen = 0;
  for (;;) {
    Atomics.wait(words, base, seen);
    seen = Atomics.load(words, base);
    if (Atomics.compareExchange(words, base + 2, seen, -seen) !== seen) continue;
    const kernel = kernels[words[base + 3]];
    const args = Array.from(words.subarray(base + ${ARGS}, base + ${ARGS + MAX_ARGS}));
    const chunks = words[base + 4];
    if (chunks === 0) {
      kernel(...args);
    } else {
      const total = words[base + 5], rangeAt = words[base + 6], scratchAt = words[base + 7];
      if (scratchAt >= 0) args[scratchAt] += (slot + 1) * words[base + 8];
      for (let chunk = Atomics.add(words, counter, 1); chunk < chunks; chunk = Atomics.add(words, counter, 1)) {
        args[rangeAt] = Math.floor((total * chunk) / chunks);
        args[rangeAt + 1] = Math.floor((total * (chunk + 1)) / chunks);
        kernel(...args);
      }
    }
    Atomics.store(words, base + 1, seen);
    Atomics.notify(words, base + 1);
  }
} catch (error) {
  try { writeSync(2, "tensorcell: a SIMD kernel worker failed: " + String(error && error.message || error).split("\\n")[0] + "\\n"); } catch {}
  Atomics.store(words, base + 1, ${WORKER_FAILED});
  Atomics.notify(words, base + 1);
}
`;

/** dist/asm/<name> of this install; null when it was not built. */
function wasmFile(name: string): string | null {
  const root = tensorcellInstallDir();
  const file = root === null ? null : join(root, "dist", "asm", name);
  return file !== null && existsSync(file) ? file : null;
}

/** tfjs's wasm heap: the threaded build exposes it as `wasmMemory`, the one-thread build among its exports. */
function tfjsHeap(backend: object): WasmMemory | null {
  const wasm = (backend as { wasm?: { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } } }).wasm;
  return wasm?.wasmMemory ?? wasm?.asm?.memory ?? null;
}

/** The threads of tensorcell's wasm SIMD kernels, working in tfjs's heap. */
export class KernelPool {
  private readonly kernels: KernelExport[];
  private readonly words: Int32Array;
  private readonly workers: Worker[] = [];
  private generation = 0;

  private constructor(module: object, readonly threads: number, memory: WasmMemory) {
    const exports = new wasmApi.Instance(module, { env: { memory } }).exports;
    this.kernels = KERNELS.map((name) => exports[name] as KernelExport);
    const control = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (SLOT * Math.max(1, threads - 1) + 1));
    this.words = new Int32Array(control);
    for (let slot = 0; slot < threads - 1; slot++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, slot, names: [...KERNELS] } });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * A pool working in the heap of the wasm backend `backend`: `threads` threads (the
   * caller included) when that heap is shared, else the calling thread alone. Null when
   * dist/asm was not built or the heap cannot be reached.
   */
  static create(threads: number, backend: object): KernelPool | null {
    const heap = tfjsHeap(backend);
    if (!heap) return null;
    const shared = heap.buffer instanceof SharedArrayBuffer;
    const file = wasmFile(shared ? "kernels.wasm" : "kernels-local.wasm");
    if (!file) return null;
    const module = new wasmApi.Module(readFileSync(file));
    return new KernelPool(module, shared ? Math.max(1, Math.floor(threads)) : 1, heap);
  }

  /**
   * Runs `kernel` once on each of `shares` threads (at most `threads`) at the same time,
   * share s with the arguments `argsOf(s)`; the calling thread runs share 0. Returns
   * when every share has finished.
   */
  run(kernel: KernelName, shares: number, argsOf: (share: number) => number[]): void {
    const index = KERNELS.indexOf(kernel);
    const generation = ++this.generation;
    for (let share = 1; share < shares; share++) this.offer(share - 1, generation, index, argsOf(share));
    this.kernels[index]!(...argsOf(0));
    for (let share = 1; share < shares; share++) {
      if (this.claimUnjoined(share - 1, generation)) this.kernels[index]!(...argsOf(share));
      else this.waitForWorker(share - 1, generation, kernel);
    }
  }

  /**
   * Runs `kernel` over the chunks of `work` on every thread that is free, the calling
   * thread included, with the arguments `args` (range and scratch arguments filled in per
   * chunk and thread). Returns when every chunk has finished. Each chunk is computed
   * whole by one thread, so the results do not depend on which thread took it.
   */
  runChunks(kernel: KernelName, work: ChunkedWork, args: number[]): void {
    const index = KERNELS.indexOf(kernel);
    const generation = ++this.generation;
    const helpers = Math.min(this.threads, work.chunks) - 1;
    const counter = this.words.length - 1;
    Atomics.store(this.words, counter, 0);
    for (let slot = 0; slot < helpers; slot++) this.offer(slot, generation, index, args, work);
    const own = [...args];
    let failure: unknown;
    try {
      for (let chunk = Atomics.add(this.words, counter, 1); chunk < work.chunks; chunk = Atomics.add(this.words, counter, 1)) {
        [own[work.rangeAt], own[work.rangeAt + 1]] = shareOfBatch(work.total, work.chunks, chunk);
        this.kernels[index]!(...own);
      }
    } catch (error) {
      // A trap here: hand out no more chunks, and let the workers finish theirs before the
      // next call reuses their words.
      failure = error;
      Atomics.store(this.words, counter, work.chunks);
    }
    // Every chunk is taken: a worker that has not joined has nothing left to do.
    for (let slot = 0; slot < helpers; slot++) {
      if (this.claimUnjoined(slot, generation)) continue;
      try {
        this.waitForWorker(slot, generation, kernel);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  /** Puts a call (kernel `index`, `args`, chunked or one share) in worker `slot`'s words and wakes it. */
  private offer(slot: number, generation: number, index: number, args: number[], work?: ChunkedWork): void {
    const base = slot * SLOT;
    const words = this.words;
    words[base + 3] = index;
    words.set([work?.chunks ?? 0, work?.total ?? 0, work?.rangeAt ?? 0, work?.scratch?.at ?? -1, work?.scratch?.bytesPerThread ?? 0], base + 4);
    words.set(args, base + ARGS);
    if (args.length < MAX_ARGS) words.fill(0, base + ARGS + args.length, base + ARGS + MAX_ARGS);
    Atomics.store(words, base + 2, generation);
    Atomics.store(words, base, generation);
    Atomics.notify(words, base);
  }

  /** Claims worker `slot`'s part of call `generation` if the worker has not: true when it was still unclaimed. */
  private claimUnjoined(slot: number, generation: number): boolean {
    return Atomics.compareExchange(this.words, slot * SLOT + 2, generation, -generation) === generation;
  }

  /**
   * Waits until worker `slot` has finished call `generation`. A failed worker is an error
   * (its work was not done); a wait past a minute writes one line to stderr, then goes on
   * waiting (the worker may still be writing its part).
   */
  private waitForWorker(slot: number, generation: number, kernel: KernelName): void {
    const done = slot * SLOT + 1;
    const started = performance.now();
    let reported = false;
    for (;;) {
      const now = Atomics.load(this.words, done);
      if (now === generation) return;
      if (now === WORKER_FAILED) throw new Error(`tensorcell: a wasm SIMD kernel worker failed during ${kernel} (its error is on stderr); restart the kernel.`);
      if (Atomics.wait(this.words, done, now, 60_000) === "timed-out" && !reported) {
        reported = true;
        process.stderr.write(`tensorcell: ${kernel} has waited ${Math.round((performance.now() - started) / 1000)} s for a wasm SIMD kernel worker; still waiting.\n`);
      }
    }
  }
}

/**
 * Units [begin, end) of share `share` when `batch` units (images, rows, tile rows) are split
 * into `shares` near-equal parts; also the chunks of runChunks (the workers compute the same).
 */
export function shareOfBatch(batch: number, shares: number, share: number): [number, number] {
  return [Math.floor((batch * share) / shares), Math.floor((batch * (share + 1)) / shares)];
}

let pool: KernelPool | null | undefined;

/**
 * The process's kernel pool for the wasm backend `backend` with `threads` threads,
 * made at the first use; null when dist/asm was not built. The wasm backend starts
 * once per process (threads.ts), so one pool serves it for good.
 */
export function kernelPoolFor(backend: object, threads: number): KernelPool | null {
  pool ??= KernelPool.create(threads, backend);
  return pool;
}

/** The float32 tensors of one kernel call: `read` ones are its inputs, `written` ones the outputs it fills entirely. */
export interface KernelTensors {
  read: tf.TensorInfo[];
  written: tf.TensorInfo[];
}

/**
 * Runs `kernel` on `shares` threads of `pool` over float32 tensors of the wasm backend's
 * heap, where they lie: `argsOf` receives the byte offsets of the `read` then the
 * `written` tensors, and the share.
 */
export function runOnTensors(
  pool: KernelPool, backend: BackendWasm, kernel: KernelName, tensors: KernelTensors, shares: number,
  argsOf: (offsets: number[], share: number) => number[],
): void {
  const offsets = [...tensors.read, ...tensors.written].map((t) => backend.getMemoryOffset(t.dataId));
  pool.run(kernel, shares, (share) => argsOf(offsets, share));
}

/**
 * Runs `kernel` over the chunks of `work` on `pool` (see KernelPool.runChunks), with
 * `argsOf` receiving the byte offsets of the `read` then the `written` tensors.
 */
export function runChunksOnTensors(
  pool: KernelPool, backend: BackendWasm, kernel: KernelName, tensors: KernelTensors, work: ChunkedWork,
  argsOf: (offsets: number[]) => number[],
): void {
  pool.runChunks(kernel, work, argsOf([...tensors.read, ...tensors.written].map((t) => backend.getMemoryOffset(t.dataId))));
}

/**
 * Chunks per thread: enough that a thread slow to start, or stopped mid-call because its
 * core is busy (tfjs's pthreads spin for a few ms after each XNNPACK operation), leaves
 * little work behind. 1, 4, 16 and 64 were within about 10% of each other at 2 threads
 * (ResNet-20 and the reference CNN, same process); 16 was never the slowest.
 */
const CHUNKS_PER_THREAD = 16;

/** How many chunks to cut `total` units into on `pool`: CHUNKS_PER_THREAD per thread, at most `limit`, at least 1. */
export function chunkCount(pool: KernelPool, total: number, limit = total): number {
  if (pool.threads === 1) return 1;
  return Math.max(1, Math.min(total, limit, pool.threads * CHUNKS_PER_THREAD));
}
