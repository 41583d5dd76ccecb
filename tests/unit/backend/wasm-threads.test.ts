// The wasm thread count: default (every core up to 8), TENSORCELL_THREADS, the
// threads option, one-line refusals of bad values, the clamp to 8 with a note,
// the fixed count once wasm has started, and nothing left behind by the start.
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { expectOneLineError, expectOneLineRejection } from "../../helpers/one-line-error.js";
import { backendInfo, initBackend, MAX_WASM_THREADS, useBackend } from "../../../lib/backend/index.js";
import { defaultThreadCount, parseThreadCount, resolveThreadRequest, ThreadCountError } from "../../../lib/backend/wasm/thread-count.js";
import { threadSupportProblem } from "../../../lib/backend/wasm/threaded-build.js";

describe("thread count parsing", () => {
  it("accepts whole numbers from numbers and strings", () => {
    expect(parseThreadCount(2, "x")).toBe(2);
    expect(parseThreadCount(" 3 ", "x")).toBe(3);
    expect(parseThreadCount("1", "x")).toBe(1);
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity, "0", "-2", "1.5", "two", "", "2 threads"])("refuses %s in one line", (value) => {
    expectOneLineError(() => parseThreadCount(value, "TENSORCELL_THREADS"), /^Invalid thread count .* \(from TENSORCELL_THREADS\): use a whole number from 1 to 8/);
  });

  it("refuses non-numbers with the ThreadCountError type", () => {
    expect(() => parseThreadCount(null, "threads")).toThrow(ThreadCountError);
    expect(() => parseThreadCount({}, "threads")).toThrow(ThreadCountError);
  });
});

describe("thread count resolution", () => {
  it("defaults to every core up to the build's 8", () => {
    expect(MAX_WASM_THREADS).toBe(8);
    expect(defaultThreadCount()).toBe(Math.min(os.availableParallelism(), 8));
    expect(resolveThreadRequest(undefined, "threads", {})).toEqual({ threads: defaultThreadCount(), source: "default" });
    expect(resolveThreadRequest(undefined, "threads", { TENSORCELL_THREADS: "" }).source).toBe("default");
  });

  it("reads TENSORCELL_THREADS, and an explicit value wins over it", () => {
    expect(resolveThreadRequest(undefined, "threads", { TENSORCELL_THREADS: "1" })).toEqual({ threads: 1, source: "TENSORCELL_THREADS" });
    expect(resolveThreadRequest(3, "--threads", { TENSORCELL_THREADS: "1" })).toEqual({ threads: 3, source: "--threads" });
  });

  it("clamps 99 to 8 with a note that says so", () => {
    const request = resolveThreadRequest(99, "--threads", {});
    expect(request.threads).toBe(8);
    expect(request.note).toBe("99 threads requested (from --threads); the wasm build runs at most 8, so it uses 8");
  });

  it("refuses a bad TENSORCELL_THREADS in one line naming it", () => {
    expectOneLineError(() => resolveThreadRequest(undefined, "threads", { TENSORCELL_THREADS: "0" }), /"0" \(from TENSORCELL_THREADS\)/);
  });
});

describe("threads on the running wasm backend", () => {
  afterEach(() => {
    delete process.env.TENSORCELL_THREADS;
  });

  it("starts wasm with the default count and leaves no Worker global, no patched os.cpus, no extra process handlers", async () => {
    const cpus = os.cpus;
    const handlers = () => [process.listenerCount("uncaughtException"), process.listenerCount("unhandledRejection")];
    const before = handlers();
    const info = await initBackend("wasm");
    expect(info.name).toBe("wasm");
    expect(info.threads).toBe(defaultThreadCount());
    expect(backendInfo().threads).toBe(defaultThreadCount());
    expect("Worker" in globalThis).toBe(false);
    expect(os.cpus).toBe(cpus);
    // The emscripten glue adds one handler each (single- or multi-threaded build alike), nothing more.
    expect(handlers()).toEqual(before.map((n) => n + 1));
  });

  it("refuses bad counts from useBackend in one line, and keeps the backend", async () => {
    await expect(useBackend("wasm", { threads: 0 })).rejects.toThrow(/^Invalid thread count 0 \(from useBackend's threads option\)/);
    await expect(useBackend("wasm", { threads: -2 })).rejects.toThrow(ThreadCountError);
    await expect(useBackend("wasm", { threads: 1.5 })).rejects.toThrow(ThreadCountError);
    expect(backendInfo().name).toBe("wasm");
  });

  it("accepts the running count again, and refuses another one with a restart hint", async () => {
    const running = backendInfo().threads!;
    expect((await useBackend("wasm", { threads: running })).threads).toBe(running);
    const other = running === 1 ? 2 : 1;
    const error = await expectOneLineRejection(useBackend("wasm", { threads: other }), /^The wasm backend already runs with /);
    expect(error.message).toBe(
      `The wasm backend already runs with ${running} thread${running === 1 ? "" : "s"} and its thread count is fixed once it starts: ` +
        `restart the kernel with TENSORCELL_THREADS=${other} (or tensorcell kernel --threads ${other}) to use ${other}.`,
    );
    expect(backendInfo().threads).toBe(running);
  });

  it("names what is missing when threads cannot work here", () => {
    const shared = globalThis.SharedArrayBuffer;
    expect(threadSupportProblem()).toBeUndefined();
    try {
      delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
      expect(threadSupportProblem()).toBe("SharedArrayBuffer is not available in this Node process");
    } finally {
      globalThis.SharedArrayBuffer = shared;
    }
  });
});
