/**
 * Starting a kernel inside bubblewrap: launchKernel's `wrap` hook for
 * sandboxed sessions. The kernel listens on ipc sockets (see bwrap.ts), gets
 * a fresh environment, copies of the submission's files in its working
 * folder, and the process and memory rlimits of limits.ts.
 *
 * Run as root, the grader starts bwrap as nobody (65534): bwrap then makes
 * an unprivileged user namespace, RLIMIT_NPROC applies (root is exempt from
 * it), and file permissions are one more wall. Run as another user, bwrap
 * runs as that user.
 */
import { chownSync, constants, lstatSync, openSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { KernelCommand, LaunchOptions } from "../../client/launch.js";
import { bwrapArgs, SANDBOX_WORKDIR, type SandboxCopy } from "./bwrap.js";
import { sandboxLimits, type SandboxLimitOptions } from "./limits.js";
import { kernelView } from "./view.js";

/** How sandboxed kernels are started (resolved paths from probe.ts, and the limits). */
export interface SandboxSettings extends SandboxLimitOptions {
  /** Absolute path of bwrap. */
  bwrap: string;
  /** Absolute path of prlimit. */
  prlimit: string;
  /** Host files copied into the working folder (the submission notebook and its folder's files). */
  copyFiles?: readonly string[];
  /** A host folder whose entries are bound read-only into the working folder (grade --files). */
  sharedDir?: string;
}

/** The user and group sandboxes run as: nobody when this process is root, else this process's own. */
export function sandboxUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
}

/**
 * Where the sandbox user (nobody, when grading as root) cannot reach a
 * host path it must bind: the first folder on the way that others may not
 * enter, or the path itself when others may not read it; undefined when it
 * can (or when the sandbox runs as this process's own user). bwrap opens
 * bind sources as that user (binding an open descriptor instead is refused
 * after the switch to nobody).
 */
export function unreachableBySandbox(path: string): string | undefined {
  if (!sandboxUser()) return undefined;
  const others = (mode: number, bits: number) => (mode & bits) === bits;
  const own = statSync(path);
  if (!others(own.mode, own.isDirectory() ? 0o005 : 0o004)) return path;
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    if (!others(statSync(folder).mode, 0o001)) return folder;
    if (dirname(folder) === folder) return undefined;
  }
}

/** Variables of the grader's environment that configure the kernel (never secrets): passed through. */
const PASSED_THROUGH = ["TENSORCELL_BACKEND", "TENSORCELL_TYPECHECK"];

/** The kernel's whole environment inside the sandbox. */
export function sandboxEnv(explicit: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: SANDBOX_WORKDIR,
    TMPDIR: "/tmp",
    LANG: "C.UTF-8",
  };
  for (const name of PASSED_THROUGH) if (process.env[name] !== undefined) env[name] = process.env[name]!;
  Object.assign(env, explicit);
  // One wasm thread: a pool of pthread workers per kernel would multiply by --jobs and count against the process limit.
  env.TENSORCELL_THREADS = "1";
  return env;
}

/** launchKernel's `wrap` for a sandboxed kernel. */
export function sandboxWrap(settings: SandboxSettings): NonNullable<LaunchOptions["wrap"]> {
  return (command: KernelCommand, context): KernelCommand => {
    const user = sandboxUser();
    if (user) chownSync(context.connectionDir, user.uid, user.gid);
    const limits = sandboxLimits(settings);
    // The instructor's --files win over a student's file of the same name (a submitted data.csv cannot replace theirs).
    const sharedFiles = settings.sharedDir ? readdirSync(settings.sharedDir).map((name) => ({ path: join(settings.sharedDir!, name), name })) : [];
    const taken = new Set(sharedFiles.map((shared) => shared.name));
    const fds: number[] = [];
    const copies: SandboxCopy[] = [];
    for (const path of settings.copyFiles ?? []) {
      const name = basename(path); // one folder's files: names are unique
      if (taken.has(name)) continue;
      taken.add(name);
      fds.push(openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)); // no symlink swapped in since submissionFiles looked
      copies.push({ fd: 2 + fds.length, name });
    }
    const args = bwrapArgs({
      view: kernelView(),
      connectionDir: context.connectionDir,
      diskBytes: limits.diskBytes,
      copies,
      sharedFiles,
      env: sandboxEnv(context.env),
      prlimit: settings.prlimit,
      maxProcesses: limits.maxProcesses,
      maxDataBytes: limits.maxDataBytes,
      command: [command.file, ...command.args],
    });
    // bwrap itself gets no environment either: /proc/1/environ inside the sandbox is bwrap's.
    return { file: settings.bwrap, args, cwd: "/", env: {}, ...user, fds };
  };
}

/**
 * Files of a submission copied into its working folder: the notebook, and
 * the other files of its own folder when it has one. Regular files only: a
 * submitted symlink (to another student's notebook, to /etc/shadow) would
 * otherwise be followed by the grader, with the grader's rights.
 */
export function submissionFiles(notebook: string, ownFolder: string | undefined): string[] {
  const regular = (path: string) => lstatSync(path).isFile();
  if (!ownFolder) return regular(notebook) ? [notebook] : [];
  const files = readdirSync(ownFolder)
    .filter((name) => !name.startsWith("."))
    .map((name) => join(ownFolder, name))
    .filter(regular);
  return files.includes(notebook) || !regular(notebook) ? files : [notebook, ...files];
}
