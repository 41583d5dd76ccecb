/**
 * A Jupyter client over ZeroMQ: what tests and the headless runner use to
 * talk to a kernel (ours or any other), like jupyter_client's BlockingKernelClient.
 */
import { randomUUID } from "node:crypto";
import * as zmq from "zeromq";
import { endpoint, type ConnectionInfo } from "../channels/connection.js";
import { SerialSender } from "../channels/serial-sender.js";
import { decode, encode, WireError } from "../wire/frames.js";
import { makeHeader, type Message } from "../wire/message.js";
import { Signer } from "../wire/signer.js";

/** The outcome of one execute_request. */
export interface ExecuteResult {
  reply: Message;
  /** iopub messages parented to the request, between busy and idle (status messages excluded). */
  outputs: Message[];
}

/** Options of `execute`. */
export interface ExecuteOptions {
  silent?: boolean;
  store_history?: boolean;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
  user_expressions?: Record<string, string>;
  /** Answers an input_request (needs allow_stdin). */
  onInput?: (prompt: string, password: boolean) => string | Promise<string>;
  /** Called for each iopub output as it arrives (live progress). */
  onOutput?: (message: Message) => void;
  /** Milliseconds to wait for idle; rejects with a TimeoutError after. */
  timeoutMs?: number;
}

/** No answer in time. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

type Waiter = { resolve: (m: Message) => void; reject: (e: Error) => void };

/** A connected client; close() when done. */
export class KernelClient {
  readonly session = randomUUID();
  private readonly signer: Signer;
  // shell and stdin share one routing id: the kernel sends input_request to the
  // identity the execute_request came from (jupyter_client does the same).
  // libzmq retries a refused connect every reconnectInterval plus a random part of it
  // (100-200 ms by default); a kernel binds some 70 ms after its process starts, so a
  // 10 ms interval answers the first request that much sooner (loopback: retries are cheap).
  private readonly shell = new zmq.Dealer({ routingId: this.session, reconnectInterval: 10 });
  private readonly control = new zmq.Dealer({ reconnectInterval: 10 });
  private readonly stdin = new zmq.Dealer({ routingId: this.session, reconnectInterval: 10 });
  private readonly iopub = new zmq.Subscriber({ reconnectInterval: 10 });
  private readonly senders: Record<"shell" | "control" | "stdin", SerialSender>;
  private readonly replies = new Map<string, Waiter>();
  private readonly iopubListeners = new Map<string, (m: Message) => void>();
  private inputHandler: ((m: Message) => void) | undefined;
  private closed = false;
  /** Every iopub message received, in order (tests inspect it). */
  readonly iopubLog: Message[] = [];
  /**
   * Why incoming messages were dropped (bad signature, not JSON ...), the
   * last 20: a kernel running hostile code must not be able to crash its
   * client by sending garbage.
   */
  readonly dropped: string[] = [];

  constructor(private readonly connection: ConnectionInfo) {
    this.signer = new Signer(connection.signature_scheme, connection.key);
    const onError = (error: Error) => {
      if (!this.closed) throw error;
    };
    this.senders = {
      shell: new SerialSender(this.shell, onError),
      control: new SerialSender(this.control, onError),
      stdin: new SerialSender(this.stdin, onError),
    };
  }

