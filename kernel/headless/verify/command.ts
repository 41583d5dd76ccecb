/**
 * `tensorcell verify NOTEBOOK`: re-executes a notebook (with the seed its
 * metadata recorded) and compares every code cell's outputs with the stored
 * ones. Prints a readable diff per differing cell; exit 1 on any mismatch.
 */
import { dirname, resolve } from "node:path";
import { EXIT, EXIT_CODE_HELP } from "../exit-codes.js";
import { executeNotebook } from "../execute.js";
import { cellLabel, checkKernel, cloneNotebook, readNotebook, writeNotebook, type Notebook } from "../notebook.js";
import { HeadlessUsageError, numberOption, parseOptions } from "../options.js";
import { exitCodeFor } from "../run.js";
import { cellSettings, compareCellOutputs, DEFAULT_COMPARE, type CompareSettings, type OutputDifference } from "./compare.js";
import { DEFAULT_SANITIZERS, userSanitizer } from "./sanitize.js";

/** --help text of `tensorcell verify`. */
export const VERIFY_HELP = `usage: tensorcell verify NOTEBOOK [--rtol R] [--atol A] [--pixel-threshold F] [--channel-tolerance N]
                        [--sanitize REGEX ...] [--seed N] [--timeout S] [--backend cpu|wasm|auto] [-o RERUN.ipynb]
Re-executes NOTEBOOK and compares each code cell's outputs with the stored ones:
  text      exactly, after sanitisers (${DEFAULT_SANITIZERS.map((s) => s.name).join(", ")}),
            except numbers, which match within |a-b| <= atol + rtol*|b| (default rtol ${DEFAULT_COMPARE.rtol}, atol ${DEFAULT_COMPARE.atol})
  images    PNG/JPEG pixel by pixel: a pixel differs when a channel moves more than
            --channel-tolerance (default ${DEFAULT_COMPARE.channelTolerance}/255); at most --pixel-threshold of pixels may differ (default ${DEFAULT_COMPARE.threshold})
  charts    Vega-Lite specs and JSON by value, numbers (data values) within the tolerance
  errors    by name and message (tracebacks are not compared)
The seed and backend default to the ones the stored run recorded (metadata.tensorcell.run.seed,
metadata.tensorcell.environment.backend.name).
Cell tags: verify-skip (also nbval-skip, nbval-ignore-output) runs the cell without comparing;
verify-ignore-stderr ignores stderr; verify-loose uses rtol 1e-2, atol 1e-4, 5% of pixels.
Cell metadata tensorcell.verify {rtol, atol, pixelThreshold, channelTolerance, ignoreStderr, skip}
and notebook metadata tensorcell.verify.sanitize (list of regexes) refine this.
${EXIT_CODE_HELP}`;

/** The outcome of verifying one notebook. */
export interface VerifyResult {
  /** Code cells compared (not skipped). */
  compared: number;
  /** Cells skipped by tags or metadata. */
  skipped: number;
  /** Differing cells with their differences. */
  differences: { index: number; label: string; differences: OutputDifference[] }[];
}

/** Compares a re-executed notebook with the stored one, cell by cell (same cell order). */
export function compareNotebooks(stored: Notebook, rerun: Notebook, base: CompareSettings): VerifyResult {
  const result: VerifyResult = { compared: 0, skipped: 0, differences: [] };
  stored.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const settings = cellSettings(cell, base);
    if (settings.skip) {
      result.skipped++;
      return;
    }
    result.compared++;
    const differences = compareCellOutputs(cell.outputs ?? [], rerun.cells[index]?.outputs ?? [], settings);
    if (differences.length) result.differences.push({ index, label: cellLabel(cell, index), differences });
  });
  return result;
}

/** Renders the differences as the readable report verify prints. */
export function formatDifferences(result: VerifyResult): string {
  const lines: string[] = [];
  for (const cell of result.differences) {
    lines.push(`${cell.label} differs:`);
    for (const difference of cell.differences) {
      lines.push(`  ${difference.what}:`);
      for (const line of difference.lines) lines.push(`    ${line}`);
    }
  }
  return lines.join("\n");
}

