/**
 * Keeps the kernel alive through what cells do to the process: process.exit()
 * is reported as an error instead of ending the session, and exceptions from
 * timers or unhandled rejections after a cell ended go to that cell's output.
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

/** Installs the process-level guards once per kernel process. */
export function installProcessGuards(options: GuardOptions): void {
  Object.defineProperty(process, "exit", {
    value: (code?: unknown) => {
      throw new ProcessExitError(code);
    },
    writable: true,
    configurable: true,
  });
  process.on("uncaughtException", (error) => options.reportBackground(error, options.currentParent()));
  process.on("unhandledRejection", (reason) => options.reportBackground(reason, options.currentParent()));
  // While cell code runs synchronously, vm's breakOnSigint handles SIGINT; otherwise this does.
  process.on("SIGINT", () => options.onSigint());
}
