/**
 * Threads on the default backend, in real kernels: every core up to 8 by
 * default, TENSORCELL_THREADS and --threads, bad values refused in one line,
 * results equal at 1 and N threads, nothing left where cells look (global
 * Worker, os.cpus, process handlers), interrupts while pthreads compute, and a
 * prompt exit on shutdown.
 */
import { execFile, spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultCliPath } from "../../kernel/client/launch.js";
import { defaultThreadCount } from "../../lib/backend/wasm/thread-count.js";
import { exited, startKernel, type KernelUnderTest } from "./kernel-harness.js";

const FIXTURE = fileURLToPath(new URL("fixtures/wasm-threads.mjs", import.meta.url));
const threadsLabel = (n: number) => `wasm, ${n} thread${n === 1 ? "" : "s"}`;
const text = (r: { result?: Record<string, unknown> }) => String((r.result?.data as Record<string, string> | undefined)?.["text/plain"]);

/** Runs the fixture in a fresh node process; resolves with its JSON line and its stderr. */
function fixture(mode: "info" | "results", env: Record<string, string>, nodeArgs: string[] = []): Promise<{ out: Record<string, unknown>; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...nodeArgs, FIXTURE, mode], { env: { ...process.env, ...env }, maxBuffer: 64 << 20, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`fixture failed: ${error.message}\n${stderr}`));
      resolve({ out: JSON.parse(stdout) as Record<string, unknown>, stderr });
    });
  });
}

/** A base64 float32 array from the fixture (copied: small Buffers are views into a shared pool). */
const decode = (base64: string) => new Float32Array(Uint8Array.from(Buffer.from(base64, "base64")).buffer);

/** The lines tensorcell itself wrote (Node's own warnings left out). */
const tensorcellLines = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("tensorcell:"));

/** What a cell can see of the process: a global Worker, os.cpus, and the process's listeners. */
const LEFTOVERS = `{
  const os = require("node:os");
  console.log(JSON.stringify({
    worker: typeof Worker,
    cpus: [os.cpus.name, os.cpus().length],
    listeners: Object.fromEntries(process.eventNames().map((e) => [String(e), process.listenerCount(e)])),
  }));
}`;

