/** Finds the tensorcell package root, from sources (kernel/language/) or from the bundle (dist/). */
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
    if (parent === directory) throw new Error(`tensorcell language service: no tensorcell package.json above ${start}; pass kernelRoot explicitly.`);
    directory = parent;
  }
}
