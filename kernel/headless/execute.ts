/**
 * Executes a notebook's code cells in order through one kernel, the way
 * nbclient does: outputs and execution counts in place, nbclient's
 * `record_timing` fields in each cell's metadata.execution, and the run's
 * seed and environment in metadata.tensorcell. Calls back after every cell
 * so the caller can save as it goes.
 */
import { cellLabel, cellSource, foreignCellLanguage, newCellId, type Notebook, type NotebookCell } from "./notebook.js";
import { OutputRecorder } from "./outputs.js";
import { Progress, progressDisplay, type ProgressSink } from "./progress.js";
import { KernelSession, type CellRun, type CellStatus, type SessionOptions } from "./session.js";
import { WidgetStateRecorder } from "./widget-state.js";

/** Options of executeNotebook. */
export interface ExecuteNotebookOptions extends SessionOptions {
  /** Seconds per cell before it is interrupted (none when undefined). */
  timeoutS?: number;
  /** Runs `seed(n)` silently before the first cell. */
  seed?: number;
  /** Keep going after a cell error (like nbclient's allow_errors); a timeout or dead kernel still stops. */
  allowErrors?: boolean;
  /** Called after each executed cell (and once before the first), e.g. to save the notebook. */
  onProgress?: (notebook: Notebook) => void;
  /** Progress display; none when `false`. */
  progress?: ProgressSink | false;
  /** Extra run metadata stored under metadata.tensorcell.run (e.g. parameters). */
  runMetadata?: Record<string, unknown>;
  /** Stops the run: the kernel is killed and no further cell runs (a sweep's Ctrl-C). */
  signal?: AbortSignal;
}

/** How the whole run ended. */
export type RunStatus = "ok" | CellStatus;

/** The result of executeNotebook (the notebook itself is updated in place). */
export interface ExecuteNotebookResult {
  status: RunStatus;
  /** Index (in notebook.cells) of the cell that stopped the run or first failed. */
  failedCell?: number;
  /** One-line description of the failure. */
  detail?: string;
  /** Code cells skipped because they are in another language. */
  skipped: number[];
  /** Cells that ran, with how each ended. */
  cells: { index: number; status: CellStatus; elapsedMs: number }[];
}

/** Environment capture: base64 JSON so the text/plain repr is trivially decoded. */
const ENVIRONMENT_EXPRESSION = `Buffer.from(JSON.stringify(tensorcell.environmentInfo())).toString("base64")`;

/** Reorders timing keys the way nbclient writes them. */
function orderedTiming(run: CellRun): Record<string, string> {
  const order = ["iopub.status.busy", "iopub.execute_input", "shell.execute_reply", "iopub.status.idle"] as const;
  const timing: Record<string, string> = {};
  for (const key of order) if (run.timing[key]) timing[key] = run.timing[key]!;
  return timing;
}

/** Adds the error output nbclient would show for a timeout or dead kernel, when the kernel sent none. */
function addFailureOutput(cell: NotebookCell, run: CellRun): void {
  if (run.status === "ok" || run.status === "error") return;
  const ename = run.status === "timeout" ? "CellTimeoutError" : "DeadKernelError";
  const evalue = run.detail ?? run.status;
  (cell.outputs ??= []).push({ output_type: "error", ename, evalue, traceback: [`${ename}: ${evalue}`] });
}

