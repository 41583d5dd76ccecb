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
 * all through runOnTensors.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { tensorcellInstallDir } from "../../install-dir.js";

/** The kernels dist/asm/kernels.wasm exports, in the order workers are told them by. */
const KERNELS = ["filterGradient", "maxPoolGradient", "avgPoolGradient", "channelAffine", "channelBinary"] as const;
/** One of tensorcell's wasm SIMD kernels. */
export type KernelName = (typeof KERNELS)[number];

/** Most arguments a kernel takes (all i32; byte offsets are passed as unsigned). */
const MAX_ARGS = 19;
// Control words per worker: [generation, done generation, ticket, kernel index, MAX_ARGS arguments].
// The ticket is the generation while the share is on offer and minus it once a thread has
// claimed it: a worker runs a share only if it claims it first, and the caller claims and
// runs every share no worker has claimed by the time its own share is done. So a worker
// that is slow to wake (or still starting) never stalls a call.
const SLOT = 4 + MAX_ARGS;

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

/** What a worker writes as its done generation when it fails: its share, if it had claimed one, is lost. */
const WORKER_FAILED = -1;

// Runs in each worker: instantiate on the shared memory, then serve calls for the life of the
// process (the worker is unref'd). An error (a trap in a kernel, a failed instantiation) is written to stderr directly
// (the main thread may be blocked waiting) and reported through the done word.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { module, memory, control, slot, names } = workerData;
const words = new Int32Array(control);
const base = slot * ${SLOT};
try {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const kernels = names.map((name) => exports[name]);
  let seen = 0;
  for (;;) {
    Atomics.wait(words, base, seen);
    seen = Atomics.load(words, base);
    if (Atomics.compareExchange(words, base + 2, seen, -seen) !== seen) continue;
    const a = words.subarray(base + 4, base + 4 + ${MAX_ARGS});
    kernels[words[base + 3]](a[0] >>> 0, a[1] >>> 0, a[2] >>> 0, a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18]);
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
    const control = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * SLOT * Math.max(1, threads - 1));
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
    const words = this.words;
    for (let share = 1; share < shares; share++) {
      const base = (share - 1) * SLOT;
      words[base + 3] = index;
      words.set(argsOf(share), base + 4);
      Atomics.store(words, base + 2, generation);
      Atomics.store(words, base, generation);
      Atomics.notify(words, base);
    }
    this.kernels[index]!(...argsOf(0));
    for (let share = 1; share < shares; share++) {
      const base = (share - 1) * SLOT;
      if (Atomics.compareExchange(words, base + 2, generation, -generation) === generation) {
        this.kernels[index]!(...argsOf(share));
        continue;
      }
      this.waitForShare(base + 1, generation, kernel);
    }
  }

  /**
   * Waits until the worker whose done word is `done` has finished `generation`. A failed
   * worker is an error (its share was not computed); a wait past a minute writes one line
   * to stderr, then goes on waiting (the worker may still be writing its share).
   */
  private waitForShare(done: number, generation: number, kernel: KernelName): void {
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

/** Images [begin, end) of share `share` when `batch` images are split into `shares` near-equal parts. */
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
