#!/usr/bin/env node
/**
 * tensorcell's command line:
 *   tensorcell install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]
 *   tensorcell uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]
 *   tensorcell kernel -f CONNECTION_FILE [--backend NAME] [--threads N]
 *   tensorcell run | verify | grade | assign | sweep ...   (headless notebooks; see README)
 * Every user error is one line on stderr and a non-zero exit, never a stack dump.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ConnectionFileError } from "./channels/connection.js";
import { installKernelspec, uninstallKernelspec, type InstallScope } from "./kernelspec.js";
import { parseThreadCount, ThreadCountError } from "../lib/backend/wasm/thread-count.js";

/** A mistake in how the command was called: printed as one line, exit 2. */
export class UsageError extends Error {}

const USAGE = `usage: tensorcell <command> [options]
  install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]
  uninstall [--user | --sys-prefix | --prefix DIR] [--name NAME]
  kernel -f CONNECTION_FILE [--backend auto|wasm|cpu|node|node-gpu|webgpu] [--typecheck off|warn|strict] [--threads N]
  run NOTEBOOK [-o OUT] [-p name=value ...] [--timeout S] [--html OUT.html] [--seed N]
  verify NOTEBOOK
  grade ASSIGNMENT.ipynb SUBMISSIONS_DIR [--tests HIDDEN_DIR] [-o report.csv|report.json]
  assign SOURCE.ipynb [-o STUDENT.ipynb]
  sweep NOTEBOOK -p name=a,b,c [-p name=1:5 ...] -o DIR [--jobs N] [--executor local|slurm] [--force]`;

function parse<const T extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true } as const);
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
}

const scopeOptions = {
  user: { type: "boolean" },
  "sys-prefix": { type: "boolean" },
  prefix: { type: "string" },
  name: { type: "string" },
} as const;

function scopeOf(values: { user?: boolean; "sys-prefix"?: boolean; prefix?: string }): InstallScope {
  const chosen = [values.user, values["sys-prefix"], values.prefix !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError("choose one of --user, --sys-prefix and --prefix DIR");
  if (values.user) return { kind: "user" };
  if (values["sys-prefix"]) return { kind: "sys-prefix" };
  if (values.prefix !== undefined) return { kind: "prefix", dir: values.prefix };
  return { kind: "system" };
}

/** Runs one CLI invocation; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case "install": {
      const { values } = parse(args, { ...scopeOptions, "display-name": { type: "string" } });
      const dir = installKernelspec({
        scope: scopeOf(values),
        name: values.name ?? "tensorcell",
        displayName: values["display-name"] ?? "TypeScript (tensorcell)",
      });
      console.log(`Installed kernelspec ${values.name ?? "tensorcell"} in ${dir}`);
      return 0;
    }
    case "uninstall": {
      const { values } = parse(args, scopeOptions);
      const name = values.name ?? "tensorcell";
      const dir = uninstallKernelspec(scopeOf(values), name);
      if (!dir) throw new Error(`no kernelspec named "${name}" is installed there`);
      console.log(`Removed kernelspec ${name} from ${dir}`);
      return 0;
    }
    case "kernel": {
      const { values } = parse(args, { f: { type: "string", short: "f" }, backend: { type: "string" }, typecheck: { type: "string" }, threads: { type: "string" } });
      if (!values.f) throw new UsageError("kernel needs -f CONNECTION_FILE");
      const threads = kernelThreads(values.threads);
      // The shell channels (and ZeroMQ) load alongside the kernel module: they are on the first reply's path.
      const [{ runKernel }] = await Promise.all([import("./kernel.js"), import("./channels/shell-channels.js")]);
      await runKernel(values.f, { backend: values.backend, typecheck: values.typecheck, threads });
      return await new Promise<number>(() => {}); // the kernel exits the process on shutdown
    }
    case "run":
    case "verify":
    case "grade":
    case "assign":
    case "sweep":
    case "sweep-task":
    case "grade-task": {
      const { runHeadlessCommand } = await import("./headless/commands.js");
      return runHeadlessCommand(command, args);
    }
    case undefined:
    case "-h":
    case "--help":
    case "help":
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/**
 * The wasm thread count of `tensorcell kernel`: --threads N, else undefined
 * (the library reads TENSORCELL_THREADS, which is checked here too, so a bad
 * value stops the kernel with one line before it starts).
 */
function kernelThreads(option: string | undefined): number | undefined {
  try {
    const env = process.env.TENSORCELL_THREADS;
    if (option === undefined && env !== undefined && env.trim() !== "") parseThreadCount(env, "TENSORCELL_THREADS");
    return option === undefined ? undefined : parseThreadCount(option, "--threads");
  } catch (error) {
    if (error instanceof ThreadCountError) throw new UsageError(error.message);
    throw error;
  }
}

// Captured before the kernel replaces process.exit and captures stderr for cells.
const exit = process.exit.bind(process);
const writeError = process.stderr.write.bind(process.stderr);
const isEntry = process.argv[1] !== undefined && import.meta.url.endsWith(`/${process.argv[1].split("/").pop()}`);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => exit(code),
    (error: Error) => {
      writeError(`tensorcell: ${error.message}\n`);
      if (error instanceof UsageError) writeError(`(run "tensorcell --help" for usage)\n`);
      exit(error instanceof UsageError || error instanceof ConnectionFileError ? 2 : 1);
    },
  );
}
