/**
 * The control thread: owns the control and heartbeat sockets, so they answer
 * while a cell keeps the main thread busy (ipykernel serves control on a
 * thread of its own for the same reason). An interrupt_request raises the
 * shared flag that loops in cell code check, then tells the main thread, which
 * settles a cell waiting on a promise. The busy/idle around each control
 * request go to the main thread, which owns iopub: while a cell blocks it,
 * they are published once it is free again.
 */
import { writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import * as zmq from "zeromq";
import { bindChannel } from "./connection.js";
import type { ControlWorkerData, ToControl, ToMain } from "./thread-messages.js";
import { decode, encodeOutgoing, WireError } from "../wire/frames.js";
import { replyType, type Message } from "../wire/message.js";
import { Signer } from "../wire/signer.js";

const config = workerData as ControlWorkerData;
const port = parentPort!;
const signer = new Signer(config.connection.signature_scheme, config.connection.key);
const interruptFlag = new Int32Array(config.interruptFlag);
let kernelInfo = config.kernelInfo;

// sendTimeout 0: a ROUTER never blocks on send (it drops when a peer is gone), so every
// send completes at once and nothing is ever "busy writing".
const control = new zmq.Router({ sendTimeout: 0 });
const heartbeat = new zmq.Reply();
let closing = false;

/** Kernel log lines go straight to fd 2: a worker's process.stderr is piped through the main
 * thread's stream, which the kernel captures for cells. */
function log(line: string): void {
  writeSync(2, `tensorcell: ${line}\n`);
}

function toMain(message: ToMain): void {
  port.postMessage(message);
}

function reply(request: Message, content: Record<string, unknown>): void {
  const frames = encodeOutgoing({ msg_type: replyType(request.header.msg_type), content, parent_header: request.header }, request.identities, config.session, signer);
  control.send(frames).catch((error: Error) => log(`send on control failed: ${error.message}`));
}

/** Answers one control request, with busy/idle around it (published by the main thread). */
function answer(request: Message): void {
  let afterIdle: ToMain | undefined;
  toMain({ type: "status", state: "busy", parent: request.header });
  switch (request.header.msg_type) {
    case "kernel_info_request":
      reply(request, { status: "ok", ...kernelInfo });
      break;
    case "interrupt_request":
      // The flag stops loops in cell code even while the main thread is blocked;
      // the message settles a cell that is waiting on a promise.
      Atomics.store(interruptFlag, 0, 1);
      toMain({ type: "interrupt" });
      reply(request, { status: "ok" });
      break;
    case "shutdown_request": {
      const restart = Boolean(request.content.restart);
      reply(request, { status: "ok", restart });
      if (!closing) {
        closing = true;
        Atomics.store(interruptFlag, 0, 1); // a cell stuck in a loop gives the main thread back
        afterIdle = { type: "shutdown", restart }; // after idle: the main thread closes iopub on it
      }
      break;
    }
    default:
      // Control requests this kernel does not handle (debug_request, usage_request...)
      // are logged and ignored like ipykernel does, with busy/idle around them.
      log(`unknown message type on control: ${request.header.msg_type}`);
  }
  toMain({ type: "status", state: "idle", parent: request.header });
  if (afterIdle) toMain(afterIdle);
}

async function serveControl(): Promise<void> {
  for await (const frames of control) {
    try {
      answer(decode(frames, signer));
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      log(`dropped a message on control: ${error.message}`);
    }
  }
}

async function serveHeartbeat(): Promise<void> {
  for await (const frames of heartbeat) await heartbeat.send(frames);
}

port.on("message", (message: ToControl) => {
  switch (message.type) {
    case "kernel_info":
      kernelInfo = message.content;
      break;
    case "close":
      closing = true;
      // A shutdown on shell can come before this thread has bound its sockets: a bind still
      // in flight when the process exits aborts it (ZeroMQ settles the bind during teardown).
      void bound.catch(() => {}).then(() => {
        control.close();
        heartbeat.close();
        toMain({ type: "closed" });
      });
      break;
  }
});

const bound = (async () => {
  await bindChannel(control, config.connection, "control");
  await bindChannel(heartbeat, config.connection, "hb");
})();

try {
  await bound;
  toMain({ type: "ready" });
  const crash = (error: unknown) => log(`control thread error: ${(error as Error).stack ?? String(error)}`);
  serveControl().catch(crash);
  serveHeartbeat().catch(crash);
} catch (error) {
  toMain({ type: "fatal", message: (error as Error).message });
}
