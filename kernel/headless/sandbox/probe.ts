/**
 * Before grading in a sandbox: find bwrap and prlimit, and start one
 * throwaway sandbox of the kernel's exact shape (namespaces, mounts,
 * rlimits) running `node -e ""`. Anything missing or refused becomes one
 * line naming what to install or change; `grade --no-sandbox` is the way
 * around it.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { bwrapArgs } from "./bwrap.js";
import { sandboxEnv, sandboxUser } from "./launch.js";
import { sandboxLimits } from "./limits.js";
import { kernelView } from "./view.js";

/** The sandbox cannot be used here; the message is one line saying what to do. */
export class SandboxUnavailableError extends Error {
  override name = "SandboxUnavailableError";
}

/** The programs a sandbox needs. */
export interface SandboxTools {
  bwrap: string;
  prlimit: string;
}

const NO_SANDBOX_HINT = "or pass --no-sandbox to grade without one (student code then runs with your rights)";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false; // missing or not executable: the caller reports it
  }
}

/** The first executable `name` on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const folder of path.split(delimiter)) {
    if (!folder) continue;
    const candidate = join(folder, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds bwrap (TENSORCELL_BWRAP names it explicitly, else PATH) and
 * prlimit (PATH, else /usr/bin); throws a SandboxUnavailableError.
 */
export function findSandboxTools(env: NodeJS.ProcessEnv = process.env): SandboxTools {
  const override = env.TENSORCELL_BWRAP;
  let bwrap: string | undefined;
  if (override) {
    if (!isAbsolute(override) || !isExecutable(override)) {
      throw new SandboxUnavailableError(`TENSORCELL_BWRAP=${override} is not an executable file; install the Debian package bubblewrap and unset it, ${NO_SANDBOX_HINT}`);
    }
    bwrap = override;
  } else {
    bwrap = findOnPath("bwrap", env.PATH);
    if (!bwrap) throw new SandboxUnavailableError(`bwrap not found on PATH: install the Debian package bubblewrap (apt-get install bubblewrap), ${NO_SANDBOX_HINT}`);
  }
  const prlimit = findOnPath("prlimit", env.PATH) ?? (isExecutable("/usr/bin/prlimit") ? "/usr/bin/prlimit" : undefined);
  if (!prlimit) throw new SandboxUnavailableError(`prlimit not found: install the Debian package util-linux, ${NO_SANDBOX_HINT}`);
  return { bwrap, prlimit };
}

/** Runs a throwaway sandbox of the kernel's shape; throws a SandboxUnavailableError with bwrap's own words when it fails. */
export async function probeSandbox(tools: SandboxTools, timeoutMs = 30_000): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "tensorcell-probe-"));
  const user = sandboxUser();
  try {
    if (user) chownSync(dir, user.uid, user.gid);
    const limits = sandboxLimits({ memoryLimitMb: 256 });
    const args = bwrapArgs({
      view: kernelView(),
      connectionDir: dir,
      diskBytes: 1024 * 1024,
      copies: [],
      sharedFiles: [],
      env: sandboxEnv({}),
      prlimit: tools.prlimit,
      maxProcesses: limits.maxProcesses,
      maxDataBytes: limits.maxDataBytes,
      command: [process.execPath, "-e", ""],
    });
    const { code, output } = await new Promise<{ code: number | string; output: string }>((done) => {
      const child = spawn(tools.bwrap, args, { cwd: "/", env: {}, ...user, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.once("error", (error) => done({ code: error.message, output }));
      child.once("close", (exit, signal) => {
        clearTimeout(timer);
        done({ code: signal ?? exit ?? "?", output });
      });
    });
    if (code === 0) return;
    const said = output.trim().split("\n").filter(Boolean)[0] ?? `exit ${code}`;
    const fix = /permission denied/i.test(said)
      ? `the sandbox runs as ${user ? "nobody (uid 65534, since you are root)" : "you"} and must be able to read node and the tensorcell install`
      : "it needs user namespaces (sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0; in a container, allow them)";
    throw new SandboxUnavailableError(`bubblewrap (Debian package bubblewrap, ${tools.bwrap}) cannot create the grading sandbox here: ${said.slice(0, 200)}; ${fix}, ${NO_SANDBOX_HINT}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
