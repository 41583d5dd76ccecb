/**
 * What a sandboxed kernel may see of the host, read-only: the system
 * folders Node and its shared libraries live in, Node's own install when it
 * is not under them, and of the tensorcell package only package.json, dist/
 * and node_modules/ (not the sources, tests or notebooks next to them, where
 * an instructor may keep an assignment). /etc is left out: Node, the
 * ZeroMQ addon and the wasm backend start without it (the dynamic loader
 * finds libc and libstdc++ in its built-in folders), and it would show
 * users, hosts and configuration.
 */
import { existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { packageRoot } from "../../paths.js";

/** One read-only mount (SRC at the same path inside) or one symlink inside the sandbox. */
export type ViewEntry = { kind: "bind"; path: string } | { kind: "symlink"; path: string; target: string };

/** Top-level system folders: bound when they are folders, recreated as links where they are links (merged /usr). */
const SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

function isUnder(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/**
 * A host path at the same path inside: its real location bound, plus a link
 * from the path used to reach it when that is a link (node_modules may be
 * one), since Node resolves modules through real paths.
 */
function mirror(path: string, entries: ViewEntry[]): void {
  const real = realpathSync(path);
  if (!entries.some((e) => e.kind === "bind" && isUnder(real, e.path))) entries.push({ kind: "bind", path: real });
  if (real !== path && !entries.some((e) => e.kind === "bind" && isUnder(path, e.path))) entries.push({ kind: "symlink", path, target: real });
}

/** The read-only view of the host a sandboxed kernel gets, in mount order. */
export function kernelView(execPath = process.execPath, root = packageRoot): ViewEntry[] {
  const entries: ViewEntry[] = [];
  for (const path of SYSTEM_PATHS) {
    if (!existsSync(path)) continue;
    if (lstatSync(path).isSymbolicLink()) entries.push({ kind: "symlink", path, target: readlinkSync(path) });
    else entries.push({ kind: "bind", path });
  }
  // Node from a version manager or a tarball (~/.nvm/..., /opt/node-v20/bin/node): its whole install (bin/, lib/, include/).
  const node = realpathSync(execPath);
  if (!entries.some((e) => e.kind === "bind" && isUnder(node, e.path))) entries.push({ kind: "bind", path: dirname(dirname(node)) });
  for (const name of ["package.json", "dist", "node_modules"]) {
    const path = join(root, name);
    if (existsSync(path)) mirror(path, entries);
  }
  return entries;
}
