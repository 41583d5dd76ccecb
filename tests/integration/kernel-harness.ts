/**
 * Starts the real kernel (dist/cli.js, built by `npm test`) and connects the
 * ZeroMQ test client. Every integration test talks to a real process.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient } from "../../kernel/client/client.js";
import { launchKernel, type LaunchOptions, type LaunchedKernel } from "../../kernel/client/launch.js";
import type { Message } from "../../kernel/wire/message.js";

/** A started kernel with a connected client. */
export interface KernelUnderTest {
  kernel: LaunchedKernel;
  client: KernelClient;
  /** Runs code and returns the reply content and outputs (by type). */
  run(code: string, options?: Parameters<KernelClient["execute"]>[1]): Promise<RunResult>;
  stop(): Promise<void>;
}

/** Reply content plus the iopub outputs of one cell. */
export interface RunResult {
  reply: Record<string, unknown>;
  outputs: Message[];
  stdout: string;
  stderr: string;
  result: Record<string, unknown> | undefined;
  error: Record<string, unknown> | undefined;
}

/** Collects a cell's outputs into the pieces tests check. */
export function summarize(reply: Message, outputs: Message[]): RunResult {
  const text = (name: string) =>
    outputs
      .filter((m) => m.header.msg_type === "stream" && m.content.name === name)
      .map((m) => String(m.content.text))
      .join("");
  const find = (type: string) => outputs.find((m) => m.header.msg_type === type)?.content as Record<string, unknown> | undefined;
  return {
    reply: reply.content,
    outputs,
    stdout: text("stdout"),
    stderr: text("stderr"),
    result: find("execute_result"),
    error: find("error"),
  };
}

/**
 * Launches a kernel and connects. The backend is the users' default (auto:
 * wasm) unless options.env names another for a test about that backend.
 */
export async function startKernel(options: LaunchOptions = {}): Promise<KernelUnderTest> {
  const kernel = await launchKernel(options);
  const client = new KernelClient(kernel.connection);
  try {
    await client.connect(60_000);
  } catch (error) {
    await kernel.dispose();
    throw new Error(`kernel did not start: ${(error as Error).message}\n${kernel.stderr()}`);
  }
  return {
    kernel,
    client,
    async run(code, runOptions) {
      const { reply, outputs } = await client.execute(code, runOptions);
      return summarize(reply, outputs);
    },
    async stop() {
      client.close();
      await kernel.dispose();
    },
  };
}

/** Resolves when the process exits; with its exit code. */
export function exited(kernel: LaunchedKernel, timeoutMs = 10_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (kernel.process.exitCode !== null) return resolve(kernel.process.exitCode);
    const timer = setTimeout(() => reject(new Error("kernel did not exit")), timeoutMs);
    kernel.process.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/**
 * Resolves with the first iopub message (already received or arriving later)
 * that matches; rejects after timeoutMs, an outer limit rather than a timing claim.
 */
export function waitForIopub(client: KernelClient, matches: (m: Message) => boolean, timeoutMs = 30_000): Promise<Message> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      const found = client.iopubLog.find(matches);
      if (found) return resolve(found);
      if (Date.now() > deadline) return reject(new Error(`no matching iopub message within ${timeoutMs} ms`));
      setTimeout(poll, 10);
    };
    poll();
  });
}

/**
 * A marker a cell raises to say it reached a point (a loop started, a batch
 * ran): the cell writes a temp file, the test waits for it instead of sleeping.
 * `raise` is a cell statement; it works in synchronous code too.
 */
export function cellSignal(): { raise: string; path: string; reached(timeoutMs?: number): Promise<void> } {
  const path = join(mkdtempSync(join(tmpdir(), "tc-signal-")), "reached");
  return {
    path,
    raise: `require("node:fs").writeFileSync(${JSON.stringify(path)}, "");`,
    async reached(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!existsSync(path)) {
        if (Date.now() > deadline) throw new Error(`the cell did not reach its signal within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

/** Whether a promise has settled by now (checked after a turn of the event loop). */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol("pending");
  const first = await Promise.race([promise.then(() => true, () => true), new Promise((r) => setImmediate(() => r(pending)))]);
  return first !== pending;
}