describe("wasm threads in the kernel", () => {
  let k: KernelUnderTest;
  const n = defaultThreadCount();

  beforeAll(async () => {
    k = await startKernel();
    await k.run("const a = tf.randomNormal([384, 384], 0, 1, 'float32', 1); const b = tf.randomNormal([384, 384], 0, 1, 'float32', 2);");
  });
  afterAll(() => k?.stop());

  it("uses every core up to 8 by default, in backendInfo and the banner", async () => {
    expect(text(await k.run("backendInfo().threads"))).toBe(String(n));
    const info = await k.client.request("shell", "kernel_info_request");
    expect(String(info.content.banner)).toContain(`Tensor backend: ${threadsLabel(n)} (`);
  });

  it("leaves no global Worker, the real os.cpus, and the same process listeners as a one-thread kernel", async () => {
    const threaded = JSON.parse((await k.run(LEFTOVERS)).stdout) as { worker: string; cpus: [string, number]; listeners: Record<string, number> };
    expect(threaded.worker).toBe("undefined");
    expect(threaded.cpus).toEqual(["cpus", cpus().length]);
    const single = await startKernel({ env: { TENSORCELL_THREADS: "1" } });
    try {
      expect(text(await single.run("backendInfo().threads"))).toBe("1");
      expect(String((await single.client.request("shell", "kernel_info_request")).content.banner)).toContain(`Tensor backend: ${threadsLabel(1)} (`);
      const oneThread = JSON.parse((await single.run(LEFTOVERS)).stdout) as typeof threaded;
      expect(threaded.listeners).toEqual(oneThread.listeners);
    } finally {
      await single.stop();
    }
  });

  it("stops a long matMul loop and a conv2d loop on interrupt, and the backend still computes", async () => {
    const expected = text(await k.run("tf.tidy(() => tf.matMul(a, b).sum().dataSync()[0])"));
    for (const loop of [
      "for (;;) tf.tidy(() => tf.matMul(a, b).dataSync());",
      "const x = tf.randomNormal([8, 32, 32, 32]); const w = tf.randomNormal([3, 3, 32, 32]); for (;;) tf.tidy(() => tf.conv2d(x, w, 1, 'same').dataSync());",
    ]) {
      const running = k.client.submit(loop);
      await new Promise((r) => setTimeout(r, 700));
      expect((await k.client.request("control", "interrupt_request", {}, 5000)).content.status).toBe("ok");
      expect((await running.reply).content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
      expect(text(await k.run("tf.tidy(() => tf.matMul(a, b).sum().dataSync()[0])"))).toBe(expected);
    }
  });

  it("takes --threads over TENSORCELL_THREADS", async () => {
    const chosen = await startKernel({ env: { TENSORCELL_THREADS: "3" }, extraArgs: ["--threads", "1"] });
    try {
      expect(text(await chosen.run("backendInfo().threads"))).toBe("1");
    } finally {
      await chosen.stop();
    }
  });

  it("exits promptly on shutdown with pthreads running", async () => {
    const reply = await k.client.request("control", "shutdown_request", { restart: false });
    expect(reply.content).toMatchObject({ status: "ok" });
    expect(await exited(k.kernel)).toBe(0);
  });
});

describe("bad thread counts at the command line", () => {
  for (const [args, env] of [
    [["--threads", "0"], {}],
    [["--threads=-2"], {}],
    [["--threads", "1.5"], {}],
    [["--threads", "many"], {}],
    [[], { TENSORCELL_THREADS: "0" }],
  ] as [string[], Record<string, string>][]) {
    it(`refuses ${args.join(" ") || `TENSORCELL_THREADS=${env.TENSORCELL_THREADS}`} with one line and exit 2`, () => {
      const run = spawnSync(process.execPath, [defaultCliPath(), "kernel", "-f", "unused.json", ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });
      expect(run.status).toBe(2);
      const [first, ...rest] = run.stderr.trim().split("\n");
      expect(first).toMatch(/^tensorcell: Invalid thread count .* \(from (--threads|TENSORCELL_THREADS)\): use a whole number from 1 to 8/);
      expect(rest).toEqual(['(run "tensorcell --help" for usage)']);
    });
  }
});

describe("wasm threads in separate processes", () => {
  it("gives equal conv2d, gradient, matMul, gather, scatter and training results (CNN and GCN) at 1 and N threads", async () => {
    const [one, many] = await Promise.all([fixture("results", { TENSORCELL_THREADS: "1" }), fixture("results", { TENSORCELL_THREADS: "2" })]);
    expect([one.out.threads, many.out.threads]).toEqual([1, 2]);
    const a = one.out.results as Record<string, string>;
    const b = many.out.results as Record<string, string>;
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const name of Object.keys(a)) {
      const x = decode(a[name]!);
      const y = decode(b[name]!);
      expect(y.length, name).toBe(x.length);
      // Equal up to float reassociation: XNNPACK's and the Winograd results agree bit for bit; the filter
      // gradient sums each thread's images first, so its sums are associated differently.
      // Measured against the output's largest value, as reassociation errors scale with it.
      const scale = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(scale, name).toBeGreaterThan(0);
      let worst = 0;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - y[i]!) / scale);
      expect(worst, name).toBeLessThan(1e-5);
    }
    // The max-pool gradient splits images, never windows, and the Winograd conv rows of whole
    // tiles: the same bits at every thread count.
    expect(b.maxPoolGradient).toBe(a.maxPoolGradient);
    expect(b.conv2d).toBe(a.conv2d);
    expect(b.conv2dWide).toBe(a.conv2dWide);
    expect(b.conv2dInputGradient).toBe(a.conv2dInputGradient);
    // Gathers copy rows; scatter-sums and products sum every element in one order whatever the split, RMSProp's, momentum's and Adam's
    // steps compute each element alone, column sums (and the batch norm's backward sums) add fixed blocks of rows;
    // dropout masks hash (seed, element), pads copy, max pooling splits images: the same bits too, through a whole GCN fit.
    for (const name of ["gather", "scatterSum", "plainProduct", "transposedProduct", "batchedProduct", "rmsPropStep", "momentumStep", "adamStep", "leadingSum", "batchNormMoments", "batchNormGradient", "maxPool", "pad", ...Object.keys(a).filter((key) => key.startsWith("gcn weight"))]) {
      expect(b[name], name).toBe(a[name]);
    }
  });

  it("clamps 99 to 8 with a one-line note", async () => {
    const { out, stderr } = await fixture("info", { TENSORCELL_THREADS: "99" });
    expect(out.threads).toBe(8);
    expect(tensorcellLines(stderr)).toEqual(["tensorcell: 99 threads requested (from TENSORCELL_THREADS); the wasm build runs at most 8, so it uses 8."]);
  });

  for (const [why, env, nodeArgs, reason] of [
    ["without SharedArrayBuffer", {}, ["--no-harmony-sharedarraybuffer"], /SharedArrayBuffer is not available/],
    ["when the worker file cannot be written (TMPDIR)", { TMPDIR: "/nonexistent/tensorcell" }, [], /cannot write the pthread worker file in \/nonexistent\/tensorcell \(ENOENT\); set TMPDIR/],
    ["when workers cannot start", {}, ["--experimental-permission", "--allow-fs-read=*", "--allow-fs-write=*"], /Access to this API has been restricted/],
  ] as [string, Record<string, string>, string[], RegExp][]) {
    it(`falls back to one thread with one stderr line ${why}`, async () => {
      const { out, stderr } = await fixture("info", { TENSORCELL_THREADS: "2", ...env }, nodeArgs);
      expect(out).toMatchObject({ name: "wasm", threads: 1, leftovers: { worker: "undefined", cpusPatched: false } });
      const lines = tensorcellLines(stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^tensorcell: the threaded wasm build could not start \(.*\), so wasm runs on 1 thread\.$/);
      expect(lines[0]).toMatch(reason);
    });
  }
});
