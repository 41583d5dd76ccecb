/**
 * A kernel process driven without a person: runs one cell at a time with a
 * time limit (interrupt on expiry, kill if the interrupt is not honoured), a
 * memory limit (V8 heap through --max-old-space-size, the resident memory
 * of the kernel's process tree polled from /proc, and refused allocations),
 * and notices when the kernel dies, so callers can restart and carry on.
 * With `sandbox`, the kernel runs inside bubblewrap (sandbox/).
 */
import { rmSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { KernelClient } from "../client/client.js";
import { launchKernel, type LaunchedKernel } from "../client/launch.js";
import type { Message } from "../wire/message.js";
import { treeResidentMemoryMb } from "./process-tree.js";
import { sandboxWrap, type SandboxSettings } from "./sandbox/launch.js";

/** How a kernel for headless work is started. */
export interface SessionOptions {
  /** Working directory of the kernel (the notebook's folder). */
  cwd?: string;
  /** tfjs backend: cpu, wasm or auto (default: the environment's TENSORCELL_BACKEND, else the kernel's choice). */
  backend?: string;
  /** Memory limit in MiB (V8 heap and resident set); none when undefined. */
  memoryLimitMb?: number;
  /** Extra environment for the kernel. */
  env?: Record<string, string>;
  /** Seconds to wait for the kernel to start (default 60). */
  startTimeoutS?: number;
  /** Run the kernel in a bubblewrap sandbox (its memory limit is memoryLimitMb); none when undefined. */
  sandbox?: Omit<SandboxSettings, "memoryLimitMb">;
}

/** Why a cell ended. */
export type CellStatus = "ok" | "error" | "timeout" | "died" | "memory";

/** nbclient's record_timing fields (ISO dates from the kernel's message headers). */
export interface CellTiming {
  "iopub.status.busy"?: string;
  "iopub.execute_input"?: string;
  "shell.execute_reply"?: string;
  "iopub.status.idle"?: string;
}

/** The outcome of one cell. */
export interface CellRun {
  status: CellStatus;
  /** The execute_reply, when one came. */
  reply?: Message;
  /** iopub messages of the cell (no status messages), as they arrived. */
  outputs: Message[];
  timing: CellTiming;
  /** For timeout/died/memory: what happened, in words. */
  detail?: string;
  /** True when the kernel is gone (killed or dead) after this cell: restart before the next. */
  kernelLost: boolean;
  /** Milliseconds the cell took, measured here. */
  elapsedMs: number;
}

/** Options of one cell. */
export interface CellOptions {
  /** Seconds before the cell is interrupted (none when undefined). */
  timeoutS?: number;
  /** Each iopub output as it arrives. */
  onOutput?: (message: Message) => void;
  silent?: boolean;
  userExpressions?: Record<string, string>;
}

/** Seconds a cell gets to stop after an interrupt before the kernel is killed. */
const INTERRUPT_GRACE_MS = 5_000;
const MEMORY_POLL_MS = 250;

/**
 * Messages of an allocation the process refused (RLIMIT_DATA in the
 * sandbox, or a machine out of memory): ArrayBuffers, wasm memory growth,
 * emscripten's abort.
 */
const REFUSED_ALLOCATION = /Array buffer allocation failed|could not allocate memory|Cannot allocate memory|Aborted\(OOM\)|Cannot enlarge memory|out of memory/i;

/** True when an error reply says an allocation was refused. */
export function isRefusedAllocation(reply: Message): boolean {
  return reply.content.status === "error" && REFUSED_ALLOCATION.test(`${String(reply.content.ename)}: ${String(reply.content.evalue)}`);
}

/** Signal names by number (9: SIGKILL). */
const SIGNAL_NAMES = new Map(Object.entries(osConstants.signals).map(([name, number]) => [number, name]));

/** How a kernel process ended, in words; bwrap passes on its command's death by signal N as exit code 128 + N. */
export function howItEnded(code: number | null, signal: NodeJS.Signals | null, sandboxed: boolean): string {
  if (signal) return `killed by ${signal}`;
  if (sandboxed && code !== null && code > 128 && SIGNAL_NAMES.has(code - 128)) return `killed by ${SIGNAL_NAMES.get(code - 128)}`;
  return `exit code ${code}`;
}

/** One kernel process and its client. */
export class KernelSession {
  private kernel: LaunchedKernel | undefined;
  private client: KernelClient | undefined;
  private exited: Promise<string> | undefined;
  /** kernel_info_reply content of the running kernel. */
  kernelInfo: Record<string, unknown> = {};
  /** How many kernels this session started. */
  starts = 0;

  constructor(private readonly options: SessionOptions = {}) {}

  /** Starts (or restarts) the kernel and connects. */
  async start(): Promise<void> {
    await this.stop();
    const env: Record<string, string> = { ...this.options.env };
    const sandbox = this.options.sandbox;
    if (this.options.backend) env.TENSORCELL_BACKEND = this.options.backend;
    if (this.options.memoryLimitMb !== undefined) {
      const heap = `--max-old-space-size=${Math.max(16, Math.floor(this.options.memoryLimitMb))}`;
      // The grader's own NODE_OPTIONS (a --require of a host file, say) is not for a sandboxed kernel.
      env.NODE_OPTIONS = [sandbox ? undefined : process.env.NODE_OPTIONS, env.NODE_OPTIONS, heap].filter(Boolean).join(" ");
    }
    const kernel = sandbox
      ? await launchKernel({ transport: "ipc", env, wrap: sandboxWrap({ ...sandbox, memoryLimitMb: this.options.memoryLimitMb }) })
      : await launchKernel({ cwd: this.options.cwd, env });
    this.kernel = kernel;
    this.starts++;
    this.exited = new Promise((resolve) => {
      kernel.process.once("exit", (code, signal) => resolve(howItEnded(code, signal, sandbox !== undefined)));
    });
    const client = new KernelClient(kernel.connection);
    this.client = client;
    const startTimeoutMs = (this.options.startTimeoutS ?? 60) * 1000;
    try {
      const info = await Promise.race([client.connect(startTimeoutMs), this.exited.then((how) => Promise.reject(new Error(`the kernel exited (${how})`)))]);
      this.kernelInfo = info.content;
      // The kernel has read its connection file: remove it, so cells cannot read the signing key.
      if (sandbox) rmSync(kernel.connectionFile, { force: true });
      // Cells wait for the library (TensorFlow.js and the backend) to load; an empty silent
      // cell waits here instead, so loading never counts against the first cell's --timeout.
      const warmUp = await this.runCell("", { silent: true, timeoutS: this.options.startTimeoutS ?? 60 });
      if (warmUp.status !== "ok") throw new Error(`the library did not load: ${warmUp.detail ?? warmUp.status}`);
    } catch (error) {
      const log = kernel.stderr().trim().split("\n").slice(-3).join(" | ");
      await this.stop();
      throw new Error(`the tensorcell kernel did not start: ${(error as Error).message}${log ? ` — kernel log: ${log}` : ""}`);
    }
  }

  /** True while a kernel process is running. */
  get running(): boolean {
    return this.kernel !== undefined && this.kernel.process.exitCode === null && this.kernel.process.signalCode === null;
  }

  /** The kernel's log (stderr) so far. */
  log(): string {
    return this.kernel?.stderr() ?? "";
  }

  /** Runs one cell under the limits; never throws for what the cell does. */
  async runCell(code: string, options: CellOptions = {}): Promise<CellRun> {
    const client = this.client;
    const kernel = this.kernel;
    if (!client || !kernel || !this.running) throw new Error("the kernel is not running; start() it first");
    const started = Date.now();
    const outputs: Message[] = [];
    const timing: CellTiming = {};
    let requestId: string | undefined;
    const done = (status: CellStatus, extra: Partial<CellRun> = {}): CellRun => ({
      status,
      outputs,
      timing,
      kernelLost: false,
      elapsedMs: Date.now() - started,
      ...extra,
    });
    const execution = client
      .execute(code, {
        silent: options.silent,
        store_history: !options.silent,
        user_expressions: options.userExpressions,
        stop_on_error: false,
        // Our own timers decide; this only stops a wait that outlives the kernel.
        timeoutMs: 2_147_000_000,
        onOutput: (message) => {
          requestId ??= message.parent_header.msg_id as string | undefined;
          if (message.header.msg_type === "execute_input") timing["iopub.execute_input"] = message.header.date;
          outputs.push(message);
          options.onOutput?.(message);
        },
      })
      .then((result) => {
        requestId ??= result.reply.parent_header.msg_id as string | undefined;
        timing["shell.execute_reply"] = result.reply.header.date;
        return { kind: "done" as const, reply: result.reply };
      });
    execution.catch(() => undefined); // A client closed under a dead kernel rejects; handled by the race below.
    const died = this.exited!.then((how) => ({ kind: "died" as const, how }));
    let memoryTimer: NodeJS.Timeout | undefined;
    const overMemory = new Promise<{ kind: "memory"; usedMb: number }>((resolve) => {
      const limit = this.options.memoryLimitMb;
      if (limit === undefined || kernel.process.pid === undefined) return;
      const pid = kernel.process.pid;
      memoryTimer = setInterval(() => {
        const used = treeResidentMemoryMb(pid);
        if (used !== undefined && used > limit) resolve({ kind: "memory", usedMb: used });
      }, MEMORY_POLL_MS);
    });
    let timeoutTimer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<{ kind: "timeout" }>((resolve) => {
      if (options.timeoutS !== undefined) timeoutTimer = setTimeout(() => resolve({ kind: "timeout" }), options.timeoutS * 1000);
    });
    try {
      const first = await Promise.race([execution, died, overMemory, timedOut]);
      if (first.kind === "done") {
        if (this.options.memoryLimitMb !== undefined && isRefusedAllocation(first.reply)) {
          // Stopped rather than trusted to carry on: whatever ran out may have left the kernel half-updated.
          await this.kill();
          const said = `${String(first.reply.content.ename)}: ${String(first.reply.content.evalue).split("\n")[0]!.slice(0, 120)}`;
          return done("memory", { reply: first.reply, detail: `killed: memory limit of ${this.options.memoryLimitMb} MiB reached (an allocation was refused: ${said})`, kernelLost: true });
        }
        return done(this.statusOf(first.reply), { reply: first.reply });
      }
      if (first.kind === "died") return done(this.deathStatus(), { detail: this.deathDetail(first.how), kernelLost: true });
      if (first.kind === "memory") {
        await this.kill();
        return done("memory", { detail: `killed: memory limit of ${this.options.memoryLimitMb} MiB exceeded (the kernel used ${Math.round(first.usedMb)} MiB)`, kernelLost: true });
      }
      // Timeout: interrupt, and give the cell a moment to stop.
      const limit = `time limit of ${options.timeoutS} s exceeded`;
      await client.request("control", "interrupt_request", {}, INTERRUPT_GRACE_MS).catch(() => undefined); // no answer: the kill below handles it
      const grace = new Promise<{ kind: "stuck" }>((resolve) => setTimeout(() => resolve({ kind: "stuck" }), INTERRUPT_GRACE_MS));
      const after = await Promise.race([execution, died, grace]);
      if (after.kind === "done") return done("timeout", { reply: after.reply, detail: `${limit}; the cell was interrupted` });
      if (after.kind === "died") return done("timeout", { detail: `${limit}; the kernel died after the interrupt (${after.how})`, kernelLost: true });
      await this.kill();
      return done("timeout", { detail: `${limit}; the cell ignored the interrupt, so the kernel was stopped`, kernelLost: true });
    } finally {
      clearInterval(memoryTimer);
      clearTimeout(timeoutTimer);
      this.collectStatusTimes(timing, requestId);
    }
  }

  private statusOf(reply: Message): CellStatus {
    return reply.content.status === "ok" ? "ok" : "error";
  }

  /** Busy/idle dates come from the client's iopub log (execute() hides status messages). */
  private collectStatusTimes(timing: CellTiming, parent: string | undefined): void {
    const log = this.client?.iopubLog;
    if (!log) return;
    if (parent) {
      for (const message of log) {
        if (message.header.msg_type !== "status" || message.parent_header.msg_id !== parent) continue;
        if (message.content.execution_state === "busy") timing["iopub.status.busy"] = message.header.date;
        if (message.content.execution_state === "idle") timing["iopub.status.idle"] = message.header.date;
      }
    }
    log.length = 0; // only one cell's messages are ever needed
  }

  private deathStatus(): CellStatus {
    return /out of memory|Allocation failed|Reached heap limit/i.test(this.log()) ? "memory" : "died";
  }

  private deathDetail(how: string): string {
    if (this.deathStatus() === "memory") return `killed: memory limit of ${this.options.memoryLimitMb ?? "?"} MiB exceeded: the kernel ran out of memory (${how})`;
    const lastLine = this.log().trim().split("\n").filter(Boolean).slice(-1)[0];
    return `the kernel died (${how})${lastLine ? `: ${lastLine.slice(0, 200)}` : ""}`;
  }

  private async kill(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    await this.kernel?.dispose();
    this.kernel = undefined;
  }

  /** Stops the kernel (kills the process) and closes the client. */
  async stop(): Promise<void> {
    await this.kill();
  }
}
