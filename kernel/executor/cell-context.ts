/**
 * Which cell a piece of running code belongs to. Output from timers and async
 * work is parented to the cell that started it, never to whichever cell is
 * running when it fires (a known failure of other JavaScript kernels).
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** The execution of one cell and everything it started. */
export interface CellContext {
  /** The execute_request header: outputs carry it as parent_header. */
  parent: Record<string, unknown>;
  /** Silent requests publish nothing, their output included. */
  silent: boolean;
  /** Whether the frontend accepts input_request for this cell. */
  allowStdin: boolean;
  /** Set when the cell was interrupted: its pending timers are cleared and never fire. */
  cancelled: boolean;
  /** Timers the cell (or code it started) scheduled and that have not fired yet. */
  timers: Set<{ clear(): void }>;
  /** Run when the cell is interrupted (e.g. to release a model whose fit() will never finish). */
  stopHooks: Set<() => void>;
}

/** Carries the CellContext through callbacks, promises and timers. */
export const cellStorage = new AsyncLocalStorage<CellContext>();

let latest: CellContext | undefined;

/** The context of the code running now, or of the last cell when no cell context is active. */
export function currentCell(): CellContext | undefined {
  return cellStorage.getStore() ?? latest;
}

/** Creates the context for a new cell and makes it the fallback for orphan output. */
export function newCellContext(parent: Record<string, unknown>, options: { silent: boolean; allowStdin: boolean }): CellContext {
  const cell: CellContext = { parent, ...options, cancelled: false, timers: new Set(), stopHooks: new Set() };
  if (!options.silent) latest = cell;
  return cell;
}
