/**
 * The pthread workers of tfjs-backend-wasm's threaded build, started from
 * Node's worker_threads. The emscripten glue starts each worker with
 * `new Worker(url)` where url is a blob: URL holding the package's
 * `wasmWorkerContents`, which worker_threads cannot load (and the shipped
 * `.worker.js` only exports that string, so a worker started from it never
 * reports `loaded`). While a shim is open, the global `Worker` is an adapter
 * that starts workers from that string written to a file in the temp folder
 * (TMPDIR), and gives the `load` message the path of the package's threaded
 * glue instead of the Blob of its source that a worker cannot import either.
 * Closing the shim removes the global and the file.
 */
import os from "node:os";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Worker as NodeWorker } from "node:worker_threads";

const require = createRequire(import.meta.url);

/** The threaded build could not start here; the message says why, in one line. */
export class ThreadedStartError extends Error {
  override name = "ThreadedStartError";
}

/** An open shim: the workers it started; settle() stops reporting their failures; close() undoes it. */
export interface PthreadWorkerShim {
  /** Every worker started while the shim was open. */
  readonly workers: Set<NodeWorker>;
  /** From now on worker errors go to the glue as usual (it rethrows them) instead of to onFailure. */
  settle(): void;
  /** Removes the global Worker and the worker file (settles first). Workers already loaded keep running. */
  close(): void;
}

/** Paths inside the installed @tensorflow/tfjs-backend-wasm (the copy tfjs loads, resolved from here). */
function threadedBuildFiles(): { glue: string; workerContents: string } {
  const wasmOut = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "..", "wasm-out");
  const worker = require(join(wasmOut, "tfjs-backend-wasm-threaded-simd.worker.js")) as { wasmWorkerContents?: unknown };
  if (typeof worker.wasmWorkerContents !== "string") throw new ThreadedStartError("the installed tfjs-backend-wasm has no pthread worker source (wasmWorkerContents)");
  return { glue: join(wasmOut, "tfjs-backend-wasm-threaded-simd.js"), workerContents: worker.wasmWorkerContents };
}

/** Writes the pthread worker script into a fresh folder under the temp folder (TMPDIR). */
function writeWorkerFile(contents: string): { dir: string; file: string } {
  try {
    const dir = mkdtempSync(join(os.tmpdir(), "tensorcell-wasm-"));
    const file = join(dir, "pthread-worker.cjs");
    // tfjs escapes newlines the same way before it makes its Blob: they sit inside string literals.
    writeFileSync(file, contents.replace(/\n/g, "\\n"));
    return { dir, file };
  } catch (error) {
    throw new ThreadedStartError(`cannot write the pthread worker file in ${os.tmpdir()} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); set TMPDIR to a writable folder`);
  }
}

/** A global `Worker` that the glue cannot overwrite (it assigns worker_threads' own); returns the undo. */
function provideWorker(adapter: unknown): () => void {
  const previous = Object.getOwnPropertyDescriptor(globalThis, "Worker");
  Object.defineProperty(globalThis, "Worker", { get: () => adapter, set: () => {}, configurable: true, enumerable: false });
  return () => {
    if (previous) Object.defineProperty(globalThis, "Worker", previous);
    else delete (globalThis as { Worker?: unknown }).Worker;
  };
}

/**
 * Opens the shim: writes the worker file and installs the global Worker
 * adapter. Until settle(), a worker that fails or exits is passed to
 * `onFailure` (the glue would throw it from the event, which ends the process).
 */
export function openPthreadWorkerShim(onFailure: (error: ThreadedStartError) => void): PthreadWorkerShim {
  const { glue, workerContents } = threadedBuildFiles();
  const workerFile = writeWorkerFile(workerContents);
  const workers = new Set<NodeWorker>();
  let loading = true;

  class PthreadWorker extends NodeWorker {
    constructor(url: string | URL) {
      const source = String(url);
      if (source.startsWith("blob:")) URL.revokeObjectURL(source);
      super(source.startsWith("blob:") ? workerFile.file : url);
      workers.add(this);
    }
    override postMessage(message: unknown, transfer?: Parameters<NodeWorker["postMessage"]>[1]): void {
      const load = message as { cmd?: string; urlOrBlob?: unknown } | null;
      super.postMessage(load?.cmd === "load" && typeof load.urlOrBlob !== "string" ? { ...load, urlOrBlob: glue } : message, transfer);
    }
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (loading && event === "error") {
        onFailure(new ThreadedStartError(`a pthread worker failed: ${firstLine(args[0])}`));
        return true;
      }
      if (loading && event === "exit") onFailure(new ThreadedStartError(`a pthread worker exited with code ${String(args[0])} while loading`));
      return super.emit(event, ...args);
    }
  }

  const removeGlobal = provideWorker(PthreadWorker);
  let closed = false;
  return {
    workers,
    settle: () => {
      loading = false;
    },
    close: () => {
      loading = false;
      if (closed) return;
      closed = true;
      removeGlobal();
      rmSync(workerFile.dir, { recursive: true, force: true });
    },
  };
}

/** The first line of an error (or anything thrown), without a leading "Error: ". */
export function firstLine(value: unknown): string {
  const text = value instanceof Error ? value.message : typeof value === "object" && value && "message" in value ? String((value as { message: unknown }).message) : String(value);
  return text.split("\n")[0]!.trim().replace(/^Error: /, "");
}
