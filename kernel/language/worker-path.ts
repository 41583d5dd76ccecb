/**
 * Where the language worker's JavaScript is. Two cases, both supported:
 * - bundled: the kernel runs from dist/, and the build script put the worker
 *   next to it as dist/language-worker.js;
 * - sources: the kernel runs from kernel/language/*.ts (tests, vite-node);
 *   worker.ts is bundled with esbuild into node_modules/.cache/tensorcell/
 *   (inside the package, so its npm imports resolve from node_modules), and
 *   rebuilt only when a kernel/language source is newer than the bundle.
 */
import path from "node:path";
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { findKernelRoot } from "../paths.js";

/** The worker script to start and the folders it needs. */
export interface WorkerLocation {
  /** Absolute path of the worker's .js/.mjs file. */
  file: string;
  /** The tensorcell package root. */
  kernelRoot: string;
  /** A writable folder for caches (the TypeScript code cache), or undefined when none is writable. */
  cacheDir: string | undefined;
}

/** Finds (and from sources, builds) the language worker; `workerFile` overrides the script (nothing is built then). */
export async function locateWorker(workerFile?: string): Promise<WorkerLocation> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const kernelRoot = findKernelRoot(here);
  const cacheDir = writableCacheDir(kernelRoot);
  if (workerFile) return { file: workerFile, kernelRoot, cacheDir };
  const bundled = path.join(kernelRoot, "dist", "language-worker.js");
  if (existsSync(bundled)) return { file: bundled, kernelRoot, cacheDir };
  const source = path.join(kernelRoot, "kernel", "language", "worker.ts");
  if (!existsSync(source)) throw new Error(`tensorcell language worker not found: neither ${bundled} nor ${source} exists; run \`npm run build\`.`);
  const buildDir = cacheDir ?? path.join(kernelRoot, "node_modules", ".cache", "tensorcell");
  return { file: await bundleFromSources(source, buildDir), kernelRoot, cacheDir };
}

/** node_modules/.cache/tensorcell in the package when writable, else a folder in the OS temp dir, else undefined. */
function writableCacheDir(kernelRoot: string): string | undefined {
  for (const candidate of [path.join(kernelRoot, "node_modules", ".cache", "tensorcell"), path.join(tmpdir(), "tensorcell-cache")]) {
    try {
      mkdirSync(candidate, { recursive: true });
      return candidate;
    } catch {
      // Read-only install: try the next place; with none, the worker runs without a code cache.
      continue;
    }
  }
  return undefined;
}

async function bundleFromSources(source: string, outDir: string): Promise<string> {
  const output = path.join(outDir, "language-worker.mjs");
  const sourceDir = path.dirname(source);
  const newestSource = Math.max(...readdirSync(sourceDir).filter((f) => f.endsWith(".ts")).map((f) => statSync(path.join(sourceDir, f)).mtimeMs));
  if (existsSync(output) && statSync(output).mtimeMs >= newestSource) return output;
  const { build } = await import("esbuild");
  const partial = `${output}.${process.pid}.${Date.now()}.tmp.mjs`;
  await build({
    entryPoints: [source],
    outfile: partial,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
    // Same banner as scripts/build.mjs: bundled ESM has no `require`.
    banner: { js: "import { createRequire as __tcCreateRequire } from 'node:module'; const require = __tcCreateRequire(import.meta.url);" },
  });
  renameSync(partial, output);
  return output;
}