function environmentNotes(stored: Notebook, rerun: Notebook): string[] {
  type Env = { tensorcell?: { version?: string }; node?: string; backend?: { name?: string; version?: string; threads?: number }; os?: { platform?: string; arch?: string } };
  const env = (nb: Notebook) => (nb.metadata.tensorcell as { environment?: Env } | undefined)?.environment;
  const before = env(stored);
  const after = env(rerun);
  if (!before || !after) return before ? [] : ["note: the stored notebook records no environment (it was not run by tensorcell run)"];
  const pairs: [string, string | undefined, string | undefined][] = [
    ["tensorcell", before.tensorcell?.version, after.tensorcell?.version],
    ["Node", before.node, after.node],
    ["backend", `${before.backend?.name} ${before.backend?.version}`, `${after.backend?.name} ${after.backend?.version}`],
    ["wasm threads", before.backend?.threads?.toString(), after.backend?.threads?.toString()],
    ["platform", `${before.os?.platform}/${before.os?.arch}`, `${after.os?.platform}/${after.os?.arch}`],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([what, a, b]) => `note: the stored run used ${what} ${a}, this run ${b}`);
}

/** Runs `tensorcell verify ARGS`; resolves to the exit code. */
export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    rtol: { type: "string" },
    atol: { type: "string" },
    "pixel-threshold": { type: "string" },
    "channel-tolerance": { type: "string" },
    sanitize: { type: "string", multiple: true },
    seed: { type: "string" },
    timeout: { type: "string" },
    backend: { type: "string" },
    o: { type: "string", short: "o" },
    quiet: { type: "boolean", short: "q" },
  });
  if (positionals.length !== 1) throw new HeadlessUsageError("verify needs exactly one NOTEBOOK path (see tensorcell verify --help)");
  const path = positionals[0]!;
  const stored = readNotebook(path);
  const warning = checkKernel(stored, path);
  if (warning) process.stderr.write(`tensorcell: ${warning}\n`);
  const metadata = (stored.metadata.tensorcell ?? {}) as {
    run?: { seed?: unknown };
    environment?: { backend?: { name?: unknown } };
    verify?: { sanitize?: unknown };
  };
  const recordedBackend = typeof metadata.environment?.backend?.name === "string" ? metadata.environment.backend.name : undefined;
  const recordedSeed = typeof metadata.run?.seed === "number" ? metadata.run.seed : undefined;
  const notebookSanitizers = Array.isArray(metadata.verify?.sanitize) ? metadata.verify.sanitize.map(String) : [];
  const base: CompareSettings = {
    ...DEFAULT_COMPARE,
    rtol: numberOption(values.rtol, "--rtol") ?? DEFAULT_COMPARE.rtol,
    atol: numberOption(values.atol, "--atol") ?? DEFAULT_COMPARE.atol,
    threshold: numberOption(values["pixel-threshold"], "--pixel-threshold") ?? DEFAULT_COMPARE.threshold,
    channelTolerance: numberOption(values["channel-tolerance"], "--channel-tolerance") ?? DEFAULT_COMPARE.channelTolerance,
    sanitizers: [...DEFAULT_SANITIZERS, ...[...notebookSanitizers, ...((values.sanitize as string[] | undefined) ?? [])].map(userSanitizer)],
  };
  if (!stored.cells.some((cell) => cell.cell_type === "code" && (cell.outputs?.length ?? 0) > 0)) {
    process.stderr.write(`tensorcell: ${path} has no stored outputs to compare; run it first (tensorcell run ${path} -o ${path})\n`);
  }
  const rerun = cloneNotebook(stored);
  const seed = numberOption(values.seed, "--seed", { integer: true }) ?? recordedSeed;
  const execution = await executeNotebook(rerun, {
    cwd: dirname(resolve(path)),
    seed,
    timeoutS: numberOption(values.timeout, "--timeout", { positive: true }),
    backend: (values.backend as string | undefined) ?? recordedBackend,
    allowErrors: true,
    progress: values.quiet ? false : process.stderr,
  });
  if (values.o) writeNotebook(values.o as string, rerun);
  const result = compareNotebooks(stored, rerun, base);
  for (const note of environmentNotes(stored, rerun)) process.stderr.write(`${note}\n`);
  if (result.differences.length) process.stdout.write(`${formatDifferences(result)}\n`);
  const summary = `verify ${path}: ${result.compared} cells compared, ${result.differences.length} differ, ${result.skipped} skipped${seed !== undefined ? ` (seed ${seed})` : ""}`;
  process.stdout.write(`${summary}\n`);
  if (execution.status === "timeout" || execution.status === "died" || execution.status === "memory") {
    process.stderr.write(`tensorcell: ${execution.detail}\n`);
    return exitCodeFor(execution.status);
  }
  return result.differences.length ? EXIT.mismatch : EXIT.ok;
}