  /** Connects all channels and waits until iopub delivers (a kernel_info round trip). */
  async connect(timeoutMs = 30_000): Promise<Message> {
    this.shell.connect(endpoint(this.connection, "shell"));
    this.control.connect(endpoint(this.connection, "control"));
    this.stdin.connect(endpoint(this.connection, "stdin"));
    this.iopub.connect(endpoint(this.connection, "iopub"));
    this.iopub.subscribe();
    void this.pump(this.shell, (m) => this.settle(m));
    void this.pump(this.control, (m) => this.settle(m));
    void this.pump(this.stdin, (m) => this.inputHandler?.(m));
    void this.pump(this.iopub, (m) => {
      this.iopubLog.push(m);
      const parent = m.parent_header.msg_id;
      if (typeof parent === "string") this.iopubListeners.get(parent)?.(m);
    });
    // PUB/SUB joins late: repeat kernel_info until its idle arrives on iopub (what nbclient does).
    // The idle follows the reply at once when iopub is connected; the first waits after the
    // reply are short, so an idle lost to a subscription a few ms late does not cost 500 ms.
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      const header = makeHeader("kernel_info_request", this.session, "client");
      let idleSeen = false;
      let onIdle: (() => void) | undefined;
      this.iopubListeners.set(header.msg_id, (m) => {
        if (m.header.msg_type !== "status" || m.content.execution_state !== "idle") return;
        idleSeen = true;
        onIdle?.();
      });
      const message = await withTimeout(this.send("shell", header, {}), Math.max(1, deadline - Date.now()), "kernel_info_reply");
      const gotIdle =
        idleSeen ||
        (await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), Math.min(500, 25 * 2 ** attempt));
          onIdle = () => {
            clearTimeout(timer);
            resolve(true);
          };
        }));
      this.iopubListeners.delete(header.msg_id);
      if (gotIdle) return message;
    }
    throw new TimeoutError(`no iopub traffic from the kernel within ${timeoutMs} ms`);
  }

  private async pump(socket: zmq.Dealer | zmq.Subscriber, deliver: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of socket) {
        let message: Message;
        try {
          message = decode(frames, this.signer);
        } catch (error) {
          if (!(error instanceof WireError)) throw error;
          this.dropped.push(error.message);
          if (this.dropped.length > 20) this.dropped.shift();
          continue;
        }
        deliver(message);
      }
    } catch (error) {
      if (!this.closed) throw error;
    }
  }

  private settle(message: Message): void {
    const id = message.parent_header.msg_id;
    if (typeof id !== "string") return;
    const waiter = this.replies.get(id);
    this.replies.delete(id);
    waiter?.resolve(message);
  }

  /** Sends a message with a prepared header; resolves with its reply. */
  send(channel: "shell" | "control", header: ReturnType<typeof makeHeader>, content: Record<string, unknown>, buffers: Buffer[] = []): Promise<Message> {
    const reply = new Promise<Message>((resolve, reject) => this.replies.set(header.msg_id, { resolve, reject }));
    void this.senders[channel].send(encode({ header, parent_header: {}, metadata: {}, content, buffers }, this.signer));
    return reply;
  }

  /** Sends a request and waits for its reply. */
  request(channel: "shell" | "control", msgType: string, content: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<Message> {
    return withTimeout(this.send(channel, makeHeader(msgType, this.session, "client"), content), timeoutMs, msgType);
  }

  /** Sends raw frames on a channel (for tests of malformed input). */
  sendRaw(channel: "shell" | "control", frames: Buffer[]): Promise<void> {
    return this.senders[channel].send(frames);
  }

  /** Signs and encodes a message (for tests that tamper with frames). */
  encode(msgType: string, content: Record<string, unknown>): { header: ReturnType<typeof makeHeader>; frames: Buffer[] } {
    const header = makeHeader(msgType, this.session, "client");
    return { header, frames: encode({ header, parent_header: {}, metadata: {}, content, buffers: [] }, this.signer) };
  }

  /** Waits for the reply to a request sent with a known msg_id (after sendRaw). */
  waitForReply(msgId: string, timeoutMs = 30_000): Promise<Message> {
    return withTimeout(new Promise<Message>((resolve, reject) => this.replies.set(msgId, { resolve, reject })), timeoutMs, "reply");
  }

  /** Runs code and collects its iopub output until the request's idle. */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    const header = makeHeader("execute_request", this.session, "client");
    const outputs: Message[] = [];
    const idle = new Promise<void>((resolve) => {
      this.iopubListeners.set(header.msg_id, (m) => {
        if (m.header.msg_type === "status") {
          if (m.content.execution_state === "idle") resolve();
          return;
        }
        outputs.push(m);
        options.onOutput?.(m);
      });
    });
    if (options.onInput) {
      const answer = options.onInput;
      this.inputHandler = async (m) => {
        const value = await answer(String(m.content.prompt ?? ""), Boolean(m.content.password));
        const replyHeader = makeHeader("input_reply", this.session, "client");
        void this.senders.stdin.send(encode({ header: replyHeader, parent_header: m.header, metadata: {}, content: { value }, buffers: [] }, this.signer));
      };
    }
    const content = {
      code,
      silent: options.silent ?? false,
      store_history: options.store_history ?? true,
      user_expressions: options.user_expressions ?? {},
      allow_stdin: options.allow_stdin ?? Boolean(options.onInput),
      stop_on_error: options.stop_on_error ?? true,
    };
    try {
      const reply = this.send("shell", header, content);
      const timeoutMs = options.timeoutMs ?? 120_000;
      const [message] = await withTimeout(Promise.all([reply, idle]), timeoutMs, "execute_request");
      return { reply: message, outputs };
    } finally {
      this.iopubListeners.delete(header.msg_id);
      this.inputHandler = undefined;
    }
  }

  /** Sends an execute_request without waiting (for queueing tests); returns its msg_id and reply promise. */
  submit(code: string, options: Omit<ExecuteOptions, "onInput" | "onOutput" | "timeoutMs"> = {}): { msgId: string; reply: Promise<Message> } {
    const header = makeHeader("execute_request", this.session, "client");
    const reply = this.send("shell", header, {
      code,
      silent: options.silent ?? false,
      store_history: options.store_history ?? true,
      user_expressions: options.user_expressions ?? {},
      allow_stdin: false,
      stop_on_error: options.stop_on_error ?? true,
    });
    return { msgId: header.msg_id, reply };
  }

  /** Pings the heartbeat channel; resolves with the round-trip time in ms, rejects after timeoutMs. */
  async heartbeat(timeoutMs = 2_000): Promise<number> {
    const socket = new zmq.Request({ receiveTimeout: timeoutMs, linger: 0 });
    socket.connect(endpoint(this.connection, "hb"));
    try {
      const start = performance.now();
      await socket.send("ping");
      const [echo] = await socket.receive();
      if (echo.toString() !== "ping") throw new Error("heartbeat echoed something else");
      return performance.now() - start;
    } finally {
      socket.close();
    }
  }

  /** Closes all sockets. */
  close(): void {
    this.closed = true;
    for (const waiter of this.replies.values()) waiter.reject(new Error("client closed"));
    this.replies.clear();
    for (const socket of [this.shell, this.control, this.stdin, this.iopub]) socket.close();
  }
}

/** Rejects with a TimeoutError if the promise takes longer than ms. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(`no answer to ${what} within ${ms} ms`)), ms);
    }),
  ]);
}
