/**
 * Real Jupyter components for end-to-end tests: installs tensorcell's
 * kernelspec into a temporary prefix (never system-wide), starts Debian's
 * jupyter-server or classic Notebook on 127.0.0.1 with a token, runs Debian's
 * nbclient, and always cleans up (the server's whole process group is killed).
 *
 * The kernel under test is dist/cli.js (built by `npm test` / `npm run build`);
 * TENSORCELL_TEST_CLI=/path/to/cli.js points the tests at another build.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Debian's interpreter, the one that sees python3-jupyter-* packages. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** The tensorcell CLI whose kernel the tests drive. */
export function kernelCli(): string {
  const cli = process.env.TENSORCELL_TEST_CLI ?? join(REPO_ROOT, "dist", "cli.js");
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: run "npm run build" before the end-to-end tests`);
  return cli;
}

/** A temporary folder tree with tensorcell's kernelspec and private Jupyter dirs. */
export interface JupyterSandbox {
  /** Root of everything this sandbox created. */
  root: string;
  /** Value for JUPYTER_PATH (holds kernels/tensorcell). */
  jupyterPath: string;
  /** Folder the server serves and notebooks are copied into. */
  workDir: string;
  /** Environment for Jupyter processes: private config/data/runtime dirs, JUPYTER_PATH, and `extra`. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** Removes the folder tree. */
  dispose(): void;
}

/** Installs the kernelspec with `tensorcell install --prefix` into a fresh temporary folder. */
export function createSandbox(label: string): JupyterSandbox {
  const root = mkdtempSync(join(tmpdir(), `tensorcell-${label}-`));
  const prefix = join(root, "prefix");
  const installed = spawnSync(process.execPath, [kernelCli(), "install", "--prefix", prefix, "--name", "tensorcell"], { encoding: "utf8" });
  if (installed.status !== 0) throw new Error(`tensorcell install failed (${installed.status}): ${installed.stderr}`);
  const jupyterPath = join(prefix, "share", "jupyter");
  if (!existsSync(join(jupyterPath, "kernels", "tensorcell", "kernel.json"))) {
    throw new Error(`tensorcell install did not write ${join(jupyterPath, "kernels", "tensorcell", "kernel.json")}: ${installed.stdout}`);
  }
  const workDir = join(root, "work");
  spawnSync("mkdir", ["-p", workDir, join(root, "config"), join(root, "data"), join(root, "runtime")]);
  return {
    root,
    jupyterPath,
    workDir,
    env: (extra = {}) => ({
      ...process.env,
      JUPYTER_PATH: jupyterPath,
      // Private dirs keep the user's own Jupyter config and kernels out of the test.
      JUPYTER_CONFIG_DIR: join(root, "config"),
      JUPYTER_DATA_DIR: join(root, "data"),
      JUPYTER_RUNTIME_DIR: join(root, "runtime"),
      PYTHONUNBUFFERED: "1",
      ...extra,
    }),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A running Jupyter server process. */
export interface RunningJupyter {
  /** http://127.0.0.1:PORT/ (with the trailing slash). */
  baseUrl: string;
  token: string;
  process: ChildProcess;
  /** Everything the server wrote so far (stdout and stderr). */
  log(): string;
  /** Shuts every kernel down through the REST API, then kills the server's process group. */
  stop(): Promise<void>;
}

/** Which Debian Jupyter frontend to start. */
export type JupyterApp = "server" | "notebook";

/** Starts Debian's jupyter-server (`server`) or classic Notebook (`notebook`) serving `sandbox.workDir`. */
export async function startJupyter(app: JupyterApp, sandbox: JupyterSandbox, kernelEnv: Record<string, string> = {}): Promise<RunningJupyter> {
  const port = await freePort();
  const token = `tc-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const args =
    app === "server"
      ? ["-m", "jupyter_server", "--no-browser", `--port=${port}`, "--port-retries=0", `--ServerApp.token=${token}`, "--ServerApp.ip=127.0.0.1", `--ServerApp.root_dir=${sandbox.workDir}`]
      : ["-m", "notebook", "--no-browser", `--port=${port}`, "--port-retries=0", `--NotebookApp.token=${token}`, "--NotebookApp.ip=127.0.0.1", `--notebook-dir=${sandbox.workDir}`];
  // Containers and CI often run as root, which Jupyter refuses without this flag.
  if (process.getuid?.() === 0) args.push("--allow-root");
  // detached: the server leads its own process group, so stop() can kill it with everything it spawned.
  const child = spawn(SYSTEM_PYTHON, args, { cwd: sandbox.workDir, env: sandbox.env(kernelEnv), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `http://127.0.0.1:${port}/`;
  const running: RunningJupyter = {
    baseUrl,
    token,
    process: child,
    log: () => output,
    stop: () => stopJupyter(running),
  };
  try {
    await waitForServer(running, 90_000);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return running;
}

async function waitForServer(jupyter: RunningJupyter, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = "no answer yet";
  while (Date.now() < deadline) {
    if (jupyter.process.exitCode !== null) throw new Error(`Jupyter exited with code ${jupyter.process.exitCode} before serving:\n${jupyter.log()}`);
    try {
      const response = await fetch(`${jupyter.baseUrl}api/status`, { headers: { Authorization: `token ${jupyter.token}` } });
      if (response.ok) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Jupyter did not answer /api/status within ${timeoutMs / 1000} s (${lastProblem}):\n${jupyter.log()}`);
}

/** Kernels the server still runs (ids), read through the REST API. */
export async function listKernels(jupyter: RunningJupyter): Promise<string[]> {
  const response = await fetch(`${jupyter.baseUrl}api/kernels`, { headers: { Authorization: `token ${jupyter.token}` } });
  if (!response.ok) throw new Error(`GET api/kernels answered HTTP ${response.status}`);
  return ((await response.json()) as Array<{ id: string }>).map((k) => k.id);
}

async function stopJupyter(jupyter: RunningJupyter): Promise<void> {
  const child = jupyter.process;
  if (child.exitCode === null && child.signalCode === null) {
    // Kernels run in their own sessions (jupyter_client starts them so), so killing the
    // server's group would orphan them: ask the server to shut each one down first.
    try {
      for (const id of await listKernels(jupyter)) {
        await fetch(`${jupyter.baseUrl}api/kernels/${id}`, { method: "DELETE", headers: { Authorization: `token ${jupyter.token}` } });
      }
    } catch (error) {
      process.stderr.write(`jupyter-harness: could not shut kernels down through the API: ${(error as Error).message}\n`);
    }
  }
  await killGroup(child, 15_000);
}

/** SIGTERM to the child's process group, SIGKILL after `graceMs`; resolves when it exited. */
export async function killGroup(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error; // ESRCH: already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Output of one notebook run by nbclient. */
export interface NbclientRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Executes `input` with Debian's nbclient (as `jupyter nbconvert --execute`
 * does) and writes the executed notebook to `output`, even when a cell fails.
 */
export function runWithNbclient(sandbox: JupyterSandbox, input: string, output: string, kernelEnv: Record<string, string> = {}, timeoutMs = 240_000): Promise<NbclientRun> {
  const script = [
    "import sys, nbformat",
    "from nbclient import NotebookClient",
    "from nbclient.exceptions import CellExecutionError",
    "nb = nbformat.read(sys.argv[1], as_version=4)",
    "client = NotebookClient(nb, timeout=180, startup_timeout=120, kernel_name='tensorcell', resources={'metadata': {'path': sys.argv[3]}})",
    "try:",
    "    client.execute()",
    "    status = 0",
    "except CellExecutionError as error:",
    "    print(str(error)[:4000], file=sys.stderr)",
    "    status = 3",
    "nbformat.write(nb, sys.argv[2])",
    "sys.exit(status)",
  ].join("\n");
  return new Promise((resolveRun, reject) => {
    const child = spawn(SYSTEM_PYTHON, ["-c", script, input, output, sandbox.workDir], { cwd: sandbox.workDir, env: sandbox.env(kernelEnv), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      void killGroup(child, 5_000);
      reject(new Error(`nbclient did not finish ${input} within ${timeoutMs / 1000} s:\n${stderr}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("exit", (status) => {
      clearTimeout(timer);
      resolveRun({ status, stdout, stderr });
    });
  });
}
