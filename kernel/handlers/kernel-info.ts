/**
 * kernel_info_reply content. Built on the main thread and handed to the io
 * thread, which answers kernel_info on shell and control at once (even while a
 * cell runs), as nbclient polls it at start-up.
 */
import { PROTOCOL_VERSION } from "../wire/message.js";

/** The tensor backend as the banner describes it. */
export interface BackendSummary {
  name: string;
  reason: string;
  /** wasm: the threads it computes with. */
  threads?: number;
}

/** Builds the kernel_info_reply content (without status; the channel that answers adds it). */
export function kernelInfoContent(versions: { tensorcell: string; typescript: string }, backend: BackendSummary): Record<string, unknown> {
  return {
    protocol_version: PROTOCOL_VERSION,
    implementation: "tensorcell",
    implementation_version: versions.tensorcell,
    language_info: {
      name: "typescript",
      version: versions.typescript,
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      codemirror_mode: { name: "javascript", typescript: true },
    },
    banner:
      `tensorcell ${versions.tensorcell}: TypeScript with TensorFlow.js (Node ${process.versions.node})\n` +
      `Tensor backend: ${backendLabel(backend)} (${backend.reason})\n` +
      `Preloaded: tf, models, data, viz, display, seed, useBackend, backendInfo, input`,
    help_links: [
      { text: "tensorcell README", url: "https://www.npmjs.com/package/tensorcell" },
      { text: "TensorFlow.js API", url: "https://js.tensorflow.org/api/latest/" },
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
    ],
  };
}

/** "wasm, 2 threads", or the name alone for backends without a thread count. */
function backendLabel(backend: BackendSummary): string {
  if (backend.threads === undefined) return backend.name;
  return `${backend.name}, ${backend.threads} thread${backend.threads === 1 ? "" : "s"}`;
}
