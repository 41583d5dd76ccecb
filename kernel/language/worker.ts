/**
 * The language worker: a worker_thread that owns one SessionLanguageService
 * and answers the client's requests in order. Bundled by the build script to
 * dist/language-worker.js; from sources, client.ts bundles this file with
 * esbuild first (see worker-path.ts).
 *
 * TypeScript is loaded through a V8 code cache (typescript-runtime.ts); the
 * cache is written once, after the first answered request, so it holds the
 * functions that request compiled. The first program is built without
 * @types/node (deferNodeTypes), which is loaded right after the first answer.
 */
import { parentPort, workerData } from "node:worker_threads";
import type * as TS from "typescript";
import { loadTypeScript, saveTypeScriptCodeCache } from "./typescript-runtime.js";
import { SessionLanguageService } from "./service.js";
import type { WorkerRequest, WorkerResponse, WorkerStartData } from "./protocol.js";

const port = parentPort;
if (!port) throw new Error("kernel/language/worker.ts runs as a worker_thread; use LanguageClient from client.ts to start it.");

const start = workerData as WorkerStartData;
const ts = loadTypeScript(start.kernelRoot, start.cacheDir);
const service = new SessionLanguageService({
  ts,
  kernelRoot: start.kernelRoot,
  globals: start.globals,
  compilerOptions: start.compilerOptions as TS.CompilerOptions | undefined,
  deferNodeTypes: true,
});
let firstAnswered = false;

port.on("message", (request: WorkerRequest) => {
  if (request.method === "recordExecuted") return guarded(() => service.recordExecuted(request.code));
  if (request.method === "reset") return guarded(() => service.reset());
  let response: WorkerResponse;
  try {
    const result =
      request.method === "complete" ? service.complete(request.code, request.cursorPos)
      : request.method === "inspect" ? service.inspect(request.code, request.cursorPos, request.detailLevel)
      : request.method === "check" ? service.check(request.code)
      : (service.warmUp(), null);
    response = { id: request.id, ok: true, result };
  } catch (error) {
    response = { id: request.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(response);
  if (!firstAnswered) {
    firstAnswered = true;
    // After the first answer is sent: the code cache (tens of ms), then the Node types it went without.
    setImmediate(() => {
      guarded(() => saveTypeScriptCodeCache());
      guarded(() => service.loadDeferredTypes());
    });
  }
});

/** Runs a notification (no answer expected); a failure is reported on stderr, where the kernel log shows it. */
function guarded(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    console.error("tensorcell language worker:", error);
  }
}
