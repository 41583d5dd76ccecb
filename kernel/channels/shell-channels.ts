/**
 * Shell, iopub and stdin on the main thread, where cells run: a request is
 * decoded, handled and answered here without crossing to another thread (the
 * round trip of a trivial cell is then mostly the cell itself). Requests are
 * handled one at a time with busy/idle around each; those that arrive while a
 * cell runs wait in `queue` (or, while a cell blocks the thread, in ZeroMQ's
 * own queue). Control and heartbeat live on the control thread.
 *
 * Every socket sends with sendTimeout 0: ROUTER and XPUB sockets never block on
 * send (they drop for a peer that is gone or over its high-water mark), so a
 * send hands its frames to ZeroMQ at once, with no promise chain, and can never
 * fail with "Socket is busy writing".
 */
import { createRequire } from "node:module";
import type * as Zmq from "zeromq";
import { bindChannel, type Channel, type ConnectionInfo } from "./connection.js";
import type { IncomingRequest, Outgoing } from "./thread-messages.js";
import { decode, encodeOutgoing, WireError } from "../wire/frames.js";
import { replyType, type Header, type Message } from "../wire/message.js";
import { Signer } from "../wire/signer.js";

// On the first reply's path: an ESM import of this CommonJS package first scans its source
// for export names; require skips that (about 6 ms of start-up here).
const zmq = createRequire(import.meta.url)("zeromq") as typeof Zmq;

/** What handling a request produced: its reply (if any) and whether queued executes are aborted (stop_on_error). */
export interface RequestOutcome {
  reply?: Outgoing;
  abortQueued?: boolean;
}

/** Handles one shell request on the main thread. */
export type RequestHandler = (request: IncomingRequest) => Promise<RequestOutcome>;

/** What interrupt_request and shutdown_request do when a client sends them on shell (control is the usual channel). */
export interface ShellControl {
  interrupt(): void;
  shutdown(restart: boolean): void;
}

/** The main thread's sockets: shell requests in, replies and iopub out, stdin for input(). */
export class ShellChannels {
  private readonly signer: Signer;
  private readonly shell = new zmq.Router({ sendTimeout: 0, receiveHighWaterMark: 0 });
  // XPUB rather than PUB: it sees subscriptions, so `starting` goes out once the first
  // subscriber is there to receive it (a PUB socket would drop it before anyone joined).
  private readonly iopub = new zmq.XPublisher({ sendTimeout: 0, sendHighWaterMark: 100_000 });
  private readonly stdin = new zmq.Router({ sendTimeout: 0 });
  /** Shell requests waiting for the one being handled, oldest first. */
  private readonly queue: Message[] = [];
  /** The shell request being handled. */
  private current: Message | undefined;
  private handler: RequestHandler | undefined;
  private stopped = false;
  private closed = false;
  private pendingInput: ((value: string) => void) | undefined;
  /** The receive loops; they end once their sockets are closed. */
  private loops: Promise<void>[] = [];
  private answeredFirst: () => void = () => {};
  /** Resolves once the first shell request has been answered (start-up work waits for it). */
  readonly firstAnswer = new Promise<void>((resolve) => (this.answeredFirst = resolve));

  /**
   * @param connection the connection file's contents
   * @param session this kernel's session id (in every header it sends)
   * @param kernelInfo the kernel_info_reply content, answered here even before a handler is set
   * @param log writes one kernel log line
   * @param control what an interrupt or shutdown request that came on shell does
   */
  constructor(
    private readonly connection: ConnectionInfo,
    private readonly session: string,
    public kernelInfo: Record<string, unknown>,
    private readonly log: (line: string) => void,
    private readonly control: ShellControl,
  ) {
    this.signer = new Signer(connection.signature_scheme, connection.key);
  }

  /** Binds shell, iopub and stdin; rejects with one line naming the channel (e.g. a port in use). */
  async bind(): Promise<void> {
    const sockets: [Channel, Zmq.Socket][] = [
      ["shell", this.shell],
      ["iopub", this.iopub],
      ["stdin", this.stdin],
    ];
    for (const [channel, socket] of sockets) await bindChannel(socket, this.connection, channel);
  }

  /** Starts receiving. Requests other than kernel_info wait until `setHandler`. */
  serve(): void {
    const crash = (error: unknown) => {
      if (!this.closed) this.log(`channel error: ${(error as Error).stack ?? String(error)}`);
    };
    this.loops = [this.serveShell(), this.serveStdin(), this.announceStarting()].map((loop) => loop.catch(crash));
  }

  /** Sets the request handler and starts on what has queued up. */
  setHandler(handler: RequestHandler): void {
    this.handler = handler;
    this.dispatchNext();
  }

  /** Publishes on iopub now. */
  publish(message: Outgoing): void {
    this.send("iopub", this.iopub, message, [Buffer.from(message.msg_type)]);
  }

  /** Publishes a status message (busy/idle around a request, or `starting`). */
  publishStatus(state: "starting" | "busy" | "idle", parent: Header | Record<string, never>): void {
    this.publish({ msg_type: "status", content: { execution_state: state }, parent_header: parent });
  }

