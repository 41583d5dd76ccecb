/**
 * `tensorcell install` / `uninstall`: the kernelspec Jupyter finds with
 * `jupyter kernelspec list`. kernel.json's argv points at this install's
 * dist/cli.js with the running Node, so it works from any environment (behind
 * a POSIX shell that keeps NODE_EXTRA_CA_CERTS out of Node's boot).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { deferringShellPrefix } from "./extra-ca-certs.js";
import { packageRoot } from "./paths.js";

/** Where to install: the user's data dir, the Python environment's prefix, a given prefix, or the system default. */
export type InstallScope = { kind: "user" } | { kind: "sys-prefix" } | { kind: "prefix"; dir: string } | { kind: "system" };

/** Options of `tensorcell install`. */
export interface InstallOptions {
  scope: InstallScope;
  name: string;
  displayName: string;
}


/** The kernels/ directory Jupyter searches for a scope. */
export function kernelsDir(scope: InstallScope): string {
  switch (scope.kind) {
    case "user":
      return join(process.env.JUPYTER_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter"), "kernels");
    case "prefix":
      return join(resolve(scope.dir), "share", "jupyter", "kernels");
    case "sys-prefix":
      return join(pythonPrefix(), "share", "jupyter", "kernels");
    case "system":
      return "/usr/local/share/jupyter/kernels";
  }
}

function pythonPrefix(): string {
  try {
    return execFileSync("python3", ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("--sys-prefix needs python3 on PATH to find the environment's prefix; use --prefix DIR instead");
  }
}

/**
 * The kernel.json content for this install, from the template kernelspec/kernel.json.
 * interrupt_mode is "message": interrupt_request arrives on control, which the io
 * thread serves even while a cell blocks; SIGINT works too, for frontends that signal.
 */
export function kernelJson(displayName: string): Record<string, unknown> {
  const template = JSON.parse(readFileSync(join(packageRoot, "kernelspec", "kernel.json"), "utf8")) as Record<string, unknown>;
  const values: Record<string, string> = {
    node: process.execPath,
    cli: join(packageRoot, "dist", "cli.js"),
    display_name: displayName,
    version: readVersion(),
  };
  // {connection_file} is Jupyter's own placeholder and stays as it is.
  const fill = (value: unknown): unknown =>
    typeof value === "string"
      ? value.replace(/\{(node|cli|display_name|version)\}/g, (_, key: string) => values[key])
      : Array.isArray(value)
        ? value.map(fill)
        : value && typeof value === "object"
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]))
          : value;
  const spec = fill(template) as Record<string, unknown> & { argv: string[] };
  // A shell in front moves NODE_EXTRA_CA_CERTS out of Node's boot (extra-ca-certs.ts); Windows has no /bin/sh.
  if (process.platform !== "win32") spec.argv = [...deferringShellPrefix, ...spec.argv];
  return spec;
}

function readVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }).version;
}

/** Writes the kernelspec; returns the directory written. */
export function installKernelspec(options: InstallOptions): string {
  if (!/^[A-Za-z0-9._-]+$/.test(options.name)) {
    throw new Error(`kernel name "${options.name}" may only contain letters, digits, ".", "_" and "-"`);
  }
  const dir = join(kernelsDir(options.scope), options.name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelJson(options.displayName), null, 2) + "\n");
  for (const logo of ["logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]) {
    const source = join(packageRoot, "kernelspec", logo);
    if (existsSync(source)) copyFileSync(source, join(dir, logo));
  }
  return dir;
}

/** Removes the kernelspec; returns the directory removed, or undefined if there was none. */
export function uninstallKernelspec(scope: InstallScope, name: string): string | undefined {
  const dir = join(kernelsDir(scope), name);
  if (!existsSync(join(dir, "kernel.json"))) return undefined;
  rmSync(dir, { recursive: true, force: true });
  return dir;
}
