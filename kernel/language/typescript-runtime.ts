/**
 * Loads the TypeScript compiler once for the language service, optionally
 * through a V8 code cache. typescript.js is a 9 MB CommonJS file; compiling
 * it costs about 200 ms of the cold start on this machine, and with a code
 * cache made after a warm-up (so the parser, binder and checker functions are
 * in it) loading takes about 50 ms. The cache is keyed by the TypeScript
 * version, the Node version and the architecture; V8 itself rejects a cache
 * that does not match its flags, and then the file is compiled normally.
 */
import { createRequire } from "node:module";
import { readFileSync, writeFileSync, renameSync, mkdirSync, existsSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import type * as TS from "typescript";

/** The TypeScript module's type (the compiler API namespace). */
export type TypeScript = typeof TS;

let loaded: TypeScript | undefined;
let cacheTarget: { script: vm.Script; file: string } | undefined;

/** The TypeScript compiler API, loaded on first use (plainly, unless `loadTypeScript` ran first). */
export function typescript(): TypeScript {
  if (!loaded) loaded = createRequire(import.meta.url)("typescript") as TypeScript;
  return loaded;
}

/**
 * Loads TypeScript through a V8 code cache kept in `cacheDir` (made on a later
 * `saveTypeScriptCodeCache()` call when absent). Later `typescript()` calls
 * return this instance. Without a cacheDir it is a plain require.
 */
export function loadTypeScript(resolveFrom: string, cacheDir?: string): TypeScript {
  if (loaded) return loaded;
  const requireFromRoot = createRequire(path.join(resolveFrom, "package.json"));
  const file = requireFromRoot.resolve("typescript");
  if (!cacheDir) {
    loaded = requireFromRoot("typescript") as TypeScript;
    return loaded;
  }
  const tsVersion = (JSON.parse(readFileSync(path.join(path.dirname(file), "..", "package.json"), "utf8")) as { version: string }).version;
  const cacheFile = path.join(cacheDir, `typescript-${tsVersion}-node${process.versions.node}-${process.arch}.v8cache`);
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  // The same wrapper Node's CommonJS loader uses, so the file runs exactly as under require().
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: typeof module, f: string, d: string) => void;
  run(module.exports, createRequire(file), module, file, path.dirname(file));
  loaded = module.exports as TypeScript;
  if (!cachedData || script.cachedDataRejected) cacheTarget = { script, file: cacheFile };
  return loaded;
}

/**
 * Writes the code cache if `loadTypeScript` found none; call it after the
 * first real request so the cache holds the functions that request compiled.
 * Returns the cache path written, or undefined when nothing was to be written.
 */
export function saveTypeScriptCodeCache(): string | undefined {
  if (!cacheTarget) return undefined;
  const { script, file } = cacheTarget;
  cacheTarget = undefined;
  mkdirSync(path.dirname(file), { recursive: true });
  // Write then rename, so a second kernel starting now never reads half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, script.createCachedData());
  renameSync(partial, file);
  return file;
}
