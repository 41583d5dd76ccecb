/**
 * Starting the wasm backend with its thread count. By default it computes on
 * every core up to the build's 8 (the threaded SIMD build, see
 * threaded-build.ts); one thread uses the plain SIMD build. The count is fixed
 * when the backend starts: asking for another one later needs a new process
 * (a kernel restart). When the threaded build cannot start, the backend starts
 * single-threaded and one stderr line says why.
 */
import * as tf from "@tensorflow/tfjs";
import { resolveThreadRequest, type ThreadRequest } from "./thread-count.js";
import { trackKernelsForRecovery } from "./pool-recovery.js";
import { startThreadedWasm, ThreadedStartError } from "./threaded-build.js";

/** What tfjs-backend-wasm exports that the thread set-up uses. */
interface WasmPackage {
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

/** How the running wasm backend was started. */
interface WasmStart {
  threads: number;
  /** Notes for the banner: a clamped request, or why the threaded build did not start. */
  notes: string[];
}

let started: WasmStart | undefined;

/** A thread count asked for after the wasm backend started with another one. */
export class ThreadCountChangeError extends Error {
  override name = "ThreadCountChangeError";
}

/** Whether tfjs already holds an initialised wasm backend (set up by us or by direct tf calls). */
function wasmInitialised(): boolean {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm !== undefined;
}

/**
 * Makes wasm the active backend. The first time, it starts it with the thread
 * count from `threads` (a user value from useBackend or the command line),
 * else TENSORCELL_THREADS, else the default; bad values throw a one-line
 * ThreadCountError and counts over 8 are clamped with a stderr note. Once
 * started, it only switches back to it, and an explicit `threads` that differs
 * from the running count throws an error saying a kernel restart is needed.
 */
export async function startWasm(wasmPackage: WasmPackage, threads?: unknown, source = "threads"): Promise<void> {
  if (wasmInitialised()) {
    const running = started?.threads ?? wasmPackage.getThreadsCount();
    if (threads !== undefined) {
      const wanted = resolveThreadRequest(threads, source).threads;
      if (wanted !== running) {
        throw new ThreadCountChangeError(
          `The wasm backend already runs with ${running} thread${running === 1 ? "" : "s"} and its thread count is fixed once it starts: ` +
            `restart the kernel with TENSORCELL_THREADS=${wanted} (or tensorcell kernel --threads ${wanted}) to use ${wanted}.`,
        );
      }
    }
    if (!(await tf.setBackend("wasm"))) throw new Error("tfjs could not switch back to the wasm backend (see the warning above)");
    return;
  }
  const request = resolveThreadRequest(threads, source);
  const notes: string[] = [];
  if (request.note) {
    notes.push(request.note);
    process.stderr.write(`tensorcell: ${request.note}.\n`);
  }
  started = { threads: await startWithThreads(wasmPackage, request, notes), notes };
}

async function startWithThreads(wasmPackage: WasmPackage, request: ThreadRequest, notes: string[]): Promise<number> {
  if (request.threads > 1) {
    try {
      const threads = await startThreadedWasm(wasmPackage, request.threads);
      if (threads > 1) trackKernelsForRecovery(threads);
      return threads;
    } catch (error) {
      if (!(error instanceof ThreadedStartError)) throw error;
      const why = `the threaded wasm build could not start (${error.message}), so wasm runs on 1 thread`;
      notes.push(why);
      process.stderr.write(`tensorcell: ${why}.\n`);
    }
  }
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
  if (!(await tf.setBackend("wasm"))) throw new Error("tfjs could not initialise the 'wasm' backend (see the warning above)");
  return 1;
}

/** Threads the wasm backend computes with (1 until it has started). */
export function wasmThreadCount(): number {
  return started?.threads ?? 1;
}

/** Notes about the thread count for the banner: a clamped request, or why threads are off. */
export function wasmThreadNotes(): string[] {
  return [...(started?.notes ?? [])];
}
