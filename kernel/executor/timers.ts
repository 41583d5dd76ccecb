/**
 * Timer bookkeeping per cell, so an interrupted cell's timers (and training
 * loops that yield through setImmediate/setTimeout, like tfjs's fit) stop
 * instead of running on behind the user's back. Installed once, before the
 * library loads, because tfjs captures setImmediate when its module loads.
 */
import { cellStorage, type CellContext } from "./cell-context.js";

/** Reports an exception thrown by a timer callback of the given cell. */
export type BackgroundErrorReporter = (error: unknown, cell: CellContext | undefined) => void;

type AnyFunction = (...args: unknown[]) => unknown;

/** Wraps the global timer functions; returns a function that stops a cell: clears its timers, runs its stop hooks. */
export function installCellTimers(report: BackgroundErrorReporter): (cell: CellContext) => void {
  const original = {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    setImmediate: globalThis.setImmediate,
    clearTimeout: globalThis.clearTimeout,
    clearInterval: globalThis.clearInterval,
    clearImmediate: globalThis.clearImmediate,
  };

  function wrap<H>(
    schedule: (callback: AnyFunction, ...rest: unknown[]) => H,
    clear: (handle: H) => void,
    repeats: boolean,
  ) {
    return function scheduled(callback: unknown, ...rest: unknown[]): H {
      const cell = cellStorage.getStore();
      if (typeof callback !== "function" || !cell) return schedule(callback as AnyFunction, ...rest);
      const entry = { clear: () => clear(handle) };
      const run = (...args: unknown[]) => {
        if (cell.cancelled) return;
        if (!repeats) cell.timers.delete(entry);
        try {
          (callback as AnyFunction)(...args);
        } catch (error) {
          report(error, cell);
        }
      };
      const handle = schedule(run, ...rest);
      cell.timers.add(entry);
      return handle;
    };
  }

  // Node's timer functions carry extra properties (util.promisify.custom); keep them.
  const replace = (name: "setTimeout" | "setInterval" | "setImmediate", wrapped: AnyFunction) => {
    Object.assign(wrapped, original[name]);
    (globalThis as Record<string, unknown>)[name] = wrapped;
  };
  replace("setTimeout", wrap(original.setTimeout as never, original.clearTimeout as never, false) as AnyFunction);
  replace("setInterval", wrap(original.setInterval as never, original.clearInterval as never, true) as AnyFunction);
  replace("setImmediate", wrap(original.setImmediate as never, original.clearImmediate as never, false) as AnyFunction);

  return (cell: CellContext) => {
    cell.cancelled = true;
    for (const timer of cell.timers) timer.clear();
    cell.timers.clear();
    for (const hook of cell.stopHooks) hook();
    cell.stopHooks.clear();
  };
}
