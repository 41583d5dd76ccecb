/**
 * Runs cells: transform (esbuild + rewrite), evaluate in the kernel's realm,
 * await, and turn the outcome into Jupyter outputs. One persistent session.
 */
import { runInThisContext } from "node:vm";
import { cellStorage, newCellContext, type CellContext } from "./cell-context.js";
import { CellSources, reportError, type ErrorReport } from "./errors.js";
import { KeyboardInterrupt, type InterruptFlag } from "./interrupt.js";
import { CellSyntaxError, transformCell } from "./transform.js";

/** Turns a value into a MIME bundle; undefined shows nothing. */
export type Formatter = (value: unknown) => Promise<{ data: Record<string, unknown>; metadata: Record<string, unknown> } | undefined>;

/** Options of one execute_request, as the spec names them. */
export interface ExecuteOptions {
  parent: Record<string, unknown>;
  silent: boolean;
  storeHistory: boolean;
  allowStdin: boolean;
  userExpressions: Record<string, string>;
  /** Count and record the request but run nothing (IPython's `name?` help requests). */
  skipEvaluation?: boolean;
  /** The code as the frontend sent it, for execute_input (when directives were taken off `code`). */
  sentCode?: string;
  /** Runs after execute_input and before the cell; a throw fails the cell (strict type checking). */
  precheck?: () => Promise<void>;
}

/** What the execute handler needs to reply. */
export type ExecuteOutcome =
  | { status: "ok"; executionCount: number; userExpressions: Record<string, unknown> }
  | ({ status: "error"; executionCount: number } & ErrorReport);

/** Where the executor sends outputs. */
export interface ExecutorOutput {
  publish(msgType: string, content: Record<string, unknown>, parent: Record<string, unknown>): void;
}

/** The name cells use to reach the runtime object (tick, import). */
export const RUNTIME_GLOBAL = "__tensorcell";

/** vm's error for code that SIGINT terminated (breakOnSigint). */
function isTermination(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED";
}

/** One kernel session's cell runner. */
export class Executor {
  /** The count shown as In [n]; it counts requests with store_history, like IPython's. */
  executionCount = 0;
  private silentCount = 0;
  private running: { cell: CellContext; stop: (error: Error) => void } | undefined;
  readonly sources = new CellSources();
  /** Awaited after each cell, before its reply, so displays it started land in it. */
  settleOutputs: () => Promise<void> = async () => {};
  /**
   * Awaited after SIGINT terminated cell code mid-statement (vm's breakOnSigint),
   * before anything else runs: the library repairs what a termination inside
   * one of its ops can leave behind (the threaded wasm backend's thread pool).
   */
  afterTermination: () => Promise<unknown> = async () => {};

  constructor(
    private readonly output: ExecutorOutput,
    private readonly flag: InterruptFlag,
    private readonly formatter: Formatter,
    private readonly cancelTimers: (cell: CellContext) => void,
    private readonly kernelDir: string,
    /** Waits for the library (tfjs and friends) before the first cell runs. */
    private readonly ready: () => Promise<void>,
  ) {}

  /** Runs one cell to completion (including its awaited result). */
  async execute(code: string, options: ExecuteOptions): Promise<ExecuteOutcome> {
    const counts = !options.silent && options.storeHistory;
    if (counts) this.executionCount++;
    const executionCount = this.executionCount;
    if (!options.silent) {
      this.output.publish("execute_input", { code: options.sentCode ?? code, execution_count: executionCount }, options.parent);
    }
    const cell = newCellContext(options.parent, { silent: options.silent, allowStdin: options.allowStdin });
    const filename = options.silent ? `silent-${++this.silentCount}.ts` : `cell-${executionCount}.ts`;
    const label = options.silent ? "silent cell" : `In [${executionCount}]`;
    let stop!: (error: Error) => void;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    stopped.catch(() => {}); // settled through the races below
    this.running = { cell, stop };
    try {
      await Promise.race([this.ready(), stopped]);
      if (options.precheck) await options.precheck();
      const value = options.skipEvaluation ? undefined : await this.evaluate(code, filename, label, cell, stopped);
      if (value !== undefined && !options.silent) {
        const bundle = await this.formatter(value);
        if (bundle) this.output.publish("execute_result", { execution_count: executionCount, ...bundle }, options.parent);
      }
      await this.settleOutputs();
      const userExpressions = await this.evaluateUserExpressions(options.userExpressions);
      return { status: "ok", executionCount, userExpressions };
    } catch (error) {
      if (isTermination(error)) await this.afterTermination();
      // The shared flag can end a cell (its loop check throws) before the control thread's interrupt
      // message reaches interrupt(), which then finds no running cell: stop the cell's timers
      // and run its stop hooks here too, or its intervals and an interrupted fit would run on.
      if (error instanceof KeyboardInterrupt || isTermination(error)) this.cancelTimers(cell);
      const report = this.describe(error);
      if (!options.silent) this.output.publish("error", { ...report }, options.parent);
      return { status: "error", executionCount, ...report };
    } finally {
      this.running = undefined;
      if (cell.cancelled || this.flag.raised) this.flag.clear();
    }
  }

  /** Stops the running cell: its pending await rejects and its timers are cleared. */
  interrupt(): void {
    if (!this.running) {
      this.flag.clear(); // nothing to stop; do not let the flag hit the next cell
      return;
    }
    this.cancelTimers(this.running.cell);
    this.running.stop(new KeyboardInterrupt());
  }

  /** Formats anything thrown as a Jupyter error report. */
  describe(error: unknown): ErrorReport {
    // vm's breakOnSigint (SIGINT while cell code runs synchronously) throws its own error.
    if (isTermination(error)) error = new KeyboardInterrupt();
    if (error instanceof CellSyntaxError) {
      const pointer = `${" ".repeat(Math.max(0, error.column - 1))}^`;
      return {
        ename: "SyntaxError",
        evalue: `${error.message} (line ${error.line}, column ${error.column})`,
        traceback: [`\x1b[31mSyntaxError\x1b[0m: ${error.message}`, `  line ${error.line}, column ${error.column}:`, `    ${error.lineText}`, `    ${pointer}`],
      };
    }
    return reportError(error, this.sources, this.kernelDir);
  }

  private async evaluate(code: string, filename: string, label: string, cell: CellContext, stopped: Promise<never>): Promise<unknown> {
    const transformed = transformCell(code, { filename, runtime: RUNTIME_GLOBAL });
    this.sources.add(filename, label, code, transformed);
    if (this.flag.raised) throw new KeyboardInterrupt();
    const result = cellStorage.run(cell, () =>
      runInThisContext(transformed.code, { filename, breakOnSigint: !transformed.runsBriefly, displayErrors: false }),
    ) as { value: unknown } | undefined | Promise<{ value: unknown } | undefined>;
    const settled = await Promise.race([result, stopped]);
    if (!settled) return undefined;
    const value = settled.value;
    if (isThenable(value)) return Promise.race([value, stopped]);
    return value;
  }

  private async evaluateUserExpressions(expressions: Record<string, string>): Promise<Record<string, unknown>> {
    const results: Record<string, unknown> = {};
    for (const [name, expression] of Object.entries(expressions ?? {})) {
      try {
        const value = runInThisContext(`(${expression})`, { filename: "user_expression" });
        const bundle = await this.formatter(value);
        results[name] = { status: "ok", data: bundle?.data ?? { "text/plain": "undefined" }, metadata: bundle?.metadata ?? {} };
      } catch (error) {
        results[name] = { status: "error", ...this.describe(error) };
      }
    }
    return results;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}
