/** Where this tensorcell install lives on disk. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, parse } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding tensorcell's package.json, searched upward from this module (works from lib/ and from dist/); null if none. */
export function tensorcellInstallDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (true) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string };
      if (manifest.name === "tensorcell") return dir;
    }
    if (dir === parse(dir).root) return null;
    dir = dirname(dir);
  }
}
