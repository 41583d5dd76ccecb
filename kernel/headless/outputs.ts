/**
 * Turns a cell's iopub messages into nbformat 4 outputs the way nbclient does:
 * consecutive stream text of the same name is merged, `clear_output(wait)`
 * clears at the next output, and `update_display_data` rewrites every output
 * (in any cell) that was displayed with the same display id.
 */
import type { Message } from "../wire/message.js";
import type { NotebookCell, NotebookOutput } from "./notebook.js";

type DisplayOutput = Extract<NotebookOutput, { data: Record<string, unknown> }>;

/** Records the outputs of the cells of one run. */
export class OutputRecorder {
  private readonly displays = new Map<string, DisplayOutput[]>();
  private cell: NotebookCell | undefined;
  private clearPending = false;

  /** Starts recording into `cell` (its old outputs are dropped). */
  begin(cell: NotebookCell): void {
    this.cell = cell;
    cell.outputs = [];
    this.clearPending = false;
  }

  /** Adds one iopub message of the current cell; status and execute_input messages are ignored. */
  handle(message: Message): void {
    const cell = this.cell;
    if (!cell) return;
    const content = message.content as Record<string, unknown>;
    const type = message.header.msg_type;
    if (type === "update_display_data") {
      const id = displayId(content);
      for (const output of (id && this.displays.get(id)) || []) {
        output.data = bundleData(content.data);
        output.metadata = bundleMetadata(content.metadata);
      }
      return;
    }
    if (type === "clear_output") {
      if (content.wait) this.clearPending = true;
      else cell.outputs = [];
      return;
    }
    const output = toOutput(type, content);
    if (!output) return;
    if (this.clearPending) {
      cell.outputs = [];
      this.clearPending = false;
    }
    const outputs = (cell.outputs ??= []);
    const last = outputs[outputs.length - 1];
    if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
      last.text += output.text;
      return;
    }
    outputs.push(output);
    const id = displayId(content);
    if (id && output.output_type === "display_data") {
      const list = this.displays.get(id) ?? [];
      list.push(output);
      this.displays.set(id, list);
    }
  }
}

function displayId(content: Record<string, unknown>): string | undefined {
  const transient = content.transient as { display_id?: unknown } | undefined;
  return typeof transient?.display_id === "string" ? transient.display_id : undefined;
}

function bundleData(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" ? { ...(value as Record<string, unknown>) } : {};
}

function bundleMetadata(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" ? { ...(value as Record<string, unknown>) } : {};
}

/** One iopub message as an nbformat output, or undefined for messages that are not outputs. */
export function toOutput(type: string, content: Record<string, unknown>): NotebookOutput | undefined {
  switch (type) {
    case "stream":
      return { output_type: "stream", name: content.name === "stderr" ? "stderr" : "stdout", text: String(content.text ?? "") };
    case "execute_result":
      return {
        output_type: "execute_result",
        execution_count: typeof content.execution_count === "number" ? content.execution_count : null,
        data: bundleData(content.data),
        metadata: bundleMetadata(content.metadata),
      };
    case "display_data":
      return { output_type: "display_data", data: bundleData(content.data), metadata: bundleMetadata(content.metadata) };
    case "error":
      return {
        output_type: "error",
        ename: String(content.ename ?? "Error"),
        evalue: String(content.evalue ?? ""),
        traceback: Array.isArray(content.traceback) ? content.traceback.map(String) : [],
      };
    default:
      return undefined;
  }
}
