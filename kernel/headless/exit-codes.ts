/**
 * Exit codes of the headless commands. Distinct per failure so scripts and CI
 * can tell a bug in the notebook from a slow cell from a crashed kernel.
 */

/** Exit codes of `tensorcell run | verify | grade | assign`. */
export const EXIT = {
  /** Everything ran (verify: and every output matched). */
  ok: 0,
  /** verify: at least one output differs from the stored one. Also: an unexpected internal error. */
  mismatch: 1,
  /** Bad usage or bad input: unknown option, unreadable/invalid notebook, nbformat 3, another language's kernel. */
  badInput: 2,
  /** A cell raised an error. */
  cellError: 3,
  /** A cell ran past --timeout and was interrupted (or stopped). */
  timeout: 4,
  /** The kernel died (crash, process.exit, out of memory) or could not start. */
  kernelDied: 5,
} as const;

/** The exit-code table as printed in each command's --help. */
export const EXIT_CODE_HELP = `exit codes:
  0  success (verify: all outputs match)
  1  verify: outputs differ from the stored ones (or an internal error)
  2  bad usage or bad input (not JSON, nbformat 3, not a TypeScript notebook, missing file)
  3  a cell raised an error
  4  a cell exceeded --timeout (it was interrupted; the run stopped)
  5  the kernel died (crash, process.exit(), memory) or did not start`;
