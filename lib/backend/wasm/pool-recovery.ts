/**
 * Keeps the threaded wasm backend usable after SIGINT stopped a cell inside an
 * op. SIGINT (vm's breakOnSigint, for frontends that signal) terminates
 * JavaScript and wasm wherever they are. When that is inside an XNNPACK op, the
 * main thread never releases the thread pool's lock and the next op waits for
 * ever (the single-threaded build has no such lock). Interrupts by message
 * stop cells between ops and never get here.
 *
 * A count of running tfjs kernels (around the engine's runKernelFunc) tells
 * whether a termination happened inside one: its `finally` never runs. After
 * such a termination, recoverWasmThreads() gives XNNPACK a fresh pool
 * (backend.cc's init_with_threads_count creates one) on freshly loaded pthread
 * workers, and stops the old pool's workers, so the process keeps its 8-ish
 * worker isolates rather than collecting more.
 */
import * as tf from "@tensorflow/tfjs";
import type { Worker as NodeWorker } from "node:worker_threads";
import { firstLine, openPthreadWorkerShim, ThreadedStartError } from "./pthread-workers.js";
import type { PThreadPool } from "./threaded-build.js";

/** How long fresh pthread workers may take to load. */
const LOAD_TIMEOUT_MS = 60_000;

interface ThreadedModule {
  PThread: PThreadPool;
  tfjs: { initWithThreadsCount(threads: number): void };
}

let kernelsRunning = 0;
let poolThreads = 1;
let lost: string | undefined;
let tracking = false;

/**
 * Starts counting running tfjs kernels (once per process) for a threaded
 * backend with `threads` threads. While the pool is lost (a recovery failed),
 * every kernel throws an error that says to restart the kernel.
 */
export function trackKernelsForRecovery(threads: number): void {
  poolThreads = threads;
  if (tracking) return;
  tracking = true;
  const engine = tf.engine() as unknown as { runKernelFunc(params: unknown): unknown };
  const runKernelFunc = engine.runKernelFunc;
  engine.runKernelFunc = function countedRunKernelFunc(this: unknown, params: unknown) {
    if (lost && tf.getBackend() === "wasm") {
      throw new Error(`tensorcell: an interrupt stopped a multi-threaded wasm op midway and its thread pool could not be replaced (${lost}). Restart the kernel.`);
    }
    kernelsRunning++;
    try {
      return runKernelFunc.call(this, params);
    } finally {
      kernelsRunning--;
    }
  };
}

/**
 * Call after cell code was terminated (vm's ERR_SCRIPT_EXECUTION_INTERRUPTED).
 * When the termination hit inside a kernel on the threaded wasm backend,
 * replaces XNNPACK's thread pool; resolves true when it did. A failure is kept
 * and reported by every later op (see trackKernelsForRecovery).
 */
export async function recoverWasmThreads(): Promise<boolean> {
  const interruptedInKernel = kernelsRunning > 0;
  kernelsRunning = 0;
  const module = (tf.engine() as unknown as { registry: Record<string, { wasm?: ThreadedModule } | undefined> }).registry.wasm?.wasm;
  if (!interruptedInKernel || !tracking || !module?.PThread) return false;
  const pool = module.PThread;
  const old = [...pool.runningWorkers];
  try {
    await addLoadedWorkers(pool, poolThreads - 1 - pool.unusedWorkers.length);
    module.tfjs.initWithThreadsCount(poolThreads);
    for (const worker of pool.runningWorkers) worker.unref();
    retire(pool, old);
  } catch (error) {
    lost = firstLine(error);
  }
  return true;
}

/** Starts `count` more pthread workers and waits until each has loaded the module. */
async function addLoadedWorkers(pool: PThreadPool, count: number): Promise<void> {
  if (count <= 0) return;
  let fail: (error: ThreadedStartError) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {}); // Read through Promise.race below.
  const shim = openPthreadWorkerShim((error) => fail(error));
  let timer: NodeJS.Timeout | undefined;
  try {
    const loaded = Array.from({ length: count }, () => {
      pool.allocateUnusedWorker();
      const worker = pool.unusedWorkers.at(-1)!;
      return new Promise<void>((resolve) => pool.loadWasmModuleToWorker(worker, () => resolve()));
    });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ThreadedStartError(`fresh pthread workers did not load within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
    });
    await Promise.race([Promise.all(loaded), failed, timeout]);
  } finally {
    clearTimeout(timer);
    shim.close();
  }
}

/** Stops the old pool's workers and drops them from the glue's bookkeeping (nothing waits for them). */
function retire(pool: PThreadPool, workers: NodeWorker[]): void {
  for (const worker of workers) {
    pool.runningWorkers.splice(pool.runningWorkers.indexOf(worker), 1);
    for (const [pointer, owner] of Object.entries(pool.pthreads)) if (owner === worker) delete pool.pthreads[Number(pointer)];
    void worker.terminate();
  }
}
