/**
 * The widget state a headless run leaves in the notebook, like nbclient's:
 * models from the `jupyter.widget` comm messages of the run (opened, updated,
 * closed), saved under metadata.widgets as
 * application/vnd.jupyter.widget-state+json (version 2.0, binary values as
 * base64 buffers), so nbconvert's HTML shows each widget's last state. Output
 * widgets get what a frontend would give them: messages parented to their
 * msg_id go into their `outputs` instead of the cell's.
 */
import type { Message } from "../wire/message.js";
import type { Notebook, NotebookOutput } from "./notebook.js";
import { toOutput } from "./outputs.js";

/** The metadata.widgets key of the state. */
export const WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json";

interface SavedModel {
  model_name: string;
  model_module: string;
  model_module_version: string;
  state: Record<string, unknown>;
  /** Binary values by path, base64. */
  buffers: Map<string, { path: (string | number)[]; data: string }>;
  /** Output widgets: clear at the next output (clear_output with wait). */
  clearPending?: boolean;
}

/** Records widget models from a run's iopub messages. */
export class WidgetStateRecorder {
  private readonly models = new Map<string, SavedModel>();

  /**
   * Takes one iopub message. Returns true when it was an output captured by an
   * Output widget (the cell must not record it as well).
   */
  handle(message: Message): boolean {
    const type = message.header.msg_type;
    const content = message.content as Record<string, unknown>;
    if (type === "comm_open" && content.target_name === "jupyter.widget") {
      const data = (content.data ?? {}) as { state?: Record<string, unknown>; buffer_paths?: unknown };
      const state = { ...(data.state ?? {}) };
      this.models.set(String(content.comm_id), {
        model_name: String(state._model_name ?? ""),
        model_module: String(state._model_module ?? ""),
        model_module_version: String(state._model_module_version ?? ""),
        state,
        buffers: new Map(),
      });
      this.takeBuffers(String(content.comm_id), data.buffer_paths, message.buffers);
      return false;
    }
    if (type === "comm_msg") {
      const model = this.models.get(String(content.comm_id));
      const data = (content.data ?? {}) as { method?: string; state?: Record<string, unknown>; buffer_paths?: unknown };
      if (model && (data.method === "update" || data.method === "echo_update") && data.state) {
        Object.assign(model.state, data.state);
        for (const key of Object.keys(data.state)) model.buffers.delete(JSON.stringify([key]));
        this.takeBuffers(String(content.comm_id), data.buffer_paths, message.buffers);
      }
      return false;
    }
    if (type === "comm_close") {
      this.models.delete(String(content.comm_id));
      return false;
    }
    return this.capture(message);
  }

  /** Whether any widget was opened (and not closed) in the run. */
  get empty(): boolean {
    return this.models.size === 0;
  }

  /** The widget-state document (version 2.0). */
  state(): Record<string, unknown> {
    const state: Record<string, unknown> = {};
    for (const [id, model] of this.models) {
      state[id] = {
        model_name: model.model_name,
        model_module: model.model_module,
        model_module_version: model.model_module_version,
        state: model.state,
        ...(model.buffers.size > 0 ? { buffers: [...model.buffers.values()].map((b) => ({ encoding: "base64", ...b })) } : {}),
      };
    }
    return { version_major: 2, version_minor: 0, state };
  }

  /** Writes the state into notebook.metadata.widgets (or removes a stale one when there are no widgets). */
  save(notebook: Notebook): void {
    const metadata = notebook.metadata as Record<string, unknown>;
    if (this.empty) {
      const widgets = metadata.widgets as Record<string, unknown> | undefined;
      if (widgets) delete widgets[WIDGET_STATE_MIME];
      if (widgets && Object.keys(widgets).length === 0) delete metadata.widgets;
      return;
    }
    metadata.widgets = { ...(metadata.widgets as Record<string, unknown> | undefined), [WIDGET_STATE_MIME]: this.state() };
  }

  private takeBuffers(id: string, paths: unknown, buffers: Buffer[]): void {
    const model = this.models.get(id);
    if (!model || !Array.isArray(paths)) return;
    paths.forEach((path, i) => {
      const buffer = buffers[i];
      if (!Array.isArray(path) || !buffer) return;
      model.buffers.set(JSON.stringify(path), { path: path as (string | number)[], data: buffer.toString("base64") });
    });
  }

  /** An output parented to an Output widget's msg_id goes into that widget. */
  private capture(message: Message): boolean {
    const parent = message.parent_header.msg_id;
    if (typeof parent !== "string" || !parent) return false;
    const output = [...this.models.values()].find((m) => m.model_name === "OutputModel" && m.state.msg_id === parent);
    if (!output) return false;
    const content = message.content as Record<string, unknown>;
    const outputs = (output.state.outputs as NotebookOutput[] | undefined) ?? [];
    if (message.header.msg_type === "clear_output") {
      if (content.wait) output.clearPending = true;
      else output.state.outputs = [];
      return true;
    }
    const item = toOutput(message.header.msg_type, content);
    if (!item) return false;
    const list = output.clearPending ? [] : [...outputs];
    output.clearPending = false;
    const last = list.at(-1);
    if (item.output_type === "stream" && last?.output_type === "stream" && last.name === item.name) list[list.length - 1] = { ...last, text: last.text + item.text };
    else list.push(item);
    output.state.outputs = list;
    return true;
  }
}
