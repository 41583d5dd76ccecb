/**
 * Keeps the kernel alive through what cells and libraries do to the process:
 * process.exit() is reported as an error instead of ending the session, and
 * exceptions from timers or unhandled rejections go to the cell's output.
 *
 * Third-party code may add its own process-wide handlers: both wasm builds of
 * tfjs (emscripten glue) add an `unhandledRejection` handler that rethrows and
 * an `uncaughtException` handler that rethrows, which aborts the process. So
 * every handler for those two events that is not the kernel's own is wrapped
 * when it is added: it still runs, but what it throws is reported to the cell
 * (or dropped, when it merely rethrows the error being handled, which the
 * kernel has already reported) instead of taking the kernel down.
 */

/** process.exit() called by a cell; the kernel keeps running. */
export class ProcessExitError extends Error {
  constructor(code: unknown) {
    super(
      `process.exit(${code === undefined ? "" : String(code)}) was called; the kernel kept running and your variables are intact. ` +
        `Use the frontend's Restart command to restart the kernel.`,
    );
    this.name = "ProcessExit";
  }
}

/** What the guards report to. */
export interface GuardOptions {
  log(line: string): void;
  reportBackground(error: unknown, parent: Record<string, unknown>): void;
  currentParent(): Record<string, unknown>;
  /** SIGINT from a frontend that signals (interrupt_mode "signal") while no cell code blocks. */
  onSigint(): void;
}

/** The process events whose handlers could otherwise end the kernel by throwing. */
const GUARDED_EVENTS = new Set<string | symbol>(["uncaughtException", "unhandledRejection"]);

type Listener = (...args: unknown[]) => void;

/** Installs the process-level guards once per kernel process. */
export function installProcessGuards(options: GuardOptions): void {
  Object.defineProperty(process, "exit", {
    value: (code?: unknown) => {
      throw new ProcessExitError(code);
    },
    writable: true,
    configurable: true,
  });
  const report = (error: unknown) => options.reportBackground(error, options.currentParent());
  const own = new Set<Listener>([report]);
  process.on("uncaughtException", report);
  process.on("unhandledRejection", report);
  guardForeignHandlers(own, report);
  // While cell code runs synchronously, vm's breakOnSigint handles SIGINT; otherwise this does.
  process.on("SIGINT", () => options.onSigint());
}

/**
 * Wraps every uncaughtException/unhandledRejection handler added from now on
 * (and any added before) so that a throw inside it is reported, not fatal;
 * removeListener/off accept the original function; removeAllListeners for
 * these events keeps the kernel's own handlers.
 */
function guardForeignHandlers(own: Set<Listener>, report: (error: unknown) => void): void {
  const wrappers = new WeakMap<Listener, Listener>();
  const wrap = (listener: Listener): Listener => {
    if (own.has(listener)) return listener;
    let wrapper = wrappers.get(listener);
    if (!wrapper) {
      wrapper = function guardedProcessHandler(this: unknown, handled: unknown, ...rest: unknown[]) {
        try {
          listener.call(this, handled, ...rest);
        } catch (thrown) {
          if (thrown !== handled) report(thrown);
        }
      };
      wrappers.set(listener, wrapper);
    }
    return wrapper;
  };
  const target = process as unknown as Record<string, (event: string | symbol, listener: Listener) => NodeJS.Process>;
  for (const method of ["on", "addListener", "once", "prependListener", "prependOnceListener"]) {
    const original = target[method].bind(process);
    target[method] = (event, listener) => original(event, GUARDED_EVENTS.has(event) && typeof listener === "function" ? wrap(listener) : listener);
  }
  for (const method of ["removeListener", "off"]) {
    const original = target[method].bind(process);
    target[method] = (event, listener) => original(event, (GUARDED_EVENTS.has(event) && wrappers.get(listener)) || listener);
  }
  const removeAll = process.removeAllListeners.bind(process);
  process.removeAllListeners = (event?: string | symbol) => {
    if (event === undefined || GUARDED_EVENTS.has(event)) {
      for (const name of event === undefined ? GUARDED_EVENTS : [event]) {
        for (const listener of process.listeners(name as "uncaughtException") as Listener[]) {
          if (!own.has(listener)) process.removeListener(name as "uncaughtException", listener);
        }
      }
      if (event !== undefined) return process;
      for (const name of process.eventNames()) if (!GUARDED_EVENTS.has(name)) removeAll(name);
      return process;
    }
    return removeAll(event);
  };
  // Handlers added before the guards (none today, but a preload could add some).
  for (const name of GUARDED_EVENTS) {
    for (const listener of process.listeners(name as "uncaughtException") as Listener[]) {
      if (own.has(listener)) continue;
      process.removeListener(name as "uncaughtException", listener);
      process.on(name as "uncaughtException", wrap(listener));
    }
  }
}