/** Decodes the environment user expression; undefined when the kernel could not produce it. */
export function decodeEnvironment(reply: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const expressions = reply?.user_expressions as Record<string, { status?: string; data?: Record<string, unknown> }> | undefined;
  const env = expressions?.env;
  if (env?.status !== "ok") return undefined;
  const text = String(env.data?.["text/plain"] ?? "").replace(/^['"`]|['"`]$/g, "");
  try {
    return JSON.parse(Buffer.from(text, "base64").toString("utf8")) as Record<string, unknown>;
  } catch {
    return undefined; // Not what we asked for (an old kernel without environmentInfo): no environment recorded.
  }
}

/** Executes the notebook in place; never throws for what a cell does (only for a kernel that cannot start). */
export async function executeNotebook(notebook: Notebook, options: ExecuteNotebookOptions = {}): Promise<ExecuteNotebookResult> {
  const codeCells = notebook.cells.map((cell, index) => ({ cell, index })).filter(({ cell }) => cell.cell_type === "code");
  const skipped: number[] = [];
  const runnable = codeCells.filter(({ cell, index }) => {
    const language = foreignCellLanguage(cell);
    if (language !== undefined) skipped.push(index);
    return language === undefined;
  });
  if (notebook.nbformat_minor >= 5) for (const cell of notebook.cells) cell.id ??= newCellId();
  for (const { cell } of codeCells) {
    cell.outputs = [];
    cell.execution_count = null;
    if (cell.metadata.execution) delete cell.metadata.execution;
  }
  const progress = new Progress(runnable.length, options.progress || undefined, options.progress !== false);
  for (const index of skipped) {
    progress.note(`skipping ${cellLabel(notebook.cells[index]!, index)}: it is ${foreignCellLanguage(notebook.cells[index]!)}, not TypeScript`);
  }
  const startedAt = new Date().toISOString();
  const session = new KernelSession(options);
  const result: ExecuteNotebookResult = { status: "ok", skipped, cells: [] };
  const stopOnAbort = () => void session.stop();
  options.signal?.addEventListener("abort", stopOnAbort, { once: true });
  await session.start();
  let environment: Record<string, unknown> | undefined;
  try {
    if (options.signal?.aborted) throw new Error("the run was stopped");
    if (options.seed !== undefined) {
      const seeded = await session.runCell(`seed(${JSON.stringify(options.seed)})`, { silent: true, timeoutS: 60 });
      if (seeded.status !== "ok") throw new Error(`seed(${options.seed}) failed in the kernel: ${String(seeded.reply?.content.evalue ?? seeded.detail ?? seeded.status)}`);
    }
    options.onProgress?.(notebook);
    const recorder = new OutputRecorder();
    const widgetState = new WidgetStateRecorder();
    for (let n = 0; n < runnable.length; n++) {
      if (options.signal?.aborted) break;
      const { cell, index } = runnable[n]!;
      progress.start(n + 1, cellLabel(cell, index));
      recorder.begin(cell);
      const reports = new Map<string, string>();
      const run = await session.runCell(cellSource(cell), {
        timeoutS: options.timeoutS,
        onOutput: (m) => {
          if (widgetState.handle(m)) return; // captured by an Output widget
          recorder.handle(m);
          const report = progressDisplay(m.header.msg_type, m.content as Record<string, unknown>);
          if (report) {
            reports.set(report.id, report.text);
            progress.detail(report.text);
          }
        },
      });
      for (const text of reports.values()) progress.detail(text, true);
      const count = run.reply?.content.execution_count;
      cell.execution_count = typeof count === "number" ? count : null;
      cell.metadata.execution = orderedTiming(run);
      addFailureOutput(cell, run);
      widgetState.save(notebook);
      result.cells.push({ index, status: run.status, elapsedMs: run.elapsedMs });
      options.onProgress?.(notebook);
      if (run.status === "ok") continue;
      if (result.status === "ok") {
        result.status = run.status;
        result.failedCell = index;
        result.detail =
          run.status === "error"
            ? `${cellLabel(cell, index)} raised ${String(run.reply?.content.ename ?? "an error")}: ${String(run.reply?.content.evalue ?? "").split("\n")[0]}`
            : `${cellLabel(cell, index)}: ${run.detail}`;
      }
      if (run.status === "error" && options.allowErrors) continue;
      break;
    }
    if (session.running) {
      const probe = await session.runCell("", { silent: true, timeoutS: 30, userExpressions: { env: ENVIRONMENT_EXPRESSION } });
      environment = decodeEnvironment(probe.reply?.content);
    }
  } finally {
    options.signal?.removeEventListener("abort", stopOnAbort);
    await session.stop();
  }
  if (session.kernelInfo.language_info) notebook.metadata.language_info = session.kernelInfo.language_info;
  notebook.metadata.tensorcell = {
    ...(notebook.metadata.tensorcell as Record<string, unknown> | undefined),
    run: {
      startedAt,
      finishedAt: new Date().toISOString(),
      status: result.status,
      seed: options.seed ?? null,
      backend: options.backend ?? null,
      timeoutS: options.timeoutS ?? null,
      ...options.runMetadata,
    },
    ...(environment ? { environment } : {}),
  };
  progress.finish(result.status === "ok" ? `ran ${runnable.length} cells` : `stopped (${result.status})`);
  options.onProgress?.(notebook);
  return result;
}
