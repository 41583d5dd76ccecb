/**
 * Stop and input (issue 3): interrupts of each kind keep the session's state;
 * a real model.fit stops mid-epoch; input() goes over the stdin channel.
 * Every wait is on an event (a signal the cell raises), never on a guessed
 * sleep. Heartbeat during a busy cell: protocol.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cellSignal, startKernel, type KernelUnderTest } from "./kernel-harness.js";

describe("interrupt", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
    await k.run("const keep = 'kept'");
  });
  afterAll(() => k?.stop());

  /** Runs code that raises `signal` once it is under way, then interrupts it over the control channel. */
  async function interruptDuring(code: (signal: string) => string) {
    const signal = cellSignal();
    const running = k.client.submit(code(signal.raise));
    await signal.reached();
    const interrupt = await k.client.request("control", "interrupt_request", {}, 10_000);
    const reply = await running.reply;
    return { interrupt, reply, msgId: running.msgId };
  }

  for (const [kind, code] of [
    ["a synchronous while (true) {}", (s: string) => `${s} while (true) {}`],
    ["a pending await", (s: string) => `${s} await new Promise(() => {})`],
    ["a long async training loop", (s: string) => `let steps = 0; for (;;) { if (++steps === 3) { ${s} } await new Promise((r) => setTimeout(r, 1)); }`],
    ["a loop yielding through setImmediate", (s: string) => `let immediateSteps = 0; while (true) { if (++immediateSteps === 3) { ${s} } await new Promise((r) => setImmediate(r)); }`],
  ] as const) {
    it(`stops ${kind} with KeyboardInterrupt, keeping state`, async () => {
      const { interrupt, reply } = await interruptDuring(code);
      expect(interrupt.content.status).toBe("ok");
      expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
      expect((await k.run("keep")).result?.data).toMatchObject({ "text/plain": "'kept'" });
    });
  }

  it("stops a real model.fit mid-epoch on the default backend; the model survives and trains again", async () => {
    const setup = await k.run(`
      const fitModel = tf.sequential({ layers: [tf.layers.dense({ units: 64, inputShape: [32], activation: "relu" }), tf.layers.dense({ units: 2, activation: "softmax" })] });
      fitModel.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
      const fitX = tf.randomNormal([50_000, 32], 0, 1, "float32", 3);
      const fitY = tf.oneHot(tf.randomUniform([50_000], 0, 2, "int32", 4), 2);
      globalThis.fitBatches = 0; globalThis.fitEpochs = 0;
      tensorcell.backendInfo().name`);
    expect(setup.result?.data).toMatchObject({ "text/plain": "'wasm'" });
    const { reply } = await interruptDuring(
      (signal) => `await fitModel.fit(fitX, fitY, { epochs: 3, batchSize: 16, callbacks: {
        onBatchEnd: () => { if (++globalThis.fitBatches === 20) { ${signal} } },
        onEpochEnd: () => { globalThis.fitEpochs++; } } });`,
    );
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const stoppedAt = Number(((await k.run("globalThis.fitBatches")).result?.data as Record<string, string>)["text/plain"]);
    expect(stoppedAt).toBeGreaterThanOrEqual(20);
    expect(stoppedAt).toBeLessThan(50_000 / 16); // inside the first epoch
    expect((await k.run("globalThis.fitEpochs")).result?.data).toMatchObject({ "text/plain": "0" });
    // A second fit takes many turns of the event loop; had the first one kept going, its callback would move the counter meanwhile.
    const second = await k.run(`
      const before = globalThis.fitBatches;
      const history = await fitModel.fit(fitX.slice(0, 2048), fitY.slice(0, 2048), { epochs: 2, batchSize: 64 });
      [globalThis.fitBatches - before, history.history.loss.length, fitModel.getWeights().some((w) => w.isDisposed), fitModel.predict(fitX.slice(0, 3)).shape]`);
    expect(second.error).toBeUndefined();
    expect(second.result?.data).toMatchObject({ "text/plain": "[ 0, 2, false, [ 3, 2 ] ]" });
  }, 120_000);

  it("does not let an interrupted cell's loop and timers run on", async () => {
    await interruptDuring((s) => `globalThis.ticks = 0; setInterval(() => globalThis.ticks++, 10); for (;;) { if (globalThis.ticks > 2) { ${s} } await new Promise((r) => setTimeout(r, 5)); }`);
    const first = (await k.run("globalThis.ticks")).result?.data as Record<string, string>;
    // The kernel waits here itself, so any timer left running would have ticked by the next cell.
    const second = (await k.run("await new Promise((r) => setTimeout(r, 300)); globalThis.ticks")).result?.data as Record<string, string>;
    expect(second["text/plain"]).toBe(first["text/plain"]);
  });

  it("stops the timers of a cell that its own loop check ended, before the interrupt message reached the main thread", async () => {
    // The busy loop blocks the main thread, so the shared flag (checked in the loop) ends the cell first,
    // and the control thread's interrupt message can arrive after the cell has finished (even after the next request).
    const { reply } = await interruptDuring((s) => `globalThis.blockedTicks = 0; setInterval(() => globalThis.blockedTicks++, 10); ${s} while (true) {}`);
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const later = await k.run("await new Promise((r) => setTimeout(r, 300)); globalThis.blockedTicks");
    expect(later.result?.data).toMatchObject({ "text/plain": "0" });
  });

  it("interrupts through SIGINT as well, for frontends that signal, keeping state and running the next cell", async () => {
    let signal = cellSignal();
    // The signal is raised after the cell's synchronous part has returned: a SIGINT that lands while vm runs
    // the synchronous part is vm's to handle (breakOnSigint), and is lost if that part ends first.
    const running = k.client.submit(`globalThis.beforeSigint = 41; await new Promise((r) => setTimeout(r, 0)); ${signal.raise} await new Promise(() => {})`);
    await signal.reached();
    k.kernel.process.kill("SIGINT");
    expect((await running.reply).content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    signal = cellSignal();
    const sync = k.client.submit(`${signal.raise} while (true) {}`);
    await signal.reached();
    k.kernel.process.kill("SIGINT");
    expect((await sync.reply).content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    expect((await k.run("keep")).result?.data).toMatchObject({ "text/plain": "'kept'" });
    expect((await k.run("globalThis.beforeSigint + 1")).result?.data).toMatchObject({ "text/plain": "42" });
  });
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
