/**
 * SIGINT (frontends that signal) while the threaded wasm backend computes:
 * vm's breakOnSigint terminates the cell wherever it is, also inside an op
 * whose thread-pool lock it then never releases. The kernel replaces the pool
 * after such a termination, so the backend keeps computing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultThreadCount } from "../../lib/backend/wasm/thread-count.js";
import { startKernel, type KernelUnderTest } from "./kernel-harness.js";

const text = (r: { result?: Record<string, unknown> }) => String((r.result?.data as Record<string, string> | undefined)?.["text/plain"]);
/** The pthread workers XNNPACK's pool runs on, and all the glue holds. */
const POOL = "{ const p = tf.backend().wasm.PThread; console.log(JSON.stringify({ running: p.runningWorkers.map((w) => w.threadId), total: p.runningWorkers.length + p.unusedWorkers.length })); }";

describe.skipIf(defaultThreadCount() < 2)("SIGINT during threaded wasm ops", () => {
  let k: KernelUnderTest;
  let expected: string;
  beforeAll(async () => {
    k = await startKernel({ env: { TENSORCELL_THREADS: "2" } });
    await k.run("const a = tf.randomNormal([384, 384], 0, 1, 'float32', 1); const b = tf.randomNormal([384, 384], 0, 1, 'float32', 2);");
    expected = text(await k.run("tf.tidy(() => tf.matMul(a, b).sum().dataSync()[0])"));
  });
  afterAll(() => k?.stop());

  async function sigintDuring(code: string, afterMs: number) {
    const running = k.client.submit(code);
    await new Promise((r) => setTimeout(r, afterMs));
    k.kernel.process.kill("SIGINT");
    return (await running.reply).content;
  }

  it("replaces the thread pool when SIGINT stops a cell inside a kernel, and the backend computes on", async () => {
    // A kernel that spins in JavaScript: the termination lands inside runKernelFunc every time.
    await k.run(`tf.registerKernel({ kernelName: "Spin", backendName: "wasm", kernelFunc: ({ inputs }) => { for (;;) {} } });`);
    const before = JSON.parse((await k.run(POOL)).stdout) as { running: number[]; total: number };
    expect(await sigintDuring(`tf.engine().runKernel("Spin", { x: a }, {})`, 500)).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const after = JSON.parse((await k.run(POOL)).stdout) as typeof before;
    expect(after.running).toHaveLength(before.running.length);
    expect(after.running.some((id) => before.running.includes(id))).toBe(false);
    expect(after.total).toBeLessThanOrEqual(8);
    expect(text(await k.run("tf.tidy(() => tf.matMul(a, b).sum().dataSync()[0])"))).toBe(expected);
    expect(text(await k.run("backendInfo().threads"))).toBe("2");
  });

  it("keeps computing after SIGINTs that stop matMul and conv2d loops", async () => {
    await k.run("const x = tf.randomNormal([8, 32, 32, 32]); const w = tf.randomNormal([3, 3, 32, 32]);");
    for (let i = 0; i < 6; i++) {
      const loop = i % 2 ? "for (;;) tf.tidy(() => tf.conv2d(x, w, 1, 'same').dataSync());" : "for (;;) tf.tidy(() => tf.matMul(a, b).dataSync());";
      expect(await sigintDuring(loop, 300 + 70 * i)).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
      expect(text(await k.run("tf.tidy(() => tf.matMul(a, b).sum().dataSync()[0])"))).toBe(expected);
    }
  });
});
