/**
 * The bubblewrap command line of a sandboxed kernel. Inside:
 * - the read-only view of view.ts (system folders, Node, the package's
 *   package.json, dist/ and node_modules/) and nothing else of the host;
 * - one size-limited tmpfs at /tmp holding the working folder
 *   (/tmp/submission: the kernel's cwd and HOME, with copies of the
 *   submission's files) and the temp folder (TMPDIR=/tmp), so the disk
 *   limit covers every file the kernel can write; the root and /dev are
 *   remounted read-only, so there is nowhere else to write;
 * - the folder with the connection file and the ipc sockets, bound at its
 *   host path (the grader reaches the kernel through those sockets: TCP
 *   cannot cross the network namespace);
 * - new user, pid, network, ipc, uts and (where possible) cgroup
 *   namespaces, no further user namespaces (--disable-userns), its own
 *   /proc and /dev, a new session (no TIOCSTI into the grader's terminal),
 *   killed with the grader (--die-with-parent);
 * - an environment of its own (--clearenv): nothing of the grader's leaks;
 * - rlimits set by prlimit inside the new user namespace, where
 *   RLIMIT_NPROC counts only the sandbox's own processes and threads:
 *   the process limit, and RLIMIT_DATA as a backstop under the memory
 *   limit (see limits.ts). cgroups are not used: they need root or a
 *   delegated subtree, and rlimits work for any user.
 */

/** A file copied into the working folder: an open descriptor handed to bwrap, and its name there. */
export interface SandboxCopy {
  /** The descriptor's number in bwrap's process (3, 4, ...). */
  fd: number;
  /** File name inside the working folder. */
  name: string;
}

/** Everything bwrapArgs needs; no defaults here (see launch.ts). */
export interface BwrapSpec {
  /** Read-only mounts and links, in order (view.ts). */
  view: readonly ({ kind: "bind"; path: string } | { kind: "symlink"; path: string; target: string })[];
  /** Host folder with the connection file and sockets, bound read-write at the same path. */
  connectionDir: string;
  /** Bytes of the /tmp tmpfs (working folder and temp files together). */
  diskBytes: number;
  /** Files copied into the working folder. */
  copies: readonly SandboxCopy[];
  /** Host files or folders bound read-only into the working folder under their own names (grade --files). */
  sharedFiles: readonly { path: string; name: string }[];
  /** The complete environment of the kernel. */
  env: Readonly<Record<string, string>>;
  /** prlimit's path and the limits it sets. */
  prlimit: string;
  maxProcesses: number;
  /** RLIMIT_DATA in bytes, or "unlimited". */
  maxDataBytes: number | "unlimited";
  /** The kernel command (absolute paths inside the sandbox). */
  command: readonly string[];
}

/** The working folder inside the sandbox. */
export const SANDBOX_WORKDIR = "/tmp/submission";

/** bwrap's arguments (without "bwrap" itself) for a sandboxed kernel. */
export function bwrapArgs(spec: BwrapSpec): string[] {
  const args = [
    "--unshare-user",
    "--unshare-pid",
    "--unshare-net",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--disable-userns",
    "--die-with-parent",
    "--new-session",
    "--hostname",
    "sandbox",
    "--clearenv",
  ];
  for (const [name, value] of Object.entries(spec.env)) args.push("--setenv", name, value);
  // Parts of the view under /tmp (tensorcell checked out or installed there) are mounted after the
  // /tmp tmpfs, which would otherwise hide them.
  const underTmp = (path: string) => path === "/tmp" || path.startsWith("/tmp/");
  const viewArgs = (entry: (typeof spec.view)[number]) =>
    entry.kind === "bind" ? ["--ro-bind", entry.path, entry.path] : ["--symlink", entry.target, entry.path];
  for (const entry of spec.view) if (!underTmp(entry.path)) args.push(...viewArgs(entry));
  args.push("--proc", "/proc", "--dev", "/dev");
  args.push("--size", String(spec.diskBytes), "--perms", "1777", "--tmpfs", "/tmp");
  for (const entry of spec.view) if (underTmp(entry.path)) args.push(...viewArgs(entry));
  args.push("--perms", "0700", "--dir", SANDBOX_WORKDIR);
  for (const copy of spec.copies) args.push("--perms", "0600", "--file", String(copy.fd), `${SANDBOX_WORKDIR}/${copy.name}`);
  for (const shared of spec.sharedFiles) args.push("--ro-bind", shared.path, `${SANDBOX_WORKDIR}/${shared.name}`);
  args.push("--bind", spec.connectionDir, spec.connectionDir);
  args.push("--remount-ro", "/dev", "--remount-ro", "/");
  args.push("--chdir", SANDBOX_WORKDIR);
  args.push("--", spec.prlimit, `--nproc=${spec.maxProcesses}`, `--data=${spec.maxDataBytes}`, "--", ...spec.command);
  return args;
}
