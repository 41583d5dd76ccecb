/**
 * The one place where the kernel meets the library (lib/, bundled as
 * dist/lib.js): it loads the library after the sockets are up, installs the
 * host that turns display/input/comm calls into messages for the right cell,
 * and puts the preloaded names on globalThis. The library never sees ZeroMQ.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { cellStorage, currentCell, type CellContext } from "./executor/cell-context.js";
import type { Formatter } from "./executor/executor.js";
import type { CommCallbacks, CommManager, OpenComm, PublishExtra } from "./handlers/comm.js";

/** What the kernel needs from the loaded library. */
export interface LoadedLibrary {
  /** The module namespace, served to cells for `import ... from "tensorcell"`. */
  module: Record<string, unknown>;
  formatter: Formatter;
  /** Resolves once every display a cell started has been published (before its reply). */
  settleDisplays: () => Promise<void>;
  /** Repairs the library's state after SIGINT terminated a cell inside one of its ops. */
  afterTermination?: () => Promise<unknown>;
  /** Backend name, reason and wasm threads for the banner, after the backend was initialised. */
  backend?: { name: string; reason: string; threads?: number };
}

/** Kernel services the host needs. */
export interface BridgeServices {
  publish(msgType: string, content: Record<string, unknown>, parent: Record<string, unknown>, extra?: PublishExtra): void;
  requestInput(prompt: string, password: boolean, parent: Record<string, unknown>): Promise<string>;
  comms: CommManager;
  interrupted(): boolean;
  log(line: string): void;
  /** Kernel functions cells reach through the `tensorcell` global (e.g. typecheck). */
  kernelApi: Record<string, unknown>;
}

/** The preloaded globals every cell sees (also the language service's list). */
export const PRELOADED_NAMES = ["tf", "models", "data", "viz", "display", "seed", "useBackend", "backendInfo", "input", "widgets"] as const;

/** util.inspect formatting, used until (or if) the library's richer formatter is there. */
export const plainFormatter: Formatter = async (value) =>
  value === undefined ? undefined : { data: { "text/plain": inspect(value, { colors: false, depth: 4 }) }, metadata: {} };

/** Loads dist/lib.js, initialises the backend and preloads the globals. */
export async function loadLibrary(kernelDir: string, services: BridgeServices, backendPreference?: string, threads?: number): Promise<LoadedLibrary> {
  const file = join(kernelDir, "lib.js");
  if (!existsSync(file)) {
    services.log(`library not found at ${file}; cells run without the preloaded library (run npm run build)`);
    return { module: {}, formatter: plainFormatter, settleDisplays: async () => {} };
  }
  // A computed URL keeps the bundler from inlining the library (and tfjs) into the kernel's start-up path.
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  installHost(module, services);
  let backend: LoadedLibrary["backend"];
  const initBackend = module.initBackend as
    | ((preference?: string, options?: { threads?: number }) => Promise<{ name: string; reason: string; threads?: number }>)
    | undefined;
  if (initBackend) {
    const info = await initBackend(backendPreference, { threads });
    backend = { name: info.name, reason: info.reason, threads: info.threads };
  }
  for (const name of PRELOADED_NAMES) {
    if (name === "input") continue;
    if (module[name] !== undefined) defineGlobal(name, module[name]);
  }
  defineGlobal("input", (prompt = "", options?: { password?: boolean }) => hostInput(services, String(prompt), Boolean(options?.password)));
  defineGlobal("tensorcell", Object.freeze({ ...module, ...services.kernelApi }));
  const mimeBundle = module.mimeBundle as Formatter | undefined;
  const formatter: Formatter = mimeBundle
    ? async (value) => {
        try {
          return await mimeBundle(value);
        } catch (error) {
          services.log(`rich display failed, showing text: ${(error as Error).message}`);
          return plainFormatter(value);
        }
      }
    : plainFormatter;
  const flushDisplays = module.flushDisplays as (() => Promise<void>) | undefined;
  const afterTermination = module.recoverWasmThreads as (() => Promise<unknown>) | undefined;
  return { module, formatter, backend, afterTermination, settleDisplays: flushDisplays ?? (async () => {}) };
}

/** Preloaded names are writable (a cell may shadow them) but survive `delete`. */
function defineGlobal(name: string, value: unknown): void {
  Object.defineProperty(globalThis, name, { value, writable: true, enumerable: false, configurable: false });
}

function hostInput(services: BridgeServices, prompt: string, password: boolean): Promise<string> {
  const cell = currentCell();
  if (!cell || !cell.allowStdin) {
    return Promise.reject(new Error("input() is not available: this frontend does not accept input for this cell (allow_stdin is false)"));
  }
  return services.requestInput(prompt, password, cell.parent);
}

function installHost(module: Record<string, unknown>, services: BridgeServices): void {
  const setHost = module.setHost as ((host: unknown) => void) | undefined;
  if (!setHost) {
    services.log("the library exports no setHost: display(), input() and comms will print text instead of reaching the frontend");
    return;
  }
  setHost({
    display(message: { type: string; data?: unknown; metadata?: unknown; displayId?: string; wait?: boolean }) {
      const parent = currentCell()?.parent ?? {};
      if (message.type === "clear_output") return services.publish("clear_output", { wait: Boolean(message.wait) }, parent);
      const transient = message.displayId ? { display_id: message.displayId } : {};
      services.publish(message.type, { data: message.data, metadata: message.metadata ?? {}, transient }, parent);
    },
    input: (prompt: string, options?: { password?: boolean }) => hostInput(services, prompt, Boolean(options?.password)),
    registerCommTarget: (target: string, onOpen: (comm: OpenComm, data: unknown) => CommCallbacks | void) =>
      services.comms.registerTarget(target, (comm, data, parent) =>
        inMessageContext(services, runForMessage(services, parent, () => onOpen(comm, data)) ?? {})),
    openComm: (target: string, data: unknown, callbacks: CommCallbacks = {}, extra: PublishExtra = {}) =>
      services.comms.openComm(target, data, inMessageContext(services, callbacks), extra),
    interrupted: () => services.interrupted(),
    parentMessageId: () => {
      const id = currentCell()?.parent.msg_id;
      return typeof id === "string" ? id : undefined;
    },
    log: (line: string) => services.log(line),
    onCellStop(hook: () => void) {
      const cell = cellStorage.getStore();
      if (!cell) return () => {};
      cell.stopHooks.add(hook);
      return () => cell.stopHooks.delete(hook);
    },
  });
}

/**
 * Comm messages run outside any cell: their handlers (widget callbacks) run in a
 * context of their own whose parent is the comm_msg, so what they print or
 * display is parented to that message (where an Output widget that captures
 * for it picks it up), and an error they throw is logged, never fatal.
 */
function inMessageContext(services: BridgeServices, callbacks: CommCallbacks): CommCallbacks {
  const onMessage = callbacks.onMessage;
  if (!onMessage) return callbacks;
  return { ...callbacks, onMessage: (data, buffers, parent) => void runForMessage(services, parent, () => onMessage(data, buffers, parent)) };
}

/** Runs a comm handler in the context of the message it handles; a throw is logged (undefined returned). */
function runForMessage<T>(services: BridgeServices, parent: Record<string, unknown>, handler: () => T): T | undefined {
  const context: CellContext = { parent, silent: false, allowStdin: false, cancelled: false, timers: new Set(), stopHooks: new Set() };
  try {
    return cellStorage.run(context, handler);
  } catch (error) {
    services.log(`comm handler failed: ${(error as Error).stack ?? String(error)}`);
    return undefined;
  }
}
