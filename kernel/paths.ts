/**
 * Where tensorcell is installed. Code runs from kernel/*.ts (tests), from
 * dist/*.js or from dist/chunks/*.js (the bundle is split), so locations are
 * derived from the package root, never from a module's own folder.
 */
import path from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The nearest folder at or above `start` whose package.json is named "tensorcell". */
export function findKernelRoot(start = path.dirname(fileURLToPath(import.meta.url))): string {
  let directory = start;
  for (;;) {
    const manifest = path.join(directory, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "tensorcell") return directory;
    const parent = path.dirname(directory);
    if (parent === directory) throw new Error(`no tensorcell package.json above ${start}; is tensorcell installed?`);
    directory = parent;
  }
}

/** The tensorcell package root. */
export const packageRoot = findKernelRoot();

/** The built bundle: cli.js, the worker entries, lib.js and chunks/. */
export const distDir = path.join(packageRoot, "dist");
