/**
 * Background errors never end the kernel, on the default backend (wasm) that
 * users run: unhandled rejections, throws in timers, rejections from tfjs's
 * async work, process handlers added by libraries that rethrow (the wasm
 * backend's emscripten glue adds two), and a wasm heap that would overflow.
 * Each is reported to the cell that caused it, and state survives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../kernel/wire/message.js";
import { startKernel, waitForIopub, type KernelUnderTest, type RunResult } from "./kernel-harness.js";

const plain = (text: unknown) => String(text).replace(/\x1b\[[0-9;]*m/g, "");

describe("background errors on the default backend", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
    const backend = await k.run("backendInfo().name");
    expect(backend.result?.data).toMatchObject({ "text/plain": "'wasm'" });
    await k.run("const kept = tf.tensor([1, 2, 3]); let counter = 41;");
  });
  afterAll(() => k?.stop());

  const parentId = (r: RunResult) => r.outputs[0].parent_header.msg_id;
  /** Waits for the stderr report of `cell` that mentions `text`. */
  const reportOf = (cell: RunResult, text: string) =>
    waitForIopub(k.client, (m: Message) =>
      m.header.msg_type === "stream" && m.content.name === "stderr" && m.parent_header.msg_id === parentId(cell) && plain(m.content.text).includes(text));
  const reportsOf = (cell: RunResult, text: string) =>
    k.client.iopubLog.filter((m) => m.header.msg_type === "stream" && m.parent_header.msg_id === parentId(cell) && plain(m.content.text).includes(text));

  async function expectAliveWithState(): Promise<void> {
    expect(k.kernel.process.exitCode).toBeNull();
    const r = await k.run("counter += 1; [counter, kept.sum().dataSync()[0]]");
    expect(r.error).toBeUndefined();
    expect(plain(r.result?.data && (r.result.data as Record<string, unknown>)["text/plain"])).toMatch(/\[ 4\d, 6 \]/);
  }

  it("reports an unhandled rejection to its cell and keeps running", async () => {
    const cell = await k.run('Promise.reject(new Error("rejected in the background")); 5');
    expect(cell.reply.status).toBe("ok");
    expect(cell.result?.data).toMatchObject({ "text/plain": "5" });
    const report = await reportOf(cell, "rejected in the background");
    expect(plain(report.content.text)).toMatch(/Error in background work of this cell/);
    await expectAliveWithState();
  });

  it("reports a throw in a timer to the cell that set it", async () => {
    const cell = await k.run('setTimeout(() => { throw new TypeError("thrown in a timer"); }, 5); "scheduled"');
    await reportOf(cell, "thrown in a timer");
    await expectAliveWithState();
  });

  it("reports rejections from tfjs's async work (data() of a disposed tensor, fit with bad shapes)", async () => {
    const readback = await k.run("const gone = tf.tensor([1, 2]); gone.dispose(); gone.data(); 'read started'");
    await reportOf(readback, "disposed");
    const fit = await k.run(`
      const tiny = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
      tiny.compile({ optimizer: "sgd", loss: "meanSquaredError" });
      tiny.fit(tf.zeros([4, 5]), tf.zeros([4, 2]), { epochs: 1 }); // not awaited: rejects later
      "fit started"`);
    expect(fit.result?.data).toMatchObject({ "text/plain": "'fit started'" });
    await reportOf(fit, "input expected a batch of elements where each example has shape [3]");
    await expectAliveWithState();
  });

  it("survives process handlers that rethrow, runs them, and reports the error once", async () => {
    const cell = await k.run(`
      let handled = 0;
      process.on("unhandledRejection", (reason) => { handled += 1; throw reason; });
      process.on("uncaughtException", (error) => { handled += 1; throw error; });
      Promise.reject(new Error("rethrown by a library handler"));
      setTimeout(() => { throw new Error("uncaught with a library handler"); }, 5);
      "handlers added"`);
    await reportOf(cell, "rethrown by a library handler");
    await reportOf(cell, "uncaught with a library handler");
    const handled = await k.run("await new Promise((r) => setTimeout(r, 20)); handled");
    // The rejection reached the library's handler; the timer's throw is caught by the kernel's timer guard first.
    expect(Number((handled.result?.data as Record<string, string>)["text/plain"])).toBeGreaterThanOrEqual(1);
    expect(reportsOf(cell, "rethrown by a library handler")).toHaveLength(1);
    const removed = await k.run(`process.removeAllListeners("unhandledRejection"); Promise.reject(new Error("after removeAllListeners")); 1`);
    await reportOf(removed, "after removeAllListeners");
    await expectAliveWithState();
  });

  it("refuses a tensor that would overflow the 4 GiB wasm heap, with tensors intact", async () => {
    const r = await k.run("const huge = tf.fill([1100, 1000, 1000], 1);");
    expect(r.error?.ename).toBe("RangeError");
    expect(plain(r.error?.evalue)).toMatch(/wasm backend cannot allocate 4,196 MiB.*Nothing was allocated and existing tensors are intact/);
    const after = await k.run("[tf.add(kept, 1).dataSync().join(','), typeof huge]");
    expect(plain((after.result?.data as Record<string, string>)["text/plain"])).toBe("[ '2,3,4', 'undefined' ]");
    await expectAliveWithState();
  });
});
