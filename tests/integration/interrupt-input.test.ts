/**
 * Stop and input (issue 3): interrupts of each kind keep the session's state;
 * input() goes over the stdin channel; heartbeat answers during a 30 s cell.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelUnderTest } from "./kernel-harness.js";

describe("interrupt", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
    await k.run("const keep = 'kept'");
  });
  afterAll(() => k?.stop());

  async function interruptDuring(code: string) {
    const running = k.client.submit(code);
    await new Promise((r) => setTimeout(r, 700));
    const sentAt = Date.now();
    const interrupt = await k.client.request("control", "interrupt_request", {}, 2000);
    const reply = await running.reply;
    return { interrupt, reply, latencyMs: Date.now() - sentAt, msgId: running.msgId };
  }

  for (const [kind, code] of [
    ["a synchronous while (true) {}", "while (true) {}"],
    ["a pending await", "await new Promise(() => {})"],
    ["a long async training loop", "let steps = 0; for (;;) { steps++; await new Promise((r) => setTimeout(r, 1)); }"],
    ["a tfjs fit-style loop yielding through setImmediate", "let fitSteps = 0; while (true) { fitSteps++; await new Promise((r) => setImmediate(r)); }"],
  ] as const) {
    it(`stops ${kind} within a second with KeyboardInterrupt, keeping state`, async () => {
      const { interrupt, reply, latencyMs } = await interruptDuring(code);
      expect(interrupt.content.status).toBe("ok");
      expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
      expect(latencyMs).toBeLessThan(1000); // the one-second promise; latency, not a benchmark
      expect((await k.run("keep")).result?.data).toMatchObject({ "text/plain": "'kept'" });
    });
  }

  it("does not let an interrupted cell's loop and timers run on", async () => {
    await interruptDuring("globalThis.ticks = 0; setInterval(() => globalThis.ticks++, 10); for (;;) { await new Promise((r) => setTimeout(r, 5)); }");
    const first = (await k.run("globalThis.ticks")).result?.data as Record<string, string>;
    await new Promise((r) => setTimeout(r, 300));
    const second = (await k.run("globalThis.ticks")).result?.data as Record<string, string>;
    expect(second["text/plain"]).toBe(first["text/plain"]);
  });

  it("interrupts through SIGINT as well, for frontends that signal", async () => {
    const running = k.client.submit("await new Promise(() => {})");
    await new Promise((r) => setTimeout(r, 500));
    k.kernel.process.kill("SIGINT");
    expect((await running.reply).content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const sync = k.client.submit("while (true) {}");
    await new Promise((r) => setTimeout(r, 500));
    k.kernel.process.kill("SIGINT");
    expect((await sync.reply).content).toMatchObject({ status: "error" });
    expect((await k.run("keep")).result?.data).toMatchObject({ "text/plain": "'kept'" });
  });

  it("answers heartbeat and control during a 30 s busy cell", async () => {
    const busy = k.client.submit("const end = Date.now() + 30_000; while (Date.now() < end) {} 'finished'");
    const started = Date.now();
    let pings = 0;
    while (Date.now() - started < 29_000) {
      await k.client.heartbeat(1000);
      pings++;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect((await k.client.request("control", "kernel_info_request", {}, 1000)).content.status).toBe("ok");
    expect(pings).toBeGreaterThan(20);
    expect((await busy.reply).content.status).toBe("ok");
  }, 60_000);
});

describe("input", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
  });
  afterAll(() => k?.stop());

  it("asks the frontend over stdin, with password prompts marked", async () => {
    const asked: [string, boolean][] = [];
    const r = await k.run("const name = await input('Name? '); const pw = await input('pw', { password: true }); `${name}:${pw.length}`", {
      onInput: (prompt, password) => {
        asked.push([prompt, password]);
        return password ? "secret" : "Ada";
      },
    });
    expect(asked).toEqual([["Name? ", false], ["pw", true]]);
    expect(r.result?.data).toMatchObject({ "text/plain": "'Ada:6'" });
  });

  it("fails with a clear error instead of hanging when allow_stdin is false", async () => {
    const r = await k.run("await input('x')", { allow_stdin: false, timeoutMs: 10_000 });
    expect(r.error?.evalue).toMatch(/allow_stdin is false/);
  });
});
