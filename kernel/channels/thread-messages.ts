/**
 * What the io thread (sockets) and the main thread (cells) say to each other.
 * The io thread owns every socket so heartbeat and control keep answering while
 * a cell blocks the main thread; the main thread only sees decoded requests.
 */
import type { Header } from "../wire/message.js";

/** A request forwarded to the main thread (identities stay in the io thread). */
export interface ForwardedRequest {
  channel: "shell" | "control";
  header: Header;
  parent_header: Record<string, unknown>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
  buffers: Uint8Array[];
}

/** io thread -> main thread. */
export type ToMain =
  | { type: "ready" }
  | { type: "fatal"; message: string }
  | { type: "request"; request: ForwardedRequest }
  | { type: "interrupt" }
  | { type: "shutdown"; restart: boolean }
  | { type: "input_reply"; value: string }
  | { type: "closed" };

/** An outgoing message body; the io thread adds header and signature. */
export interface Outgoing {
  msg_type: string;
  content: unknown;
  parent_header: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  buffers?: Uint8Array[];
}

/** main thread -> io thread. */
export type ToIo =
  | { type: "iopub"; message: Outgoing }
  /** A request finished: its reply (if it has one) goes out, then queued executes are aborted if asked, then idle. */
  | { type: "done"; reply?: Outgoing; abortQueued: boolean }
  | { type: "input_request"; prompt: string; password: boolean; parent_header: Record<string, unknown> }
  | { type: "kernel_info"; content: Record<string, unknown> }
  | { type: "close" };

/** Data the io thread starts with. */
export interface IoWorkerData {
  connection: import("./connection.js").ConnectionInfo;
  /** Int32Array view target: [0] = interrupt requested. Shared so a blocked main thread sees it. */
  interruptFlag: SharedArrayBuffer;
  kernelInfo: Record<string, unknown>;
  session: string;
}
