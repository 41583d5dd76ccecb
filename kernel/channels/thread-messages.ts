/**
 * What the control thread and the main thread say to each other. The main
 * thread owns shell, iopub and stdin (a request is decoded, handled and
 * answered there, with no hop between threads); the control thread owns
 * control and heartbeat, so those keep answering while a cell blocks the main
 * thread, and an interrupt reaches a cell stuck in a loop through shared memory.
 */
import type { Header } from "../wire/message.js";

/** A decoded request as handlers see it (its routing identities stay with the channel). */
export interface IncomingRequest {
  channel: "shell" | "control";
  header: Header;
  parent_header: Record<string, unknown>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Uint8Array[];
}

/** An outgoing message body; the channel adds header and signature. */
export type Outgoing = import("../wire/frames.js").OutgoingBody;

/** control thread -> main thread. */
export type ToMain =
  | { type: "ready" }
  | { type: "fatal"; message: string }
  /** busy/idle around a control request, for the main thread to publish on iopub. */
  | { type: "status"; state: "busy" | "idle"; parent: Header }
  | { type: "interrupt" }
  | { type: "shutdown"; restart: boolean }
  | { type: "closed" };

/** main thread -> control thread. */
export type ToControl =
  /** The kernel_info_reply content changed (the backend is known once the library loaded). */
  | { type: "kernel_info"; content: Record<string, unknown> }
  | { type: "close" };

/** Data the control thread starts with. */
export interface ControlWorkerData {
  connection: import("./connection.js").ConnectionInfo;
  /** Int32Array view target: [0] = interrupt requested. Shared so a blocked main thread sees it. */
  interruptFlag: SharedArrayBuffer;
  kernelInfo: Record<string, unknown>;
  session: string;
}
