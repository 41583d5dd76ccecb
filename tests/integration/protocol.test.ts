/**
 * The kernel foundation over real ZeroMQ: message fields, status ordering,
 * control while busy, shutdown, comms, history, is_complete, bad input.
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zmq from "zeromq";
import { endpoint } from "../../kernel/channels/connection.js";
import { KernelClient } from "../../kernel/client/client.js";
import { launchKernel } from "../../kernel/client/launch.js";
import { decode } from "../../kernel/wire/frames.js";
import { Signer } from "../../kernel/wire/signer.js";
import type { Message } from "../../kernel/wire/message.js";
import { cellSignal, exited, settled, startKernel, waitForIopub, type KernelUnderTest } from "./kernel-harness.js";

const HEADER_FIELDS = ["msg_id", "session", "username", "date", "msg_type", "version"];

describe("kernel protocol", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
  });
  afterAll(() => k?.stop());

  it("answers kernel_info with the TypeScript language_info and a banner naming the backend", async () => {
    const reply = await k.client.request("shell", "kernel_info_request");
    const content = reply.content as Record<string, any>; // eslint-style: JSON from the wire
    expect(content.status).toBe("ok");
    expect(Number(content.protocol_version.split(".")[1])).toBeGreaterThanOrEqual(3);
    expect(content.implementation).toBe("tensorcell");
    expect(content.language_info).toMatchObject({
      name: "typescript",
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
    });
    expect(content.language_info.codemirror_mode).toBeTruthy();
    expect(content.banner).toMatch(/Tensor backend: \w+/);
    expect(content.help_links.length).toBeGreaterThan(0);
    const control = await k.client.request("control", "kernel_info_request");
    expect(control.content.status).toBe("ok");
  });

  it("puts every header field on replies and outputs, with the request as parent", async () => {
    const { reply, outputs } = await k.client.execute("console.log('hi'); 1 + 1");
    for (const message of [reply, ...outputs]) {
      for (const field of HEADER_FIELDS) expect(message.header[field], `${message.header.msg_type}.${field}`).toBeTruthy();
      expect(message.parent_header.msg_id).toBe(reply.parent_header.msg_id);
    }
    expect(reply.content.status).toBe("ok");
  });

  it("publishes busy first and idle last for every request, kernel_info included", async () => {
    for (const [channel, type] of [["shell", "kernel_info_request"], ["shell", "is_complete_request"], ["shell", "execute_request"], ["control", "kernel_info_request"]] as const) {
      const reply = await k.client.request(channel, type, type === "execute_request" ? { code: "1", silent: false } : { code: "1" });
      await waitForIopub(k.client, (m) => m.parent_header.msg_id === reply.parent_header.msg_id && m.content.execution_state === "idle");
      const mine = k.client.iopubLog.filter((m) => m.parent_header.msg_id === reply.parent_header.msg_id);
      expect(mine[0].content.execution_state, type).toBe("busy");
      expect(mine.at(-1)!.content.execution_state, type).toBe("idle");
    }
  });

  it("keeps history for tail, range and search (with n and unique)", async () => {
    await k.run("const historyProbe = 40");
    await k.run("historyProbe + 2");
    await k.run("historyProbe + 2");
    const tail = await k.client.request("shell", "history_request", { hist_access_type: "tail", n: 2, output: false, raw: true });
    const entries = tail.content.history as [number, number, string][];
    expect(entries.map((e) => e[2])).toEqual(["historyProbe + 2", "historyProbe + 2"]);
    const [session, line] = entries[0];
    const range = await k.client.request("shell", "history_request", { hist_access_type: "range", session, start: line, stop: line + 1, raw: true, output: false });
    expect(range.content.history).toEqual([[session, line, "historyProbe + 2"]]);
    const search = await k.client.request("shell", "history_request", { hist_access_type: "search", pattern: "*historyProbe*", raw: true, output: false });
    expect((search.content.history as unknown[]).length).toBe(3);
    const unique = await k.client.request("shell", "history_request", { hist_access_type: "search", pattern: "historyProbe +*", unique: true, raw: true, output: false });
    expect((unique.content.history as unknown[]).length).toBe(1);
    const limited = await k.client.request("shell", "history_request", { hist_access_type: "search", pattern: "*", n: 2, raw: true, output: false });
    expect((limited.content.history as unknown[]).length).toBe(2);
  });

  it("answers is_complete with complete, incomplete (and an indent) and invalid", async () => {
    const ask = async (code: string) => (await k.client.request("shell", "is_complete_request", { code })).content;
    expect(await ask("const a = 1")).toMatchObject({ status: "complete" });
    expect(await ask("function f() {")).toMatchObject({ status: "incomplete" });
    expect(typeof (await ask("function f() {")).indent).toBe("string");
    expect(await ask("const = ;")).toMatchObject({ status: "invalid" });
  });

  it("lists comms, closes a comm opened for an unknown target, and keeps serving", async () => {
    const info = await k.client.request("shell", "comm_info_request", {});
    expect(info.content).toMatchObject({ status: "ok", comms: {} });
    const open = k.client.encode("comm_open", { comm_id: "c-1", target_name: "no-such-target", data: {} });
    await k.client.sendRaw("shell", open.frames);
    await waitFor(() => k.client.iopubLog.some((m) => m.header.msg_type === "comm_close" && m.content.comm_id === "c-1"));
    expect((await k.run("2 + 3")).result?.data).toMatchObject({ "text/plain": "5" });
  });

  it("logs and ignores unknown message types, and answers the next request", async () => {
    const unknown = k.client.encode("frobnicate_request", {});
    await k.client.sendRaw("shell", unknown.frames);
    await waitFor(() => k.kernel.stderr().includes("frobnicate_request"));
    expect((await k.run("'still here'")).result?.data).toMatchObject({ "text/plain": "'still here'" });
  });

  it("drops garbage, unsigned, badly signed and header-less messages with one log line each, and keeps serving", async () => {
    const before = k.kernel.stderr().split("\n").length;
    await k.client.sendRaw("shell", [Buffer.from("garbage"), Buffer.from([0, 1, 2, 255])]);
    const good = k.client.encode("kernel_info_request", {});
    const badSignature = [...good.frames];
    badSignature[1] = Buffer.from("0".repeat(64));
    await k.client.sendRaw("shell", badSignature);
    const unsigned = [...good.frames];
    unsigned[1] = Buffer.alloc(0);
    await k.client.sendRaw("shell", unsigned);
    await k.client.sendRaw("control", badSignature);
    await waitFor(() => /bad signature/.test(k.kernel.stderr()) && /missing signature/.test(k.kernel.stderr()) && /delimiter/.test(k.kernel.stderr()));
    // A header without msg_type, properly signed.
    const signer = new Signer("hmac-sha256", k.kernel.connection.key);
    const parts = [{ msg_id: "x", session: "s" }, {}, {}, {}].map((p) => Buffer.from(JSON.stringify(p)));
    await k.client.sendRaw("shell", [Buffer.from("<IDS|MSG>"), Buffer.from(signer.sign(parts)), ...parts]);
    await waitFor(() => /header has no msg_type/.test(k.kernel.stderr()));
    const added = k.kernel.stderr().split("\n").length - before;
    expect(added).toBe(5); // exactly one line per dropped message
    expect((await k.run("1 + 1")).reply.status).toBe("ok");
  });

  it("survives a 50 MB message and answers the next request", async () => {
    const big = "x".repeat(50 * 1024 * 1024);
    const reply = await k.client.request("shell", "is_complete_request", { code: `const s = "${big}"` }, 120_000);
    expect(reply.content.status).toBe("complete");
    expect((await k.run("3 * 3")).result?.data).toMatchObject({ "text/plain": "9" });
  });

  it("serves heartbeat and control while a cell blocks the main thread", async () => {
    const started = cellSignal();
    const release = cellSignal();
    const blocked = k.client.submit(`${started.raise} const fsBlocked = require("node:fs"); while (!fsBlocked.existsSync(${JSON.stringify(release.path)})) {} 'done'`);
    await started.reached();
    for (let i = 0; i < 5; i++) await k.client.heartbeat(10_000);
    const info = await k.client.request("control", "kernel_info_request", {}, 10_000);
    expect(info.content.status).toBe("ok");
    expect(await settled(blocked.reply)).toBe(false); // answered while the cell still held the main thread
    writeFileSync(release.path, "");
    expect((await blocked.reply).content.status).toBe("ok");
    // The control request's busy/idle go out on iopub once the main thread is free again.
    const statuses = await waitForIopub(k.client, (m) => m.parent_header.msg_id === info.parent_header.msg_id && m.content.execution_state === "idle");
    expect(statuses.content.execution_state).toBe("idle");
    const forInfo = k.client.iopubLog.filter((m) => m.parent_header.msg_id === info.parent_header.msg_id).map((m) => m.content.execution_state);
    expect(forInfo).toEqual(["busy", "idle"]);
  });

  it("answers kernel_info on shell at once while a cell awaits, ahead of the requests queued behind it", async () => {
    const release = cellSignal();
    const waiting = k.client.submit(
      `await new Promise((done) => { const t = setInterval(() => { if (require("node:fs").existsSync(${JSON.stringify(release.path)})) { clearInterval(t); done(); } }, 5); }); 'woke'`,
    );
    const queued = k.client.submit("'queued after'");
    const info = await k.client.request("shell", "kernel_info_request", {}, 10_000);
    expect(info.content.status).toBe("ok");
    expect(await settled(waiting.reply)).toBe(false);
    expect(await settled(queued.reply)).toBe(false);
    writeFileSync(release.path, "");
    expect((await waiting.reply).content.status).toBe("ok");
    expect((await queued.reply).content.status).toBe("ok");
  });
});

describe("kernel lifecycle", () => {
  it("publishes status starting once at start-up", async () => {
    const subscriber = new zmq.Subscriber();
    const seen: Message[] = [];
    const kernel = await launchKernel({
      beforeStart: (connection) => {
        subscriber.connect(endpoint(connection, "iopub"));
        subscriber.subscribe();
        const signer = new Signer(connection.signature_scheme, connection.key);
        void (async () => {
          for await (const frames of subscriber) seen.push(decode(frames, signer));
        })().catch(() => {});
      },
    });
    const client = new KernelClient(kernel.connection);
    try {
      // `starting` goes out when the first subscriber joins: this one, connected before the kernel bound.
      await waitFor(() => seen.length > 0, 20_000);
      expect(seen[0].content.execution_state).toBe("starting");
      await client.connect();
      const info = await client.request("shell", "kernel_info_request");
      await waitForIopub(client, (m) => m.parent_header.msg_id === info.parent_header.msg_id && m.content.execution_state === "idle");
      const starting = [...seen, ...client.iopubLog].filter((m) => m.content.execution_state === "starting");
      expect(starting).toHaveLength(1);
    } finally {
      client.close();
      subscriber.close();
      await kernel.dispose();
    }
  });

  for (const channel of ["control", "shell"] as const) {
    it(`shuts down on ${channel}, echoing restart, and exits 0`, async () => {
      const k = await startKernel();
      try {
        const reply = await k.client.request(channel, "shutdown_request", { restart: true });
        expect(reply.content).toMatchObject({ status: "ok", restart: true });
        expect(await exited(k.kernel)).toBe(0);
      } finally {
        await k.stop();
      }
    });
  }

  it("works over the ipc transport", async () => {
    const k = await startKernel({ transport: "ipc" });
    try {
      expect((await k.run("'ipc ' + 1")).result?.data).toMatchObject({ "text/plain": "'ipc 1'" });
    } finally {
      await k.stop();
    }
  });
});

/** A kernel_info round trip, so everything published before it has arrived. */
async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
