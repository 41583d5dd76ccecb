/**
 * The kernel process's main thread at start-up: reads the connection file,
 * binds shell, iopub and stdin here and answers kernel_info from the first
 * moment, then starts the control thread (control and heartbeat). The
 * session (executor, handlers) and then TensorFlow.js load once the first
 * request has been answered: loading them takes the main thread for a while,
 * and a client that is waiting for its first reply should not wait for them.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { readConnectionFile } from "./channels/connection.js";
import type { ControlWorkerData, ToControl, ToMain } from "./channels/thread-messages.js";
import { InterruptFlag } from "./executor/interrupt.js";
import { kernelInfoContent } from "./handlers/kernel-info.js";
import { parseTypeCheckMode } from "./handlers/typecheck.js";
import { predictBackend } from "../lib/backend/predict.js";
import type { Session } from "./session.js";
import { distDir, packageRoot } from "./paths.js";
import { restoreExtraCaCerts } from "./extra-ca-certs.js";

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

/** How long start-up waits for a first request before loading the session and library anyway. */
const FIRST_REQUEST_WAIT_MS = 1000;

/** Kernel log lines before the session (which captures stderr for cells) takes over. */
function startupLog(line: string): void {
  process.stderr.write(`tensorcell: ${line}\n`);
}

/** Runs the kernel until a shutdown_request; the process then exits 0. */
export async function runKernel(connectionFile: string, options: KernelOptions = {}): Promise<void> {
  const connection = readConnectionFile(connectionFile);
  const sessionId = randomUUID();
  const interruptBuffer = new SharedArrayBuffer(4);
  const flag = new InterruptFlag(interruptBuffer);
  // Shell, iopub and stdin come first: a client retries a refused connection only every
  // 100 ms, so every millisecond before the bind can cost a hundred.
  const { ShellChannels } = await import("./channels/shell-channels.js");
  let control: Worker | undefined;
  const toControl = (message: ToControl) => control?.postMessage(message);
  let session: Session | undefined;
  let log = startupLog;
  let shuttingDown = false;
  const shutDown = () => {
    if (shuttingDown) return;
    shuttingDown = true;
    channels.stop();
    void session?.close();
    void channels.close().then(() => toControl({ type: "close" }));
  };
  const interrupt = () => {
    if (session) session.interrupt();
    else flag.clear(); // nothing runs yet; do not let the flag hit the first cell
  };
  const channels = new ShellChannels(connection, sessionId, {}, (line) => log(line), {
    interrupt: () => {
      flag.raise();
      interrupt();
    },
    shutdown: shutDown,
  });
  try {
    await channels.bind();
  } catch (error) {
    throw new KernelStartError((error as Error).message);
  }
  // Before `serve` (nothing is read until then). The banner names the backend the library will
  // pick, predicted without loading TensorFlow.js; it is replaced once the backend is up.
  const versions = readVersions();
  const preference = options.backend ?? process.env.TENSORCELL_BACKEND ?? "auto";
  channels.kernelInfo = kernelInfoContent(versions, predictBackend(preference, options.threads));
  channels.serve();

  const workerData: ControlWorkerData = { connection, interruptFlag: interruptBuffer, kernelInfo: channels.kernelInfo, session: sessionId };
  const controlThread = new Worker(join(distDir, "control-worker.js"), { workerData });
  control = controlThread;
  const ready = new Promise<void>((resolve, reject) => {
    controlThread.on("error", reject);
    controlThread.on("message", (message: ToMain) => {
      switch (message.type) {
        case "ready":
          return resolve();
        case "fatal":
          return reject(new KernelStartError(message.message));
        case "status":
          return channels.publishStatus(message.state, message.parent);
        case "interrupt":
          // The flag is the truth: a cell that its own loop check ended has cleared it, and
          // this message (which can arrive after the next request started) must not stop that one.
          if (flag.raised) interrupt();
          return;
        case "shutdown":
          return shutDown();
        case "closed":
          realExit(0);
      }
    });
  });
  await ready;

  await Promise.race([channels.firstAnswer, delay(FIRST_REQUEST_WAIT_MS)]);
  restoreExtraCaCerts((line) => log(line));
  const { startSession } = await import("./session.js");
  session = startSession({
    channels,
    control: toControl,
    flag,
    versions,
    preference,
    threads: options.threads,
    kernelDir: distDir,
    exit: realExit,
    typeCheck: parseTypeCheckMode(options.typecheck ?? process.env.TENSORCELL_TYPECHECK),
  });
  log = session.log;
  if (!shuttingDown) session.loadLibrary();
}
