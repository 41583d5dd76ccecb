/**
 * Starting a tensorcell kernel process with a fresh connection file, the way
 * jupyter_client does: free ports, a random key, hmac-sha256.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectionInfo } from "../channels/connection.js";
import { deferExtraCaCerts } from "../extra-ca-certs.js";
import { distDir } from "../paths.js";

/** A running kernel process and how to reach it. */
export interface LaunchedKernel {
  process: ChildProcess;
  connection: ConnectionInfo;
  connectionFile: string;
  /** Everything the kernel wrote to stderr so far (its log). */
  stderr(): string;
  /** Kills the process (if still running) and removes the connection file. */
  dispose(): Promise<void>;
}

/** Options for launching a kernel. */
export interface LaunchOptions {
  /** Working directory of the kernel (cells resolve packages and files from it). */
  cwd?: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Node options before the script (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  /** Path to the kernel's cli.js; defaults to this install's dist/cli.js. */
  cliPath?: string;
  /** Kernel arguments after `kernel -f FILE`, e.g. ["--backend", "cpu"]. */
  extraArgs?: string[];
  /** "tcp" (default) or "ipc". */
  transport?: "tcp" | "ipc";
  /** Pass stderr through to this process's stderr as well. */
  echoStderr?: boolean;
  /** Called with the connection before the process starts (e.g. to subscribe to iopub early). */
  beforeStart?: (connection: ConnectionInfo) => void | Promise<void>;
  /**
   * Turns the kernel's command into the one actually started (a sandbox
   * around it). It gets the folder holding the connection file and ipc
   * sockets, and only the explicit `env` (not this process's environment).
   */
  wrap?: (command: KernelCommand, context: { connectionDir: string; env: Record<string, string> }) => KernelCommand;
}

/** A command to start: what launchKernel spawns, and what a `wrap` may change. */
export interface KernelCommand {
  file: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Run as this user and group (needs root). */
  uid?: number;
  gid?: number;
  /** Open descriptors handed to the process as fds 3, 4, ...; closed here once it started. */
  fds?: number[];
}

/** Characters of the kernel's log kept (its last part): a kernel that prints gigabytes must not fill the grader's memory. */
const LOG_LIMIT = 256 * 1024;

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The default cli.js: this install's dist/cli.js. */
export function defaultCliPath(): string {
  return join(distDir, "cli.js");
}

/** Writes a connection file and starts `node cli.js kernel -f FILE`. */
export async function launchKernel(options: LaunchOptions = {}): Promise<LaunchedKernel> {
  const dir = mkdtempSync(join(tmpdir(), "tensorcell-"));
  const transport = options.transport ?? "tcp";
  const ports = transport === "tcp" ? await Promise.all([0, 1, 2, 3, 4].map(() => freePort())) : [1, 2, 3, 4, 5];
  const connection: ConnectionInfo = {
    transport,
    ip: transport === "tcp" ? "127.0.0.1" : join(dir, "kernel"),
    key: randomBytes(16).toString("hex"),
    signature_scheme: "hmac-sha256",
    shell_port: ports[0],
    control_port: ports[1],
    stdin_port: ports[2],
    iopub_port: ports[3],
    hb_port: ports[4],
  };
  const connectionFile = join(dir, "connection.json");
  writeFileSync(connectionFile, JSON.stringify(connection));
  await options.beforeStart?.(connection);
  let command: KernelCommand = {
    file: process.execPath,
    args: [...(options.nodeArgs ?? []), options.cliPath ?? defaultCliPath(), "kernel", "-f", connectionFile, ...(options.extraArgs ?? [])],
    cwd: options.cwd,
    env: deferExtraCaCerts({ ...process.env, ...options.env }),
  };
  if (options.wrap) command = options.wrap(command, { connectionDir: dir, env: { ...options.env } });
  let child: ChildProcess;
  try {
    child = spawn(command.file, command.args, {
      cwd: command.cwd,
      env: command.env,
      uid: command.uid,
      gid: command.gid,
      stdio: ["ignore", "pipe", "pipe", ...(command.fds ?? [])],
    });
  } finally {
    for (const fd of command.fds ?? []) closeSync(fd);
  }
  let log = "";
  const append = (chunk: Buffer) => {
    log += chunk.toString();
    if (log.length > LOG_LIMIT * 2) log = log.slice(-LOG_LIMIT);
  };
  child.once("error", (error) => append(Buffer.from(`tensorcell: could not start ${command.file}: ${error.message}\n`)));
  child.stderr!.on("data", (chunk: Buffer) => {
    append(chunk);
    if (options.echoStderr) process.stderr.write(chunk);
  });
  child.stdout!.on("data", append);
  return {
    process: child,
    connection,
    connectionFile,
    stderr: () => log.slice(-LOG_LIMIT),
    async dispose() {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await new Promise((done) => child.once("exit", done));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
