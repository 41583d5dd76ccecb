/**
 * Headless notebook commands, dispatched from kernel/cli.ts:
 *   run     execute a notebook (parameters, seed, timeouts, HTML report)
 *   verify  re-execute and compare outputs with tolerances
 *   grade   autograde submissions against an assignment
 *   assign  strip solutions to make the student version
 *   sweep   run a notebook over a parameter grid (sweep-task: one run of a plan, for Slurm)
 * Each returns an exit code (see exit-codes.ts); user errors print one line.
 */
import { EXIT } from "./exit-codes.js";
import { NotebookError } from "./notebook.js";
import { HeadlessUsageError } from "./options.js";
import { SandboxUnavailableError } from "./sandbox/probe.js";

const HELP_FLAGS = new Set(["-h", "--help"]);

async function helpFor(command: string): Promise<string> {
  switch (command) {
    case "run":
      return (await import("./run.js")).RUN_HELP;
    case "verify":
      return (await import("./verify/command.js")).VERIFY_HELP;
    case "grade":
      return (await import("./grade/command.js")).GRADE_HELP;
    case "sweep":
    case "sweep-task":
      return (await import("./sweep/command.js")).SWEEP_HELP;
    case "grade-task":
      return "usage: tensorcell grade-task WORK_DIR INDEX (run by Slurm array tasks of tensorcell grade --executor slurm)";
    default:
      return (await import("./grade/assign.js")).ASSIGN_HELP;
  }
}

/** Headless commands; sweep-task and grade-task are run by Slurm array tasks. */
const HEADLESS_COMMANDS = ["run", "verify", "grade", "assign", "sweep", "sweep-task", "grade-task"];

/** Runs `tensorcell run|verify|grade|assign|sweep ARGS`; resolves to the exit code. */
export async function runHeadlessCommand(command: string, args: string[]): Promise<number> {
  if (!HEADLESS_COMMANDS.includes(command)) {
    process.stderr.write(`tensorcell: "${command}" is not a headless command (run, verify, grade, assign, sweep)\n`);
    return EXIT.badInput;
  }
  if (args.some((arg) => HELP_FLAGS.has(arg))) {
    process.stdout.write(`${await helpFor(command)}\n`);
    return EXIT.ok;
  }
  try {
    switch (command) {
      case "run":
        return await (await import("./run.js")).runCommand(args);
      case "verify":
        return await (await import("./verify/command.js")).verifyCommand(args);
      case "grade":
        return await (await import("./grade/command.js")).gradeCommand(args);
      case "sweep":
        return await (await import("./sweep/command.js")).sweepCommand(args);
      case "sweep-task":
        return await (await import("./sweep/command.js")).sweepTaskCommand(args);
      case "grade-task":
        return await (await import("./grade/slurm.js")).gradeTaskCommand(args);
      default:
        return await (await import("./grade/assign.js")).assignCommand(args);
    }
  } catch (error) {
    if (error instanceof NotebookError || error instanceof HeadlessUsageError || error instanceof SandboxUnavailableError) {
      process.stderr.write(`tensorcell: ${error.message}\n`);
      if (error instanceof HeadlessUsageError) process.stderr.write(`(run "tensorcell ${command} --help" for usage)\n`);
      return EXIT.badInput;
    }
    if (error instanceof Error && /kernel did not start/.test(error.message)) {
      process.stderr.write(`tensorcell: ${error.message}\n`);
      return EXIT.kernelDied;
    }
    throw error;
  }
}
