/**
 * The kernel process's main thread: starts the io thread (sockets), runs
 * requests it forwards, one at a time, and loads the library in the
 * background so the first kernel_info_reply does not wait for TensorFlow.js.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { readConnectionFile } from "./channels/connection.js";
import type { ForwardedRequest, IoWorkerData, Outgoing, ToIo, ToMain } from "./channels/thread-messages.js";
import { loadLibrary, plainFormatter, type LoadedLibrary } from "./bridge.js";
import { installCellTimers } from "./executor/timers.js";
import { currentCell } from "./executor/cell-context.js";
import { StreamCapture } from "./executor/streams.js";
import { InterruptFlag } from "./executor/interrupt.js";
import { Executor, RUNTIME_GLOBAL, type Formatter } from "./executor/executor.js";
import { createCellRequire, createImporter } from "./executor/modules.js";
import { installProcessGuards } from "./executor/guards.js";
import { CommManager } from "./handlers/comm.js";
import type { Handler, RequestContext } from "./handlers/context.js";
import { executeHandler } from "./handlers/execute.js";
import { History, historyHandler } from "./handlers/history.js";
import { isCompleteHandler } from "./handlers/is-complete.js";
import { completeHandler, describeAt, inspectHandler, type TypeAssist } from "./handlers/assist.js";
import { kernelInfoContent, type BackendSummary } from "./handlers/kernel-info.js";
import { replyType } from "./wire/message.js";

/** Options of `tensorcell kernel`. */
export interface KernelOptions {
  /** Backend name or "auto"; default TENSORCELL_BACKEND or auto. */
  backend?: string;
}

/** The parent header for output that is not tied to a request: the running or last cell's. */
function currentParent(): Record<string, unknown> {
  return currentCell()?.parent ?? {};
}

/** The directory of the running bundle (dist/), where lib.js and the workers live. */
const kernelDir = dirname(fileURLToPath(import.meta.url));

function readVersions(): { tensorcell: string; typescript: string } {
  const require = createRequire(import.meta.url);
  const own = JSON.parse(readFileSync(join(kernelDir, "..", "package.json"), "utf8")) as { version: string };
  let typescript = "5";
  try {
    typescript = (require("typescript/package.json") as { version: string }).version;
  } catch {
    // typescript is only needed for editor assistance; the language version stays "5".
  }
  return { tensorcell: own.version, typescript };
}

