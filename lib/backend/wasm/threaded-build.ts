/**
 * Starts tfjs-backend-wasm's threaded SIMD build (pthreads + XNNPACK's thread
 * pool) in Node, which upstream turns off there. The build itself is unchanged;
 * a shim on the main thread, in place only while the backend initialises,
 * supplies what the emscripten glue expects from a browser:
 *
 * - pthread workers started from worker_threads (pthread-workers.ts: the
 *   worker source written to a file under TMPDIR, a `Worker` adapter, the
 *   glue's path in the `load` message);
 * - WASM_HAS_MULTITHREAD_SUPPORT: tfjs forces it false in Node; set to true;
 * - os.cpus(): backend.cc caps threads at min(requested, 8, logical cores / 2),
 *   so the list is padded while the backend initialises;
 * - the pthreads XNNPACK keeps running are ref()'d by the glue, which would
 *   keep Node alive for ever: they are unref()'d once the backend is ready.
 *
 * Afterwards nothing is left where other code could see it: no global
 * `Worker`, the real os.cpus and console.warn, no worker file, and no extra
 * process handlers after a failed start.
 */
import * as tf from "@tensorflow/tfjs";
import os from "node:os";
import type { Worker as NodeWorker } from "node:worker_threads";
import { firstLine, openPthreadWorkerShim, ThreadedStartError } from "./pthread-workers.js";

export { ThreadedStartError } from "./pthread-workers.js";

/** How long the pool of pthread workers may take to load before the start counts as failed. */
const START_TIMEOUT_MS = 60_000;

/** The glue's pthread bookkeeping (Module.PThread). */
export interface PThreadPool {
  runningWorkers: NodeWorker[];
  unusedWorkers: NodeWorker[];
  pthreads: Record<number, NodeWorker>;
  allocateUnusedWorker(): void;
  loadWasmModuleToWorker(worker: NodeWorker, onFinishedLoading?: (worker: NodeWorker) => void): void;
}

/** What the thread set-up uses of tfjs-backend-wasm's exports. */
export interface WasmPackage {
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

/** Why threads cannot work in this process, or undefined when they can. */
export function threadSupportProblem(): string | undefined {
  if (typeof SharedArrayBuffer === "undefined") return "SharedArrayBuffer is not available in this Node process";
  // TypeScript's Node typings leave WebAssembly's constructors out (no DOM lib).
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => unknown } }).WebAssembly;
  try {
    new wasm.Memory({ initial: 1, maximum: 1, shared: true });
  } catch (error) {
    return `shared WebAssembly memory is not available (${(error as Error).message})`;
  }
  return undefined;
}

/** Something the shim replaced for the duration of the start, and how to put it back. */
type Restore = () => void;

/** os.cpus() with at least `count` entries (backend.cc uses half the logical cores at most). */
function padCpus(count: number): Restore {
  const real = os.cpus;
  os.cpus = () => {
    const list = real.call(os);
    const template = list[0] ?? { model: "unknown", speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } };
    while (list.length < count) list.push(template);
    return list;
  };
  return () => {
    os.cpus = real;
  };
}

/** console.warn held back (tfjs and the glue warn on a failed start; the caller prints one line instead). */
function holdWarnings(): { restore: Restore; held: unknown[][] } {
  const real = console.warn;
  const held: unknown[][] = [];
  let holding = true;
  // The glue binds console.warn once when it starts, so this forwarder stays in its hands: it forwards once the start is over.
  console.warn = (...args: unknown[]) => (holding ? void held.push(args) : real.apply(console, args));
  return {
    held,
    restore: () => {
      if (!holding) return;
      holding = false;
      console.warn = real;
    },
  };
}

/** uncaughtException/unhandledRejection handlers added from now on, removed by the returned function. */
function trackProcessHandlers(): Restore {
  type Listener = (...args: unknown[]) => void;
  const events = ["uncaughtException", "unhandledRejection"] as const;
  const listeners = (event: string) => process.listeners(event as "uncaughtException") as Listener[];
  const before = new Map(events.map((event) => [event, new Set(listeners(event))]));
  return () => {
    for (const event of events) {
      for (const listener of listeners(event)) if (!before.get(event)!.has(listener)) process.removeListener(event as "uncaughtException", listener);
    }
  };
}

/**
 * Initialises the wasm backend with the threaded SIMD build and `threads`
 * XNNPACK threads (2..8). Resolves with the thread count the backend reports.
 * Throws ThreadedStartError (nothing left behind, the wasm backend not
 * initialised) when the build cannot start here; the caller then starts the
 * single-threaded build.
 */
export async function startThreadedWasm(wasmPackage: WasmPackage, threads: number): Promise<number> {
  const problem = threadSupportProblem();
  if (problem) throw new ThreadedStartError(problem);
  let reportFailure: (error: ThreadedStartError) => void = () => {};
  const failed = new Promise<never>((_, reject) => (reportFailure = reject));
  failed.catch(() => {}); // Read through Promise.race below; a failure after the start is not reported here.
  const shim = openPthreadWorkerShim((error) => reportFailure(error));
  const workers = shim.workers;

  const restores: Restore[] = [shim.close, padCpus(2 * threads)];
  const warnings = holdWarnings();
  restores.push(warnings.restore);
  const removeHandlers = trackProcessHandlers();
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  wasmPackage.setThreadsCount(threads);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ThreadedStartError(`its ${workers.size} pthread workers did not load within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    });
    const ok = await Promise.race([tf.setBackend("wasm"), failed, timeout]);
    if (!ok) throw new ThreadedStartError(`tfjs could not initialise it (${firstLine(warnings.held.at(-1)?.[0] ?? "no reason given")})`);
    shim.settle();
    const pool = (tf.backend() as unknown as { wasm?: { PThread?: PThreadPool } }).wasm?.PThread;
    // XNNPACK's pool threads run for the life of the backend; unref'd, they no longer keep Node alive.
    for (const worker of pool?.runningWorkers ?? []) worker.unref();
    warnings.restore();
    for (const held of warnings.held) console.warn(...held);
    return wasmPackage.getThreadsCount();
  } catch (error) {
    shim.settle();
    // A start that hangs or failed: the backend stays uninitialised; the caller's next setBackend makes tfjs drop it.
    for (const worker of workers) void worker.terminate();
    removeHandlers();
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    wasmPackage.setThreadsCount(1);
    throw error instanceof ThreadedStartError ? error : new ThreadedStartError(firstLine(error));
  } finally {
    clearTimeout(timer);
    for (const restore of restores) restore();
  }
}
