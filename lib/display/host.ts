/**
 * The bridge between the library and whatever runs it. Inside the kernel,
 * kernel/bridge.ts installs a host that turns these calls into iopub, stdin
 * and comm messages for the cell that made them; in a plain Node script the
 * default host prints text. The library never sees ZeroMQ.
 */

/** A MIME bundle: mime type to data (strings, or JSON objects for JSON-based types). */
export type MimeBundle = Record<string, unknown>;

/** Display messages the library can publish (Jupyter's names). */
export type DisplayMessage =
  | { type: "display_data"; data: MimeBundle; metadata?: Record<string, unknown>; displayId?: string }
  | { type: "update_display_data"; data: MimeBundle; metadata?: Record<string, unknown>; displayId: string }
  | { type: "clear_output"; wait: boolean };

/** Handler for messages a frontend sends to a comm the library opened or accepted. */
export interface CommHandler {
  /**
   * Called for each comm_msg the frontend sends; `data` is the message's content.data,
   * `parent` its header (in a kernel, output of the handler is parented to it).
   */
  onMessage?(data: unknown, buffers: ArrayBuffer[], parent?: Record<string, unknown>): void;
  /** Called when the frontend closes the comm. */
  onClose?(data: unknown): void;
}

/** An open comm the library can send on. */
export interface Comm {
  readonly commId: string;
  readonly targetName: string;
  /** Sends a comm_msg with `data` (and binary buffers, if any). */
  send(data: unknown, buffers?: Uint8Array[]): void;
  close(data?: unknown): void;
}

/** The comm_open message's metadata and binary buffers. */
export interface CommOpenExtra {
  metadata?: Record<string, unknown>;
  buffers?: Uint8Array[];
}

/** What the library needs from its runner. */
export interface Host {
  /** Publishes a display message for the cell that is running (or that started the async work). */
  display(message: DisplayMessage): void;
  /** Asks the user for a line of input; rejects when the frontend does not allow input. */
  input(prompt: string, options?: { password?: boolean }): Promise<string>;
  /** Registers a handler for comms a frontend opens with this target name. */
  registerCommTarget(targetName: string, onOpen: (comm: Comm, data: unknown) => CommHandler | void): void;
  /** Opens a comm from this side (absent outside a kernel: there is no frontend to talk to). */
  openComm?(targetName: string, data: unknown, handler?: CommHandler, extra?: CommOpenExtra): Comm;
  /**
   * The msg_id of the request the running code belongs to (the cell's execute_request,
   * or the comm_msg whose handler runs): output parented to it. Absent outside a kernel.
   */
  parentMessageId?(): string | undefined;
  /** Writes a line to the runner's own log (the kernel's stderr), not to any cell. */
  log?(line: string): void;
  /** True when the current cell was interrupted; long loops in the library check it. */
  interrupted(): boolean;
  /**
   * Runs `hook` if the cell running now is stopped before the returned
   * function is called (which unregisters it). Absent outside a kernel.
   */
  onCellStop?(hook: () => void): () => void;
}

/** Outside a kernel: display prints the text/plain form; input reads nothing. */
const plainHost: Host = {
  display(message) {
    if (message.type === "clear_output") return;
    const text = message.data["text/plain"];
    if (typeof text === "string") process.stdout.write(text + "\n");
  },
  input() {
    return Promise.reject(new Error("input() needs a Jupyter frontend; this code is not running in the tensorcell kernel."));
  },
  registerCommTarget() {},
  interrupted: () => false,
};

let current: Host = plainHost;

/** The host the library talks to now. */
export function host(): Host {
  return current;
}

/** Installs the runner's host; the kernel bridge calls this once at start-up. */
export function setHost(next: Host): void {
  current = next;
}
