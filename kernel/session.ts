/**
 * A kernel session on the main thread: the executor, the handlers and the
 * library bridge. Loaded by kernel.ts once the sockets are up and the first
 * request was answered, so the first reply never waits for these modules (or
 * for TensorFlow.js, which loads after them).
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { RequestOutcome, ShellChannels } from "./channels/shell-channels.js";
import type { IncomingRequest, Outgoing, ToControl } from "./channels/thread-messages.js";
import { loadLibrary, plainFormatter, type LoadedLibrary } from "./bridge.js";
import { installCellTimers } from "./executor/timers.js";
import { currentCell } from "./executor/cell-context.js";
import { StreamCapture } from "./executor/streams.js";
import type { InterruptFlag } from "./executor/interrupt.js";
import { Executor, RUNTIME_GLOBAL, type Formatter } from "./executor/executor.js";
import { createCellRequire, createImporter } from "./executor/modules.js";
import { installProcessGuards } from "./executor/guards.js";
import { CommManager, type PublishExtra } from "./handlers/comm.js";
import type { Handler, RequestContext } from "./handlers/context.js";
import { executeHandler } from "./handlers/execute.js";
import { History, historyHandler } from "./handlers/history.js";
import { isCompleteHandler } from "./handlers/is-complete.js";
import { completeHandler, describeAt, inspectHandler, type TypeAssist } from "./handlers/assist.js";
import { kernelInfoContent } from "./handlers/kernel-info.js";
import { CellTypeChecking, parseTypeCheckMode, type TypeCheckMode } from "./handlers/typecheck.js";
import { LanguageClient } from "./language/client.js";
import { PRELOADED_GLOBALS } from "./language/project.js";
import { replyType } from "./wire/message.js";

/** The parent header for output that is not tied to a request: the running or last cell's. */
function currentParent(): Record<string, unknown> {
  return currentCell()?.parent ?? {};
}

/** What the session needs from the start-up code. */
export interface SessionOptions {
  /** Shell, iopub and stdin (this thread's sockets). */
  channels: ShellChannels;
  /** Posts to the control thread (kernel_info updates, close). */
  control: (message: ToControl) => void;
  flag: InterruptFlag;
  versions: { tensorcell: string; typescript: string };
  /** Backend name or "auto". */
  preference: string;
  /** wasm threads from the command line (undefined: TENSORCELL_THREADS or the default). */
  threads?: number;
  /** The directory of the running bundle (dist/), where lib.js lives. */
  kernelDir: string;
  /** Type checking before cells: off (default), warn, or strict. */
  typeCheck: TypeCheckMode;
  /** Ends the process (the kernel's own exit, not the one cells see). */
  exit(code: number): never;
}

/** A running session: it handles the shell requests; kernel.ts tells it about interrupts and shutdown. */
export interface Session {
  /** Starts loading the library (TensorFlow.js and the preloaded names). */
  loadLibrary(): void;
  /** An interrupt_request arrived (the shared flag is already raised). */
  interrupt(): void;
  /** Shutdown: stops the language service. */
  close(): Promise<void>;
  /** Writes one kernel log line (stderr is captured for cells). */
  log(line: string): void;
}

/** Sets up the executor, handlers and bridge for one kernel process. */
export function startSession(options: SessionOptions): Session {
  const { channels, flag, versions, preference, kernelDir } = options;
  let startLibrary: () => void = () => {};
  const libraryStarted = new Promise<void>((resolve) => (startLibrary = resolve));
  /** Kernel functions added to the `tensorcell` global once the library loads. */
  const libraryGlobals: Record<string, unknown> = {};

  const realSetImmediate = globalThis.setImmediate;
  const streams = new StreamCapture((msgType, content, parent) => publish(msgType, content, parent), realSetImmediate);
  const log = streams.kernelLog;
  function publish(msgType: string, content: Record<string, unknown>, parent: Record<string, unknown>, extra?: PublishExtra): void {
    if (msgType !== "stream") streams.flush();
    channels.publish({ msg_type: msgType, content, parent_header: parent, ...extra });
  }

  const reportBackground = (error: unknown, parent: Record<string, unknown>) => {
    const report = executor.describe(error);
    const text = [`Error in background work of this cell (after it finished, or from a timer):`, ...report.traceback].join("\n");
    publish("stream", { name: "stderr", text: `${text}\n` }, parent);
  };
  const cancelTimers = installCellTimers((error, cell) => reportBackground(error, cell?.parent ?? {}));

  let library: LoadedLibrary | undefined;
  let formatter: Formatter = plainFormatter;
  const comms = new CommManager((msgType, content, extra) => publish(msgType, content, currentParent(), extra), log);

  const libraryReady = libraryStarted.then(() => loadLibrary(
    kernelDir,
    {
      publish,
      requestInput: (prompt, password, parent) => {
        streams.flush();
        return channels.requestInput(prompt, password, parent);
      },
      comms,
      interrupted: () => flag.raised,
      log,
      kernelApi: libraryGlobals,
    },
    preference,
    options.threads,
  ).then(
    (loaded) => {
      library = loaded;
      formatter = loaded.formatter;
      executor.settleOutputs = loaded.settleDisplays;
      if (loaded.afterTermination) executor.afterTermination = loaded.afterTermination;
      if (loaded.backend) {
        const content = kernelInfoContent(versions, loaded.backend);
        channels.kernelInfo = content;
        options.control({ type: "kernel_info", content });
      }
    },
    (error: Error) => log(`the library failed to load; cells run without it: ${error.stack ?? error.message}`),
  ));

  const executor = new Executor(
    { publish },
    flag,
    (value) => formatter(value),
    cancelTimers,
    kernelDir,
    () => libraryReady,
  );
  // Cells resolve packages relative to the kernel's entry point after the working directory.
  const kernelUrl = pathToFileURL(join(kernelDir, "cli.js")).href;
  const importer = createImporter(kernelUrl, {
    tensorcell: async () => {
      await libraryReady;
      return library?.module ?? {};
    },
  });
  Object.defineProperty(globalThis, RUNTIME_GLOBAL, {
    value: Object.freeze({ tick: flag.check, import: importer, keep: () => undefined }),
    enumerable: false,
    writable: false,
    configurable: false,
  });
  Object.defineProperty(globalThis, "require", { value: createCellRequire(kernelUrl), writable: true, configurable: true });
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
  // The language service starts in its own worker on the first request that needs it.
  const language = new LanguageClient({
    globals: { ...PRELOADED_GLOBALS, tensorcell: `typeof import("tensorcell") & { typecheck(mode: boolean | "strict"): void }` },
  });
  const typeAssist: TypeAssist = language;
  const typeChecking = new CellTypeChecking(options.typeCheck, () => language);
  libraryGlobals.typecheck = (mode: unknown) => {
    typeChecking.mode = parseTypeCheckMode(mode);
  };
  const handlers: Record<string, Handler> = {
    execute_request: executeHandler(executor, history, {
      help: (name, detail) => describeAt(typeAssist, name, name.length, detail),
      typeChecking,
      onExecuted: (code) => language.recordExecuted(code),
    }),
    complete_request: completeHandler(() => typeAssist),
    inspect_request: inspectHandler(() => typeAssist),
    is_complete_request: isCompleteHandler,
    history_request: historyHandler(history),
    ...comms.handlers(),
  };

  async function handle(request: IncomingRequest): Promise<RequestOutcome> {
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
    return { reply, abortQueued };
  }
  channels.setHandler(handle);

  return {
    loadLibrary: () => startLibrary(),
    interrupt: () => executor.interrupt(),
    close: () => language.close(),
    log,
  };
}
