/**
 * How each tensor backend is found and loaded. tfjs-node, tfjs-node-gpu and
 * the WebGPU packages are optional: they are looked up at run time from the
 * user's working directory and from tensorcell's own node_modules, and loaded
 * with a dynamic import, so tensorcell installs and runs without them.
 */
import { createRequire } from "node:module";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The backends tensorcell knows, in `auto` preference order: the GPU ones
 * first (tfjs-node-gpu when an NVIDIA GPU is visible, then WebGPU when Dawn
 * returns a hardware adapter), then native CPU, wasm, cpu.
 */
export const BACKEND_ORDER = ["node-gpu", "webgpu", "node", "wasm", "cpu"] as const;

/** Every selectable backend name. */
export type BackendName = (typeof BACKEND_ORDER)[number];

/** Accepted spellings for each backend (package names and tfjs's own backend names). */
const ALIASES: Record<string, BackendName> = {
  "node-gpu": "node-gpu", "tfjs-node-gpu": "node-gpu", "@tensorflow/tfjs-node-gpu": "node-gpu", gpu: "node-gpu", cuda: "node-gpu",
  node: "node", "tfjs-node": "node", "@tensorflow/tfjs-node": "node", tensorflow: "node", native: "node",
  webgpu: "webgpu", dawn: "webgpu", "tfjs-backend-webgpu": "webgpu",
  wasm: "wasm", "tfjs-backend-wasm": "wasm",
  cpu: "cpu", js: "cpu",
};

/**
 * Normalises a user-given backend name ("tfjs-node", "gpu", "WASM"...) to one
 * of tensorcell's names, or throws an error that lists the valid ones.
 */
export function normalizeBackendName(name: string): BackendName {
  const found = ALIASES[name.trim().toLowerCase()];
  if (found) return found;
  throw new Error(`Unknown backend "${name}". Use one of: auto, ${BACKEND_ORDER.join(", ")}.`);
}

/** The npm package that provides each backend, and the one-line fix when it is missing or fails. */
export const BACKEND_PACKAGES: Record<BackendName, { packages: string[]; fix: string }> = {
  "node-gpu": {
    packages: ["@tensorflow/tfjs-node-gpu"],
    fix: "npm install @tensorflow/tfjs-node-gpu (Linux x64, NVIDIA driver, CUDA 11.2 + cuDNN 8.1; its install step downloads libtensorflow)",
  },
  node: {
    packages: ["@tensorflow/tfjs-node"],
    fix: "npm install @tensorflow/tfjs-node (its install step downloads libtensorflow, so it needs network access)",
  },
  webgpu: {
    packages: ["@tensorflow/tfjs-backend-webgpu", "webgpu"],
    fix: "npm install @tensorflow/tfjs-backend-webgpu@4.22.0 webgpu (Dawn's Node binding; needs a GPU with a Vulkan/Metal/D3D12 driver)",
  },
  wasm: {
    packages: ["@tensorflow/tfjs-backend-wasm"],
    fix: "npm install @tensorflow/tfjs-backend-wasm@4.22.0 (it ships with tensorcell; reinstall tensorcell if it is missing)",
  },
  cpu: { packages: [], fix: "none: the cpu backend is part of @tensorflow/tfjs" },
};

/** Folders an optional package is resolved from: the user's working directory first, then tensorcell's own. */
function resolutionBases(): string[] {
  return [join(process.cwd(), "noop.js"), import.meta.url];
}

/**
 * Finds an installed package without loading it: the absolute path of its
 * entry point, or null. Cheap and synchronous (no tfjs import).
 */
export function resolvePackage(name: string): string | null {
  for (const base of resolutionBases()) {
    try {
      return createRequire(base).resolve(name);
    } catch (error) {
      // MODULE_NOT_FOUND is the expected "not installed" answer; anything else is a broken install worth reporting.
      if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    }
  }
  return null;
}

/** Whether every npm package a backend needs is installed (found without loading it). */
export function backendInstalled(name: BackendName): boolean {
  return BACKEND_PACKAGES[name].packages.every((pkg) => resolvePackage(pkg) !== null);
}

/** Imports an optional package found by resolvePackage; throws "not installed" with the fix otherwise. */
export async function importOptional(name: string, fix: string): Promise<unknown> {
  const path = resolvePackage(name);
  if (!path) throw new BackendUnavailable(`${name} is not installed`, fix);
  return import(pathToFileURL(path).href);
}

/**
 * Whether an NVIDIA GPU is visible to this process (a driver device node).
 * tfjs-node-gpu silently runs on the CPU without one, so `auto` checks first.
 */
export function nvidiaGpuVisible(): boolean {
  if (existsSync("/dev/nvidia0")) return true;
  try {
    return readdirSync("/proc/driver/nvidia/gpus").length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/**
 * Whether a GPU device node is visible (Linux: a DRM render node or an NVIDIA
 * device; other platforms: assumed, Dawn answers there). `auto` checks this
 * before starting Dawn, which costs nothing on machines without a GPU and
 * keeps Dawn's "Couldn't load Vulkan" warning off their stderr.
 */
export function gpuDeviceVisible(): boolean {
  if (process.platform !== "linux") return true;
  if (nvidiaGpuVisible()) return true;
  try {
    return readdirSync("/dev/dri").some((name) => name.startsWith("renderD"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

/** A backend that cannot be used here, with the fix a user can apply. */
export class BackendUnavailable extends Error {
  /** What to install or change so the backend works. */
  readonly fix: string;
  /** True when the package is simply absent (auto mode skips these quietly). */
  readonly notInstalled: boolean;
  constructor(message: string, fix: string, notInstalled = message.endsWith("is not installed")) {
    super(message);
    this.name = "BackendUnavailable";
    this.fix = fix;
    this.notInstalled = notInstalled;
  }
}
