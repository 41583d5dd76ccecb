/** Errors for data files: one line that names the loader, the file and the problem. */

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
