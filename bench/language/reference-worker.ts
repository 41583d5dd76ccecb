/**
 * Reference workloads for the editor-assistance benchmark, each run cold in
 * its own worker thread like the real language worker:
 * - "anchor": a plain TypeScript language service over `tf` and @types/node
 *   only, one completion of `tf.` (fixed work that does not grow with lib/).
 *   Measured at 1298 ms on this machine when it was idle (load 0.08), so
 *   ours / anchor in the same run tells what ours would take idle.
 * - "unoptimized": our SessionLanguageService without the cold-start work
 *   (no V8 code cache for typescript.js, @types/node in the first program).
 * Posts the milliseconds from the worker's first line to the answer.
 */
import { parentPort, workerData } from "node:worker_threads";
import type * as TS from "typescript";
import { SessionLanguageService } from "../../kernel/language/service.js";

const start = performance.now();
const { mode, kernelRoot, cells } = workerData as { mode: "anchor" | "unoptimized"; kernelRoot: string; cells: string[] };

if (mode === "unoptimized") {
  const service = new SessionLanguageService({ kernelRoot, deferNodeTypes: false });
  for (const cell of cells) service.recordExecuted(cell);
  const reply = service.complete("tf.mat", 6);
  if (!reply.matches.includes("matMul")) throw new Error("unoptimized reference: no matMul");
} else {
  // An ESM import, exactly as the idle measurement did it (Node then also scans the 9 MB file for CJS exports).
  const ts = ((await import("typescript")) as { default: typeof TS }).default;
  const options: TS.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2023.d.ts"], types: ["node"], strict: true, skipLibCheck: true, noEmit: true,
    moduleDetection: ts.ModuleDetectionKind.Force,
  };
  const files = new Map([
    [`${kernelRoot}/__g.d.ts`, 'declare const tf: typeof import("@tensorflow/tfjs");'],
    [`${kernelRoot}/__cell.ts`, "const a = tf."],
  ]);
  const host: TS.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [...files.keys()],
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) => {
      const text = files.get(f) ?? ts.sys.readFile(f);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => kernelRoot,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => files.has(f) || ts.sys.fileExists(f),
    readFile: (f) => files.get(f) ?? ts.sys.readFile(f),
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
    realpath: ts.sys.realpath,
  };
  const service = ts.createLanguageService(host, ts.createDocumentRegistry());
  const info = service.getCompletionsAtPosition(`${kernelRoot}/__cell.ts`, 13, {});
  if (!info?.entries.some((e) => e.name === "matMul")) throw new Error("anchor reference: no matMul");
}
parentPort?.postMessage(performance.now() - start);
