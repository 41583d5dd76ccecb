/**
 * The kernel thread's handle on the language worker. The worker starts on the
 * first complete / inspect / check / warmUp request, never at construction, so
 * kernel start-up and the first cell pay nothing. Executed cells recorded
 * before that are kept and replayed into the worker when it starts (and again
 * if it ever dies and is restarted).
 *
 * Every request has an id and a timeout: an answer that takes longer than
 * `timeoutMs` resolves with an empty answer instead of holding the kernel's
 * reply; a late answer is dropped. The worker is unref'd, so it never keeps
 * the kernel process alive, and `close()` terminates it.
 */
import { Worker } from "node:worker_threads";
import { locateWorker } from "./worker-path.js";
import { mergeRuntimeNames, type RuntimeNames } from "./runtime-names.js";
import {
  emptyCompletion,
  emptyInspect,
  type CellDiagnostic,
  type CompletionReply,
  type InspectReply,
  type ServiceCompletion,
  type WorkerRequest,
  type WorkerResponse,
  type WorkerStartData,
} from "./protocol.js";

export type { RuntimeNames } from "./runtime-names.js";
export type { CompletionReply, InspectReply, CellDiagnostic, CompletionTypeInfo } from "./protocol.js";

/** Options of a LanguageClient. */
export interface LanguageClientOptions {
  /** A request not answered within this many milliseconds resolves empty. Default 5000. */
  timeoutMs?: number;
  /** Runtime names merged into completions where static types know nothing (see RuntimeNames). */
  runtimeNames?: RuntimeNames;
  /** The worker script to run instead of the located one (tests, benchmarks). */
  workerFile?: string;
  /** Preloaded globals and their type expressions, replacing the default set (PRELOADED_GLOBALS in project.ts). */
  globals?: Record<string, string>;
  /**
   * Compiler options over the defaults (strict, noImplicitAny off), e.g.
   * `{ noImplicitAny: true }` for a course that wants every parameter typed.
   */
  compilerOptions?: Record<string, unknown>;
}

type Pending = { resolve: (response: WorkerResponse | undefined) => void; timer: NodeJS.Timeout };

/** Completion, inspect and type checking for one kernel session, answered by a lazily started worker thread. */
export class LanguageClient {
  private worker: Promise<Worker> | undefined;
  /** The started worker; set in the same tick as the replay of executed cells, so none is sent twice or lost. */
  private liveWorker: Worker | undefined;
  private readonly executed: string[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private readonly timeoutMs: number;
  private runtimeNames: RuntimeNames | undefined;

  constructor(private readonly options: LanguageClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.runtimeNames = options.runtimeNames;
  }

  /** True once the worker has been asked to start. */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /** Replaces the runtime names hook (or removes it with undefined). */
  setRuntimeNames(runtimeNames: RuntimeNames | undefined): void {
    this.runtimeNames = runtimeNames;
  }

  /** Records a cell the kernel executed (cheap: a message, or a buffered string while the worker is not started). */
  recordExecuted(code: string): void {
    if (this.closed) return;
    this.executed.push(code);
    this.liveWorker?.postMessage({ method: "recordExecuted", code } satisfies WorkerRequest);
  }

  /** Forgets the executed cells (call after a kernel restart). */
  reset(): void {
    this.executed.length = 0;
    this.liveWorker?.postMessage({ method: "reset" } satisfies WorkerRequest);
  }

  /** Completions at `cursorPos` (JS string offset in `code`), with runtime names merged in. */
  async complete(code: string, cursorPos: number): Promise<CompletionReply> {
    const result = await this.request<ServiceCompletion>({ method: "complete", code, cursorPos });
    return result ? mergeRuntimeNames(result, this.runtimeNames) : emptyCompletion(cursorPos);
  }

  /** Signature, type and JSDoc for the name at `cursorPos`; detail 1 adds overloads and the declaration. */
  async inspect(code: string, cursorPos: number, detailLevel: 0 | 1 = 0): Promise<InspectReply> {
    return (await this.request<InspectReply>({ method: "inspect", code, cursorPos, detailLevel })) ?? emptyInspect();
  }

  /** Type errors of `code` as if it ran next (cell-relative 1-based line:column); [] on timeout. */
  async check(code: string): Promise<CellDiagnostic[]> {
    return (await this.request<CellDiagnostic[]>({ method: "check", code })) ?? [];
  }

  /** Starts the worker and builds the program now (e.g. when the kernel is idle), so the first completion is fast. */
  async warmUp(): Promise<void> {
    await this.request<null>({ method: "warmUp" });
  }

  /** Stops the worker; later requests answer empty. */
  async close(): Promise<void> {
    this.closed = true;
    const starting = this.worker;
    this.worker = undefined;
    this.liveWorker = undefined;
    for (const [id, pending] of this.pending) this.settle(id, pending, undefined);
    // A worker that failed to start was already reported by request(); there is nothing to stop then.
    const worker = starting ? await starting.catch(() => undefined) : undefined;
    await worker?.terminate();
  }

  private async request<T>(message: DistributiveOmit<Exclude<WorkerRequest, { id?: undefined }>, "id">): Promise<T | undefined> {
    if (this.closed) return undefined;
    const id = this.nextId++;
    const answer = new Promise<WorkerResponse | undefined>((resolve) => {
      const timer = setTimeout(() => this.settle(id, this.pending.get(id), undefined), this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, timer });
    });
    try {
      const worker = await this.ensureWorker();
      worker.postMessage({ ...message, id } as WorkerRequest);
    } catch (error) {
      // Closing while the worker starts is a normal shutdown, not a failure to report.
      if (!this.closed) console.error("tensorcell language worker could not start:", error);
      this.settle(id, this.pending.get(id), undefined);
    }
    const response = await answer;
    if (!response) return undefined;
    if (!response.ok) {
      console.error(`tensorcell language worker failed on ${message.method}:`, response.error);
      return undefined;
    }
    return response.result as T;
  }

  private settle(id: number, pending: Pending | undefined, response: WorkerResponse | undefined): void {
    if (!pending) return;
    clearTimeout(pending.timer);
    this.pending.delete(id);
    pending.resolve(response);
  }

  private ensureWorker(): Promise<Worker> {
    this.worker ??= this.startWorker();
    return this.worker;
  }

  private async startWorker(): Promise<Worker> {
    const location = await locateWorker(this.options.workerFile);
    const workerData: WorkerStartData = {
      kernelRoot: location.kernelRoot,
      cacheDir: location.cacheDir,
      globals: this.options.globals,
      compilerOptions: this.options.compilerOptions,
    };
    const worker = new Worker(location.file, { workerData });
    worker.unref();
    worker.on("message", (response: WorkerResponse) => this.settle(response.id, this.pending.get(response.id), response));
    const lost = (reason: string) => {
      if (this.liveWorker !== worker) return;
      // The next request starts a fresh worker and replays the executed cells.
      console.error(`tensorcell language worker stopped (${reason}); it restarts on the next request.`);
      this.worker = undefined;
      this.liveWorker = undefined;
      for (const [id, pending] of this.pending) this.settle(id, pending, undefined);
    };
    worker.on("error", (error) => lost(String(error)));
    worker.on("exit", (code) => lost(`exit code ${code}`));
    if (this.closed) {
      await worker.terminate();
      throw new Error("the language client was closed while its worker started");
    }
    for (const code of this.executed) worker.postMessage({ method: "recordExecuted", code } satisfies WorkerRequest);
    this.liveWorker = worker;
    return worker;
  }
}

/** Omit applied to each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
