/**
 * Starting a tensorcell kernel process with a fresh connection file, the way
 * jupyter_client does: free ports, a random key, hmac-sha256.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConnectionInfo } from "../channels/connection.js";
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
}

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
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.cliPath ?? defaultCliPath(), "kernel", "-f", connectionFile, ...(options.extraArgs ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    log += chunk.toString();
    if (options.echoStderr) process.stderr.write(chunk);
  });
  child.stdout!.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  return {
    process: child,
    connection,
    connectionFile,
    stderr: () => log,
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await new Promise((done) => child.once("exit", done));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
