/** Ctrl-C (SIGINT) and SIGTERM handling shared by sweeps and Slurm waits. */

/** Exit code of an interrupted sweep or grading run (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * Aborts the returned signal on the first SIGINT or SIGTERM (the second one
 * exits at once); `dispose` removes the handlers.
 */
export function interruptSignal(what = "the sweep"): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    process.stderr.write(`\ntensorcell: ${name}: stopping ${what} (finished work is kept; send it again to quit at once)\n`);
    controller.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
