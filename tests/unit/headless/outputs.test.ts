import { describe, expect, it } from "vitest";
import type { NotebookCell } from "../../../kernel/headless/notebook.js";
import { OutputRecorder } from "../../../kernel/headless/outputs.js";
import type { Message } from "../../../kernel/wire/message.js";

const message = (msg_type: string, content: Record<string, unknown>) => ({ header: { msg_type }, content, parent_header: {}, metadata: {}, buffers: [] }) as unknown as Message;
const code = (): NotebookCell => ({ cell_type: "code", metadata: {}, source: "", outputs: [], execution_count: null });

describe("iopub messages to nbformat outputs", () => {
  it("merges stream text, applies clear_output(wait) and updates displays across cells", () => {
    const recorder = new OutputRecorder();
    const first = code();
    recorder.begin(first);
    recorder.handle(message("stream", { name: "stdout", text: "a" }));
    recorder.handle(message("stream", { name: "stdout", text: "b\n" }));
    recorder.handle(message("display_data", { data: { "text/plain": "v1" }, metadata: {}, transient: { display_id: "d" } }));
    const second = code();
    recorder.begin(second);
    recorder.handle(message("stream", { name: "stderr", text: "warn" }));
    recorder.handle(message("clear_output", { wait: true }));
    expect(second.outputs).toHaveLength(1);
    recorder.handle(message("execute_result", { execution_count: 2, data: { "text/plain": "2" }, metadata: {} }));
    recorder.handle(message("update_display_data", { data: { "text/plain": "v2" }, metadata: {}, transient: { display_id: "d" } }));
    expect(first.outputs).toEqual([
      { output_type: "stream", name: "stdout", text: "ab\n" },
      { output_type: "display_data", data: { "text/plain": "v2" }, metadata: {} },
    ]);
    expect(second.outputs).toEqual([{ output_type: "execute_result", execution_count: 2, data: { "text/plain": "2" }, metadata: {} }]);
  });
});
