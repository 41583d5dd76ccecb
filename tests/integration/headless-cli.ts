/**
 * Runs the built CLI (dist/cli.js) as a user would, for the headless tests.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The CLI's exit code and output. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The built CLI. */
export const CLI = resolve("dist/cli.js");

/** Runs `node dist/cli.js ARGS` on the default backend unless env names another. */
export function tensorcell(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh temporary folder. */
export function tempDir(prefix = "tc-headless-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

type CellSpec = string | { source: string; tags?: string[]; type?: "code" | "markdown" | "raw"; metadata?: Record<string, unknown> };

/** Writes a TypeScript notebook with the given cells; returns its path. */
export function writeTestNotebook(dir: string, name: string, cells: CellSpec[], metadata?: Record<string, unknown>): string {
  const path = join(dir, name);
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: metadata ?? { kernelspec: { name: "tensorcell", display_name: "TypeScript (tensorcell)", language: "typescript" } },
    cells: cells.map((spec, index) => {
      const cell = typeof spec === "string" ? { source: spec } : spec;
      const type = cell.type ?? "code";
      return {
        cell_type: type,
        id: `c${index}`,
        metadata: { ...cell.metadata, ...(cell.tags ? { tags: cell.tags } : {}) },
        source: cell.source,
        ...(type === "code" ? { outputs: [], execution_count: null } : {}),
      };
    }),
  };
  writeFileSync(path, JSON.stringify(notebook, null, 1));
  return path;
}

/** Validates a notebook file with the nbformat package (Debian's python3-nbformat); returns the error text or "". */
export function nbformatErrors(path: string): Promise<string> {
  return new Promise((done) => {
    execFile(
      "/usr/bin/python3",
      ["-c", "import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))", path],
      (error, _stdout, stderr) => done(error ? stderr || String(error) : ""),
    );
  });
}
