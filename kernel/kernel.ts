/**
 * The kernel process's main thread at start-up: reads the connection file,
 * starts the io thread (sockets) at once, and meanwhile loads the session
 * (executor, handlers); TensorFlow.js loads after the sockets are up, so the
 * first kernel_info_reply never waits for it.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { readConnectionFile } from "./channels/connection.js";
import type { IoWorkerData, ToMain } from "./channels/thread-messages.js";
import { InterruptFlag } from "./executor/interrupt.js";
import { kernelInfoContent } from "./handlers/kernel-info.js";
import { parseTypeCheckMode } from "./handlers/typecheck.js";
import { predictBackend } from "../lib/backend/predict.js";
import { distDir, packageRoot } from "./paths.js";

/** Options of `tensorcell kernel`. */
export interface KernelOptions {
  /** Backend name or "auto"; default TENSORCELL_BACKEND or auto. */
  backend?: string;
  /** Type checking before cells: off, warn or strict; default TENSORCELL_TYPECHECK or off. */
  typecheck?: string;
  /** wasm threads (already checked); default TENSORCELL_THREADS, else every core up to 8. */
  threads?: number;
}

function readVersions(): { tensorcell: string; typescript: string } {
  const require = createRequire(join(packageRoot, "package.json"));
  const own = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string };
  let typescript = "5";
  try {
    typescript = (require("typescript/package.json") as { version: string }).version;
  } catch {
    // typescript is only needed for editor assistance; the language version stays "5".
  }
  return { tensorcell: own.version, typescript };
}

/** A start-up problem (e.g. a port in use); the CLI prints it as one line. */
export class KernelStartError extends Error {
  override name = "KernelStartError";
}

const realExit = process.exit.bind(process);

/** Runs the kernel until a shutdown_request; the process then exits 0. */
export async function runKernel(connectionFile: string, options: KernelOptions = {}): Promise<void> {
  const connection = readConnectionFile(connectionFile);
  const interruptBuffer = new SharedArrayBuffer(4);
  const versions = readVersions();
  const preference = options.backend ?? process.env.TENSORCELL_BACKEND ?? "auto";
  const workerData: IoWorkerData = {
    connection,
    interruptFlag: interruptBuffer,
    // The banner names the backend the library will pick (predicted without loading TensorFlow.js);
    // it is replaced by the actual choice once the backend is up.
    kernelInfo: kernelInfoContent(versions, predictBackend(preference, options.threads)),
    session: randomUUID(),
  };
  const io = new Worker(join(distDir, "io-worker.js"), { workerData });
  const early: ToMain[] = [];
  let deliver = (message: ToMain): void => {
    early.push(message);
  };
  const ready = new Promise<void>((resolve, reject) => {
    io.on("error", reject);
    io.on("message", (message: ToMain) => {
      if (message.type === "ready") resolve();
      else if (message.type === "fatal") reject(new KernelStartError(message.message));
      else deliver(message);
    });
  });
  // A bind failure can arrive while the session loads; it is handled at `await ready` below.
  ready.catch(() => {});
  const { startSession } = await import("./session.js");
  const session = startSession({ io, flag: new InterruptFlag(interruptBuffer), versions, preference, threads: options.threads, kernelDir: distDir, exit: realExit,
    typeCheck: parseTypeCheckMode(options.typecheck ?? process.env.TENSORCELL_TYPECHECK) });
  deliver = (message) => session.onMessage(message);
  for (const message of early.splice(0)) session.onMessage(message);
  await ready;
  session.loadLibrary();
}
