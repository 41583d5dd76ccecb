/**
 * `tensorcell run NOTEBOOK [-o OUT] [-p name=value ...] [--timeout S] [--seed N] [--html OUT.html]`:
 * executes a notebook headlessly, saving the executed copy after every cell.
 */
import { dirname, resolve } from "node:path";
import { EXIT, EXIT_CODE_HELP } from "./exit-codes.js";
import { executeNotebook, type RunStatus } from "./execute.js";
import { checkKernel, readNotebook, writeFileAtomic, writeNotebook } from "./notebook.js";
import { HeadlessUsageError, numberOption, parseOptions } from "./options.js";
import { injectParameters, parseParameterArgs } from "./parameters.js";

/** --help text of `tensorcell run`. */
export const RUN_HELP = `usage: tensorcell run NOTEBOOK [-o OUT.ipynb] [-p name=value ...] [--timeout S] [--seed N]
                     [--html REPORT.html] [--allow-errors] [--backend cpu|wasm|auto] [--memory MB] [--quiet]
Executes every TypeScript code cell through a tensorcell kernel and writes the executed
notebook (nbformat 4) to OUT (default NOTEBOOK with .out.ipynb), saving after each cell.
  -p name=value   parameter, typed: 3, 0.5, true, null, [1,2], {"a":1} keep their JSON type,
                  anything else is a string; written as TypeScript consts in a cell tagged
                  "injected-parameters" after the cell tagged "parameters" (first, if none)
  --timeout S     per-cell time limit in seconds: the cell is interrupted and the run stops
  --seed N        runs seed(N) before the first cell (Math.random, tfjs random ops, data helpers)
  --html FILE     also writes a self-contained HTML report (images inline, charts as SVG)
  --allow-errors  keep running after a cell error (exit code still 3)
  --memory MB     kernel memory limit (V8 heap and resident memory)
Cells whose metadata.vscode.languageId (or a %%magic) names another language are skipped
with a note; raw and markdown cells are kept as they are.
${EXIT_CODE_HELP}`;

/** Exit code for a run status. */
export function exitCodeFor(status: RunStatus): number {
  switch (status) {
    case "ok":
      return EXIT.ok;
    case "error":
      return EXIT.cellError;
    case "timeout":
      return EXIT.timeout;
    case "died":
    case "memory":
      return EXIT.kernelDied;
  }
}

/** Runs `tensorcell run ARGS`; resolves to the exit code. */
export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    o: { type: "string", short: "o" },
    p: { type: "string", short: "p", multiple: true },
    timeout: { type: "string" },
    seed: { type: "string" },
    html: { type: "string" },
    "allow-errors": { type: "boolean" },
    backend: { type: "string" },
    memory: { type: "string" },
    quiet: { type: "boolean", short: "q" },
  });
  if (positionals.length !== 1) throw new HeadlessUsageError("run needs exactly one NOTEBOOK path (see tensorcell run --help)");
  const path = positionals[0]!;
  // Options first, so a typo is reported before any work.
  const seed = numberOption(values.seed, "--seed", { integer: true });
  const timeoutS = numberOption(values.timeout, "--timeout", { positive: true });
  const memoryLimitMb = numberOption(values.memory, "--memory", { positive: true });
  const parameters = parseParameterArgs((values.p as string[] | undefined) ?? []);
  const notebook = readNotebook(path);
  const warning = checkKernel(notebook, path);
  if (warning) process.stderr.write(`tensorcell: ${warning}\n`);
  const out = (values.o as string | undefined) ?? path.replace(/(\.ipynb)?$/, ".out.ipynb");
  if (resolve(out) === resolve(path)) process.stderr.write(`tensorcell: writing the executed notebook over ${path}\n`);
  if (Object.keys(parameters).length > 0) {
    const report = injectParameters(notebook, parameters);
    if (report.noParametersCell) process.stderr.write(`tensorcell: ${path} has no cell tagged "parameters"; the injected parameters go first\n`);
    else if (report.unknownNames.length) process.stderr.write(`tensorcell: the parameters cell does not declare ${report.unknownNames.join(", ")}\n`);
  }
  const result = await executeNotebook(notebook, {
    cwd: dirname(resolve(path)),
    timeoutS,
    seed,
    allowErrors: Boolean(values["allow-errors"]),
    backend: values.backend as string | undefined,
    memoryLimitMb,
    progress: values.quiet ? false : process.stderr,
    runMetadata: Object.keys(parameters).length ? { parameters } : {},
    onProgress: (current) => writeNotebook(out, current),
  });
  process.stderr.write(`tensorcell: wrote ${out}\n`);
  if (values.html) {
    const { renderHtmlReport } = await import("./html/report.js");
    writeFileAtomic(values.html as string, await renderHtmlReport(notebook, { title: path }));
    process.stderr.write(`tensorcell: wrote ${values.html as string}\n`);
  }
  if (result.detail) process.stderr.write(`tensorcell: ${result.detail}\n`);
  return exitCodeFor(result.status);
}