  /** Sends input_request on stdin to the frontend of the request being handled; resolves with its input_reply. */
  requestInput(prompt: string, password: boolean, parent: Record<string, unknown>): Promise<string> {
    return new Promise<string>((resolve) => {
      this.pendingInput = resolve;
      const message = { msg_type: "input_request", content: { prompt, password }, parent_header: parent };
      this.send("stdin", this.stdin, message, this.current?.identities ?? []);
    });
  }

  /** Stops taking shell requests (shutdown): the one being handled finishes, queued ones stay unanswered. */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Closes the sockets (after `stop`); later sends are dropped. Resolves once the receive
   * loops have ended: exiting while ZeroMQ still settles a pending receive aborts the process.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const socket of [this.shell, this.iopub, this.stdin]) socket.close();
    await Promise.all(this.loops);
  }

  private send(channel: string, socket: Zmq.Writable, out: Outgoing, identities: Buffer[]): void {
    // After shutdown, the busy/idle of the shutdown request itself can still arrive from the control thread.
    if (this.closed) return;
    socket.send(encodeOutgoing(out, identities, this.session, this.signer)).catch((error: Error) => this.log(`send on ${channel} failed: ${error.message}`));
  }

  private reply(request: Message, content: Record<string, unknown>): void {
    this.sendReply(request, { msg_type: replyType(request.header.msg_type), content, parent_header: request.header });
  }

  private sendReply(request: Message, reply: Outgoing): void {
    this.send("shell", this.shell, reply, request.identities);
    this.answeredFirst();
  }

  /**
   * Requests answered at once, ahead of queued ones and without the handler: they work from
   * the first moment, before the session has loaded, and while a cell awaits.
   */
  private answerHere(request: Message): boolean {
    const type = request.header.msg_type;
    if (type !== "kernel_info_request" && type !== "interrupt_request" && type !== "shutdown_request") return false;
    this.publishStatus("busy", request.header);
    if (type === "kernel_info_request") {
      this.reply(request, { status: "ok", ...this.kernelInfo });
    } else if (type === "interrupt_request") {
      this.control.interrupt();
      this.reply(request, { status: "ok" });
    } else {
      this.reply(request, { status: "ok", restart: Boolean(request.content.restart) });
    }
    this.publishStatus("idle", request.header);
    if (type === "shutdown_request") this.control.shutdown(Boolean(request.content.restart));
    return true;
  }

  private async serveShell(): Promise<void> {
    for await (const frames of this.shell) {
      let request: Message;
      try {
        request = decode(frames, this.signer);
      } catch (error) {
        if (error instanceof WireError) {
          this.log(`dropped a message on shell: ${error.message}`);
          continue;
        }
        throw error;
      }
      if (this.answerHere(request)) continue;
      this.queue.push(request);
      this.dispatchNext();
    }
  }

  private dispatchNext(): void {
    while (!this.current && !this.stopped) {
      const next = this.queue.shift();
      if (!next) return;
      if (!this.handler) {
        this.queue.unshift(next);
        return;
      }
      this.current = next;
      void this.handle(next, this.handler);
    }
  }

  private async handle(request: Message, handler: RequestHandler): Promise<void> {
    this.publishStatus("busy", request.header);
    let outcome: RequestOutcome = {};
    try {
      outcome = await handler({
        channel: "shell",
        header: request.header,
        parent_header: request.parent_header,
        metadata: request.metadata,
        content: request.content,
        buffers: request.buffers,
      });
    } catch (error) {
      this.log(`error while handling ${request.header.msg_type}: ${(error as Error).stack ?? String(error)}`);
    }
    // Reply, abort and idle in one step: a request the client sends after seeing this
    // reply must not be caught by this request's abort.
    if (outcome.reply) this.sendReply(request, outcome.reply);
    if (outcome.abortQueued) this.abortQueuedExecutes();
    this.publishStatus("idle", request.header);
    this.current = undefined;
    this.dispatchNext();
  }

  /** After an error with stop_on_error, queued execute requests are aborted (ipykernel's behaviour). */
  private abortQueuedExecutes(): void {
    for (let i = 0; i < this.queue.length; ) {
      const request = this.queue[i];
      if (request.header.msg_type !== "execute_request") {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.publishStatus("busy", request.header);
      this.reply(request, { status: "aborted", execution_count: null });
      this.publishStatus("idle", request.header);
    }
  }

  private async serveStdin(): Promise<void> {
    for await (const frames of this.stdin) {
      try {
        const message = decode(frames, this.signer);
        if (message.header.msg_type === "input_reply") {
          const resolve = this.pendingInput;
          this.pendingInput = undefined;
          resolve?.(String(message.content.value ?? ""));
        } else {
          this.log(`unexpected ${message.header.msg_type} on stdin (ignored)`);
        }
      } catch (error) {
        if (!(error instanceof WireError)) throw error;
        this.log(`dropped a message on stdin: ${error.message}`);
      }
    }
  }

  /** Publishes `status: starting` once, when the first client subscribes to iopub. */
  private async announceStarting(): Promise<void> {
    let announced = false;
    for await (const [subscription] of this.iopub) {
      // A subscription frame starts with 1 (an unsubscription with 0).
      if (!announced && subscription[0] === 1) {
        announced = true;
        this.publishStatus("starting", {});
      }
    }
  }
}
