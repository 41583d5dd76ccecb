// The grader's client talks to kernels that run student code: a kernel that
// sends garbage, or messages signed with another key, must not crash it.
// Here a small fake kernel on real ZeroMQ sockets answers kernel_info and
// publishes bad frames before the good ones.
import { afterEach, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import { KernelClient } from "../../../kernel/client/client.js";
import type { ConnectionInfo } from "../../../kernel/channels/connection.js";
import { decode, encode } from "../../../kernel/wire/frames.js";
import { makeHeader, type Message } from "../../../kernel/wire/message.js";
import { Signer } from "../../../kernel/wire/signer.js";

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

async function fakeKernel(key: string) {
  const shell = new zmq.Router();
  const iopub = new zmq.Publisher();
  const others = [new zmq.Router(), new zmq.Router(), new zmq.Reply()];
  await shell.bind("tcp://127.0.0.1:*");
  await iopub.bind("tcp://127.0.0.1:*");
  for (const socket of others) await socket.bind("tcp://127.0.0.1:*");
  const port = (socket: zmq.Socket) => Number(socket.lastEndpoint!.split(":").pop());
  const connection: ConnectionInfo = {
    transport: "tcp", ip: "127.0.0.1", key, signature_scheme: "hmac-sha256",
    shell_port: port(shell), iopub_port: port(iopub), control_port: port(others[0]!), stdin_port: port(others[1]!), hb_port: port(others[2]!),
  } as ConnectionInfo;
  const signer = new Signer("hmac-sha256", key);
  const wrongSigner = new Signer("hmac-sha256", "another key");
  const publish = async (message: Omit<Message, "identities">, with_ = signer) => iopub.send(encode(message, with_));
  void (async () => {
    for await (const frames of shell) {
      const request = decode(frames, signer);
      const parent = request.header;
      const status = (state: string) => ({ header: makeHeader("status", "fake"), parent_header: parent, metadata: {}, content: { execution_state: state }, buffers: [] });
      // Garbage first: not a message at all, a bad signature, then valid but not JSON.
      await iopub.send([Buffer.from("<IDS|MSG>"), Buffer.from("nonsense")]);
      await publish(status("busy"), wrongSigner);
      await publish(status("idle"));
      await shell.send(encode({ identities: request.identities, header: makeHeader("kernel_info_reply", "fake"), parent_header: parent, metadata: {}, content: { status: "ok" }, buffers: [] }, signer));
    }
  })().catch(() => {});
  cleanups.push(() => [shell, iopub, ...others].forEach((s) => s.close()));
  return connection;
}

describe("KernelClient and a misbehaving kernel", () => {
  it("drops garbage and badly signed messages, records why, and keeps working", async () => {
    const connection = await fakeKernel("the key");
    const client = new KernelClient(connection);
    cleanups.push(() => client.close());
    const reply = await client.connect(20_000);
    expect(reply.header.msg_type).toBe("kernel_info_reply");
    // Only the correctly signed idle got through; each bad message left one reason.
    expect(client.iopubLog.every((m) => m.header.session === "fake")).toBe(true);
    expect(client.iopubLog.filter((m) => m.content.execution_state === "busy")).toEqual([]);
    expect(client.dropped.length).toBeGreaterThanOrEqual(2);
    expect(client.dropped.some((why) => /signature/i.test(why))).toBe(true);
    expect(client.dropped.every((why) => !why.includes("\n"))).toBe(true);
    // Still usable: a second round trip works the same way.
    const again = await client.request("shell", "kernel_info_request");
    expect(again.content.status).toBe("ok");
  });
});
