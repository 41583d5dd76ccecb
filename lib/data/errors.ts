/**
 * Reading data files for the loaders (each read recorded for environmentInfo().dataFiles),
 * and their errors: one line that names the loader, the file and the problem.
 */
import { readFileSync, statSync } from "node:fs";
import { recordDataFile } from "../repro/index.js";

/** Thrown when a data file is missing, unreadable or malformed. */
export class DataFileError extends Error {
  /** Absolute or given path of the offending file or folder. */
  readonly path: string;
  /** What is wrong with it, without the path. */
  readonly problem: string;

  /**
   * @param loader the public function that failed, e.g. "loadCsv".
   * @param path the file or folder it was reading.
   * @param problem what is wrong and, where possible, what to do.
   */
  constructor(loader: string, path: string, problem: string) {
    super(`${loader}: ${path}: ${problem}`);
    this.name = "DataFileError";
    this.path = path;
    this.problem = problem;
  }
}

/** Turns a filesystem error (ENOENT, EACCES, EISDIR ...) into a one-line {@link DataFileError}. */
export function fileSystemError(loader: string, path: string, error: unknown): DataFileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new DataFileError(loader, path, "no such file or folder (check the path and the current directory, " + process.cwd() + ")");
  if (code === "EACCES" || code === "EPERM") return new DataFileError(loader, path, "permission denied");
  if (code === "EISDIR") return new DataFileError(loader, path, "is a folder, expected a file");
  if (code === "ENOTDIR") return new DataFileError(loader, path, "is a file, expected a folder");
  const message = error instanceof Error ? error.message : String(error);
  return new DataFileError(loader, path, `cannot be read (${message})`);
}

/** Reads a data file's bytes and records it for environmentInfo().dataFiles; a filesystem failure becomes a {@link DataFileError} naming `loader`. */
export function readDataFile(loader: string, path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw fileSystemError(loader, path, error);
  }
  recordDataFile(path, bytes);
  return bytes;
}

/** Whether `path` is a folder (else a file); a filesystem failure (missing path ...) becomes a {@link DataFileError} naming `loader`. */
export function isFolder(loader: string, path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (error) {
    throw fileSystemError(loader, path, error);
  }
}
