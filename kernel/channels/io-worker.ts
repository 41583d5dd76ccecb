/**
 * The io thread: owns all five sockets. Heartbeat and control are served here,
 * so they answer while a cell keeps the main thread busy (ipykernel uses threads
 * for the same reason). Shell requests are queued and handed to the main thread
 * one at a time; busy/idle are published here around every request.
 */
import { writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { endpoint, type Channel } from "./connection.js";
import { SerialSender } from "./serial-sender.js";
import type { ForwardedRequest, IoWorkerData, Outgoing, ToIo, ToMain } from "./thread-messages.js";
import { decode, encode, WireError } from "../wire/frames.js";
import { makeHeader, replyType, type Message } from "../wire/message.js";
import { Signer } from "../wire/signer.js";

const config = workerData as IoWorkerData;
const port = parentPort!;
const signer = new Signer(config.connection.signature_scheme, config.connection.key);
const interruptFlag = new Int32Array(config.interruptFlag);
let kernelInfo = config.kernelInfo;

const shell = new zmq.Router();
const control = new zmq.Router();
const stdin = new zmq.Router();
// XPUB rather than PUB: it sees subscriptions, so `starting` goes out once the first
// subscriber is there to receive it (a PUB socket would drop it before anyone joined).
const iopub = new zmq.XPublisher({ sendHighWaterMark: 100_000 });
const heartbeat = new zmq.Reply();

const logSendError = (channel: string) => (error: Error) => log(`send on ${channel} failed: ${error.message}`);
const senders = {
  shell: new SerialSender(shell, logSendError("shell")),
  control: new SerialSender(control, logSendError("control")),
  stdin: new SerialSender(stdin, logSendError("stdin")),
  iopub: new SerialSender(iopub, logSendError("iopub")),
};

/** Shell requests waiting for the main thread, oldest first. */
const queue: Message[] = [];
/** The shell request the main thread is working on. */
let current: Message | undefined;
let closing = false;

/** Kernel log lines go straight to fd 2: a worker's process.stderr is piped through the main
 * thread's stream, which the kernel captures for cells. */
function log(line: string): void {
  writeSync(2, `tensorcell: ${line}\n`);
}

function toMain(message: ToMain): void {
  port.postMessage(message);
}

function send(channel: "shell" | "control" | "stdin" | "iopub", out: Outgoing, identities: Buffer[] = []): void {
  const header = makeHeader(out.msg_type, config.session);
  const frames = encode(
    {
      identities: channel === "iopub" ? [Buffer.from(out.msg_type)] : identities,
      header,
      parent_header: out.parent_header,
      metadata: out.metadata ?? {},
      content: out.content,
      buffers: (out.buffers ?? []).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
    },
    signer,
  );
  void senders[channel].send(frames);
}

function publishStatus(state: "starting" | "busy" | "idle", parent: Message["header"] | Record<string, never>): void {
  send("iopub", { msg_type: "status", content: { execution_state: state }, parent_header: parent });
}

function reply(channel: "shell" | "control", request: Message, content: Record<string, unknown>): void {
  send(channel, { msg_type: replyType(request.header.msg_type), content, parent_header: request.header }, request.identities);
}

/** Requests the io thread answers itself, on either channel, without waiting for the main thread. */
function answerHere(channel: "shell" | "control", request: Message): boolean {
  switch (request.header.msg_type) {
    case "kernel_info_request":
      publishStatus("busy", request.header);
      reply(channel, request, { status: "ok", ...kernelInfo });
      publishStatus("idle", request.header);
      return true;
    case "interrupt_request":
      publishStatus("busy", request.header);
      // The flag stops loops in cell code even while the main thread is blocked;
      // the message settles a cell that is waiting on a promise.
      Atomics.store(interruptFlag, 0, 1);
      toMain({ type: "interrupt" });
      reply(channel, request, { status: "ok" });
      publishStatus("idle", request.header);
      return true;
    case "shutdown_request": {
      const restart = Boolean(request.content.restart);
      publishStatus("busy", request.header);
      reply(channel, request, { status: "ok", restart });
      publishStatus("idle", request.header);
      void shutDown(restart);
      return true;
    }
    default:
      return false;
  }
}

async function shutDown(restart: boolean): Promise<void> {
  if (closing) return;
  closing = true;
  await Promise.all(Object.values(senders).map((s) => s.flushed()));
  Atomics.store(interruptFlag, 0, 1); // a cell stuck in a loop gives the main thread back
  toMain({ type: "shutdown", restart });
}

function forward(channel: "shell" | "control", request: Message): void {
  const forwarded: ForwardedRequest = {
    channel,
    header: request.header,
    parent_header: request.parent_header,
    metadata: request.metadata,
    content: request.content,
    buffers: request.buffers,
  };
  toMain({ type: "request", request: forwarded });
}

function dispatchNext(): void {
  if (current || closing) return;
  const next = queue.shift();
  if (!next) return;
  current = next;
  publishStatus("busy", next.header);
  forward("shell", next);
}

/** After an error with stop_on_error, queued execute requests are aborted (ipykernel's behaviour). */
function abortQueuedExecutes(): void {
  for (let i = 0; i < queue.length; ) {
    const request = queue[i];
    if (request.header.msg_type !== "execute_request") {
      i++;
      continue;
    }
    queue.splice(i, 1);
    publishStatus("busy", request.header);
    reply("shell", request, { status: "aborted", execution_count: null });
    publishStatus("idle", request.header);
  }
}

async function serveRouter(channel: "shell" | "control", socket: zmq.Router): Promise<void> {
  for await (const frames of socket) {
    let request: Message;
    try {
      request = decode(frames, signer);
    } catch (error) {
      if (error instanceof WireError) {
        log(`dropped a message on ${channel}: ${error.message}`);
        continue;
      }
      throw error;
    }
    if (answerHere(channel, request)) continue;
    if (channel === "control") {
      // Control requests the io thread does not handle (debug_request, usage_request...)
      // are logged and ignored like ipykernel does, with busy/idle around them.
      publishStatus("busy", request.header);
      log(`unknown message type on control: ${request.header.msg_type}`);
      publishStatus("idle", request.header);
      continue;
    }
    queue.push(request);
    dispatchNext();
  }
}

async function serveStdin(): Promise<void> {
  for await (const frames of stdin) {
    try {
      const message = decode(frames, signer);
      if (message.header.msg_type === "input_reply") {
        toMain({ type: "input_reply", value: String(message.content.value ?? "") });
      } else {
        log(`unexpected ${message.header.msg_type} on stdin (ignored)`);
      }
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      log(`dropped a message on stdin: ${error.message}`);
    }
  }
}

/** Publishes `status: starting` once, when the first client subscribes to iopub. */
async function announceStarting(): Promise<void> {
  let announced = false;
  for await (const [subscription] of iopub) {
    // A subscription frame starts with 1 (an unsubscription with 0).
    if (!announced && subscription[0] === 1) {
      announced = true;
      publishStatus("starting", {});
    }
  }
}

async function serveHeartbeat(): Promise<void> {
  for await (const frames of heartbeat) await heartbeat.send(frames);
}

port.on("message", (message: ToIo) => {
  switch (message.type) {
    case "iopub":
      send("iopub", message.message);
      break;
    case "done":
      // Reply, abort and idle in one step: a request the client sends after seeing
      // this reply must not be caught by this request's abort.
      if (current && message.reply) send("shell", message.reply, current.identities);
      if (message.abortQueued) abortQueuedExecutes();
      if (current) publishStatus("idle", current.header);
      current = undefined;
      dispatchNext();
      break;
    case "input_request":
      send(
        "stdin",
        {
          msg_type: "input_request",
          content: { prompt: message.prompt, password: message.password },
          parent_header: message.parent_header,
        },
        current?.identities ?? [],
      );
      break;
    case "kernel_info":
      kernelInfo = message.content;
      break;
    case "close":
      void closeAll();
      break;
  }
});

async function closeAll(): Promise<void> {
  closing = true;
  await Promise.all(Object.values(senders).map((s) => s.flushed()));
  for (const socket of [shell, control, stdin, iopub, heartbeat]) socket.close();
  toMain({ type: "closed" });
}

async function bindAll(): Promise<void> {
  const sockets: [Channel, zmq.Socket][] = [
    ["shell", shell],
    ["control", control],
    ["stdin", stdin],
    ["iopub", iopub],
    ["hb", heartbeat],
  ];
  for (const [channel, socket] of sockets) {
    const address = endpoint(config.connection, channel);
    try {
      await socket.bind(address);
    } catch (error) {
      const reason = (error as Error).message.includes("in use") ? "address already in use" : (error as Error).message;
      throw new Error(`cannot bind the ${channel} channel to ${address}: ${reason}`);
    }
  }
}

try {
  await bindAll();
  toMain({ type: "ready" });
  void announceStarting();
  const crash = (error: unknown) => log(`io thread error: ${(error as Error).stack ?? String(error)}`);
  serveRouter("shell", shell).catch(crash);
  serveRouter("control", control).catch(crash);
  serveStdin().catch(crash);
  serveHeartbeat().catch(crash);
} catch (error) {
  toMain({ type: "fatal", message: (error as Error).message });
}