/** Runs the kernel until a shutdown_request; resolves never (the process exits). */
export async function runKernel(connectionFile: string, options: KernelOptions = {}): Promise<void> {
  const connection = readConnectionFile(connectionFile);
  const interruptBuffer = new SharedArrayBuffer(4);
  const flag = new InterruptFlag(interruptBuffer);
  const versions = readVersions();
  const preference = options.backend ?? process.env.TENSORCELL_BACKEND ?? "auto";
  const initialBackend: BackendSummary = { name: preference === "auto" ? "loading" : preference, reason: `requested ${preference}, TensorFlow.js is loading` };
  const workerData: IoWorkerData = {
    connection,
    interruptFlag: interruptBuffer,
    kernelInfo: kernelInfoContent(versions, initialBackend),
    session: randomUUID(),
  };
  const io = new Worker(new URL("./io-worker.js", import.meta.url), { workerData });
  const toIo = (message: ToIo) => io.postMessage(message);

  const realSetImmediate = globalThis.setImmediate;
  const streams = new StreamCapture((msgType, content, parent) => publish(msgType, content, parent), realSetImmediate);
  const log = streams.kernelLog;
  function publish(msgType: string, content: Record<string, unknown>, parent: Record<string, unknown>, extra?: Partial<Outgoing>): void {
    if (msgType !== "stream") streams.flush();
    toIo({ type: "iopub", message: { msg_type: msgType, content, parent_header: parent, ...extra } });
  }

  const reportBackground = (error: unknown, parent: Record<string, unknown>) => {
    const report = executor.describe(error);
    const text = [`Error in background work of this cell (after it finished, or from a timer):`, ...report.traceback].join("\n");
    publish("stream", { name: "stderr", text: `${text}\n` }, parent);
  };
  const cancelTimers = installCellTimers((error, cell) => reportBackground(error, cell?.parent ?? {}));

  let library: LoadedLibrary | undefined;
  let formatter: Formatter = plainFormatter;
  const comms = new CommManager((msgType, content) => publish(msgType, content, currentParent()), log);
  let pendingInput: ((value: string) => void) | undefined;

  const libraryReady = loadLibrary(
    kernelDir,
    {
      publish,
      requestInput: (prompt, password, parent) =>
        new Promise<string>((resolve) => {
          streams.flush();
          pendingInput = resolve;
          toIo({ type: "input_request", prompt, password, parent_header: parent });
        }),
      comms,
      interrupted: () => flag.raised,
      log,
    },
    preference,
  ).then(
    (loaded) => {
      library = loaded;
      formatter = loaded.formatter;
      executor.settleOutputs = loaded.settleDisplays;
      if (loaded.backend) toIo({ type: "kernel_info", content: kernelInfoContent(versions, loaded.backend) });
    },
    (error: Error) => log(`the library failed to load; cells run without it: ${error.stack ?? error.message}`),
  );

  const executor = new Executor(
    { publish },
    flag,
    (value) => formatter(value),
    cancelTimers,
    kernelDir,
    () => libraryReady,
  );
  const importer = createImporter(pathToFileURL(join(kernelDir, "cli.js")).href, {
    tensorcell: async () => {
      await libraryReady;
      return library?.module ?? {};
    },
  });
  Object.defineProperty(globalThis, RUNTIME_GLOBAL, {
    value: Object.freeze({ tick: flag.check, import: importer }),
    enumerable: false,
    writable: false,
    configurable: false,
  });
  Object.defineProperty(globalThis, "require", { value: createCellRequire(pathToFileURL(join(kernelDir, "cli.js")).href), writable: true, configurable: true });
  installProcessGuards({
    log,
    reportBackground,
    currentParent,
    onSigint: () => {
      flag.raise();
      executor.interrupt();
    },
  });

  const history = new History();
  let typeAssist: TypeAssist | undefined;
  const handlers: Record<string, Handler> = {
    execute_request: executeHandler(executor, history, (name, detail) => describeAt(typeAssist, name, name.length, detail)),
    complete_request: completeHandler(() => typeAssist),
    inspect_request: inspectHandler(() => typeAssist),
    is_complete_request: isCompleteHandler,
    history_request: historyHandler(history),
    ...comms.handlers(),
  };

  async function handle(request: ForwardedRequest): Promise<void> {
    let reply: Outgoing | undefined;
    const context: RequestContext = {
      request,
      reply: (content, metadata) => {
        reply = { msg_type: replyType(request.header.msg_type), content, parent_header: request.header, metadata };
      },
      publish: (msgType, content) => publish(msgType, content, request.header),
    };
    let abortQueued = false;
    const handler = handlers[request.header.msg_type];
    try {
      if (handler) abortQueued = Boolean((await handler(context))?.abortQueued);
      else log(`unknown message type on shell: ${request.header.msg_type} (ignored)`);
    } catch (error) {
      log(`error while handling ${request.header.msg_type}: ${(error as Error).stack ?? String(error)}`);
    }
    streams.flush();
    toIo({ type: "done", reply, abortQueued });
  }

  await new Promise<void>((resolve, reject) => {
    io.on("error", reject);
    io.on("message", (message: ToMain) => {
      switch (message.type) {
        case "ready":
          resolve();
          break;
        case "fatal":
          reject(new KernelStartError(message.message));
          break;
        case "request":
          void handle(message.request);
          break;
        case "interrupt":
          executor.interrupt();
          break;
        case "input_reply":
          pendingInput?.(message.value);
          pendingInput = undefined;
          break;
        case "shutdown":
          toIo({ type: "close" });
          break;
        case "closed":
          exitKernel(0);
          break;
      }
    });
  });
}

/** A start-up problem (e.g. a port in use); the CLI prints it as one line. */
export class KernelStartError extends Error {
  override name = "KernelStartError";
}

const realExit = process.exit.bind(process);
function exitKernel(code: number): never {
  return realExit(code);
}
