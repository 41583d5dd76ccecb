/**
 * `environmentInfo()`: what a notebook's metadata records about the machine
 * and software a run used, so a reader can tell whether a rerun is comparable.
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { arch, cpus, platform, release } from "node:os";
import { dirname, join, parse } from "node:path";
import { recordedDataFiles, sha256Hex, type DataFileRecord } from "./datafiles.js";
import { currentSeed } from "./seed.js";
import { tensorcellInstallDir } from "../install-dir.js";
import { wasmThreadCount } from "../backend/wasm/threads.js";

/** A package-lock.json found on disk and its hash. */
export interface LockfileRecord {
  /** Absolute path of the package-lock.json. */
  path: string;
  /** Lower-case hex SHA-256 of its bytes. */
  sha256: string;
}

/** A snapshot of the software and machine a run used. */
export interface EnvironmentInfo {
  /** tensorcell's version and where it is installed. */
  tensorcell: { version: string; installDir: string | null };
  /** Node's version string, e.g. "v20.19.0". */
  node: string;
  /** Operating system and processor. */
  os: { platform: string; release: string; arch: string; cpuModel: string; cpuCount: number };
  /** The active tfjs backend (e.g. "wasm", "cpu"), the version of its package and, for wasm, the threads it computes with. */
  backend: { name: string; version: string | null; threads?: number };
  /** tfjs package versions as tf.version reports them (tfjs-core, tfjs-layers ...). */
  tfjs: Record<string, string>;
  /** The seed from `seed(n)`, or null when the run is not seeded. */
  seed: number | null;
  /** package-lock.json hashes: of tensorcell's install and of the current directory, when present. */
  packageLock: { kernel: LockfileRecord | null; cwd: LockfileRecord | null };
  /** Each data file the library loaded, with its hash. */
  dataFiles: DataFileRecord[];
}

const require = createRequire(import.meta.url);

function lockfileIn(dir: string | null): LockfileRecord | null {
  if (dir === null) return null;
  const path = join(dir, "package-lock.json");
  if (!existsSync(path)) return null;
  return { path, sha256: sha256Hex(readFileSync(path)) };
}

const backendPackages: Record<string, string> = {
  cpu: "@tensorflow/tfjs-backend-cpu",
  wasm: "@tensorflow/tfjs-backend-wasm",
  webgl: "@tensorflow/tfjs-backend-webgl",
  webgpu: "@tensorflow/tfjs-backend-webgpu",
  tensorflow: "@tensorflow/tfjs-node",
};

/** The installed version of a backend's npm package, found from its entry point; null if not installed. */
function backendVersion(name: string): string | null {
  const packageName = backendPackages[name];
  if (packageName === undefined) return null;
  let entry: string;
  try {
    entry = require.resolve(packageName);
  } catch {
    return null; // Not installed: the backend came from elsewhere; report no version.
  }
  let dir = dirname(entry);
  while (dir !== parse(dir).root) {
    const manifestPath = join(dir, "package.json");
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { name?: string; version?: string };
      if (manifest.name === packageName) return manifest.version ?? null;
    }
    dir = dirname(dir);
  }
  return null;
}

/**
 * Describes the environment of this run: tensorcell, Node, OS/CPU, the tfjs
 * backend and versions, the seed, package-lock.json hashes and every data file
 * the library loaded (path and SHA-256). Read fresh on every call, so call it
 * after training to include all data files.
 */
export function environmentInfo(): EnvironmentInfo {
  const installDir = tensorcellInstallDir();
  const version =
    installDir === null
      ? "unknown"
      : ((JSON.parse(readFileSync(join(installDir, "package.json"), "utf8")) as { version?: string }).version ?? "unknown");
  const processors = cpus();
  const backendName = tf.getBackend() ?? "none";
  const cwdLock = lockfileIn(process.cwd());
  const kernelLock = lockfileIn(installDir);
  return {
    tensorcell: { version, installDir },
    node: process.version,
    os: {
      platform: platform(),
      release: release(),
      arch: arch(),
      cpuModel: processors[0]?.model.trim() ?? "unknown",
      cpuCount: processors.length,
    },
    backend: { name: backendName, version: backendVersion(backendName), ...(backendName === "wasm" ? { threads: wasmThreadCount() } : {}) },
    tfjs: { ...tf.version },
    seed: currentSeed() ?? null,
    packageLock: { kernel: kernelLock, cwd: cwdLock },
    dataFiles: recordedDataFiles(),
  };
}
