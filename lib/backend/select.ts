/**
 * Backend choice: `auto` tries tfjs-node-gpu (when an NVIDIA GPU is visible),
 * then WebGPU (when a GPU device is visible and Dawn returns a hardware
 * adapter), then tfjs-node, then wasm, then cpu; a named backend is tried alone (then the
 * rest of the auto order when it fails at start-up). Each failure is one line
 * on stderr with its fix; absent optional packages are skipped quietly in auto
 * mode and listed in BackendInfo.attempts.
 */
import * as tf from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  BACKEND_ORDER, BACKEND_PACKAGES, BackendUnavailable, backendInstalled, gpuDeviceVisible, importOptional, normalizeBackendName, nvidiaGpuVisible, resolvePackage,
  type BackendName,
} from "./loaders.js";
import { installGradientFixes } from "./gradients.js";
import { installOptimizerFixes } from "./optimizer-fixes.js";
import { installInterruptibleFit } from "./interrupted-fit.js";
import { registerWasmKernels, type WasmKernelRegistration } from "./wasm/register.js";
import { loadWebGpu, webGpuAdapterInfo } from "./webgpu.js";
import { guardWasmHeap } from "./wasm/memory-guard.js";
import { startWasm, ThreadCountChangeError, wasmThreadCount, wasmThreadNotes } from "./wasm/threads.js";
import { resolveThreadRequest, ThreadCountError } from "./wasm/thread-count.js";

/** One backend tried during selection. */
export interface BackendAttempt {
  /** tensorcell's backend name (node-gpu, node, webgpu, wasm, cpu). */
  name: string;
  /** Whether it loaded and initialised. */
  ok: boolean;
  /** Why it did not (absent when ok). */
  error?: string;
  /** What to install or change so it works (absent when ok). */
  fix?: string;
}

/** The backend in use, how it was chosen, and what tensorcell added to it. */
export interface BackendInfo {
  /** tensorcell's name for the backend in use: node-gpu, node, webgpu, wasm or cpu. */
  name: string;
  /** tfjs's own name for it (tf.getBackend()): tensorflow, webgpu, wasm or cpu. */
  tfjsBackend: string;
  /** What was asked for: "auto" or a backend name. */
  requested: string;
  /** Why this backend, in one sentence (shown in the kernel banner). */
  reason: string;
  /** Versions: tfjs and the backend package. */
  version: string;
  /** Every backend tried, in order. */
  attempts: BackendAttempt[];
  /** wasm: whether the SIMD build runs. */
  simd?: boolean;
  /**
   * wasm: threads XNNPACK computes with. Default: every core up to 8; set by
   * TENSORCELL_THREADS, `tensorcell kernel --threads N` or
   * `useBackend("wasm", { threads: N })`; 1 when the threaded build could not start.
   */
  threads?: number;
  /** wasm: kernels tensorcell registered that tfjs-backend-wasm lacks. */
  kernelsAdded: string[];
  /** wasm: tfjs-backend-wasm kernels replaced by faster compositions. */
  kernelsReplaced: string[];
  /** Gradients (all backends) replaced to remove tfjs performance traps or limits. */
  gradientsReplaced: string[];
  /** webgpu: the adapter Dawn reported. */
  device?: string;
  /** What of this backend's path is verified by tensorcell's tests, and what is not. */
  verified: string;
}

/** How much each backend's path is verified (see bench/README.md). */
const VERIFICATION: Record<BackendName, string> = {
  wasm: "tested: every added kernel against cpu (forward and gradients), training of the reference CNN on MNIST, no tensor leaks",
  cpu: "tested: reference for the wasm kernel tests",
  node: "not verified by tensorcell's tests (tfjs-node cannot be installed offline); selection and fallback are tested",
  "node-gpu": "not verified by tensorcell's tests (needs an NVIDIA GPU and CUDA 11.2); selection and fallback are tested",
  webgpu: "not verified by tensorcell's tests (needs a GPU); bench/gpu/check.sh proves it on an NVIDIA machine",
};

/** How tfjs names each of tensorcell's backends. */
const TFJS_NAME: Record<BackendName, string> = { "node-gpu": "tensorflow", node: "tensorflow", webgpu: "webgpu", wasm: "wasm", cpu: "cpu" };

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;
let wasmRegistration: WasmKernelRegistration | undefined;
let wasmPackage: Parameters<typeof startWasm>[0] | undefined;

/** Options of initBackend and useBackend. */
export interface BackendOptions {
  /**
   * wasm only: threads to compute with (a whole number; over 8 is clamped to
   * the build's 8). Default: TENSORCELL_THREADS, else every core up to 8. Fixed
   * once the wasm backend has started in this process.
   */
  threads?: number;
}

/**
 * Loads and selects the tensor backend, registers tensorcell's extra wasm
 * kernels and gradient fixes, and returns what was chosen and why.
 * `preference`: "auto" or a backend name (node-gpu, node, webgpu, wasm, cpu);
 * undefined means process.env.TENSORCELL_BACKEND ?? "auto". A backend that
 * fails prints one line on stderr with the fix and the next one is tried.
 * `options.threads`: see BackendOptions; a bad count (0, negative, a
 * fraction, also in TENSORCELL_THREADS) throws a one-line error.
 */
export function initBackend(preference?: string, options: BackendOptions = {}): Promise<BackendInfo> {
  const requested = (preference ?? process.env.TENSORCELL_BACKEND ?? "auto").trim().toLowerCase() || "auto";
  if (pending && current?.requested === requested) return pending;
  pending = selectBackend(requested, options.threads).catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

/**
 * Switches the backend from a cell, e.g. `await useBackend("cpu")`. Unlike
 * start-up there is no fallback: if the backend cannot load, this throws an
 * error saying what to install, and the current backend stays.
 * `await useBackend("wasm", { threads: 2 })` picks the wasm thread count if
 * wasm has not started yet; once it has, a different count is refused with an
 * error saying that a kernel restart is needed.
 */
export async function useBackend(name: string, options: BackendOptions = {}): Promise<BackendInfo> {
  if (options.threads !== undefined) resolveThreadRequest(options.threads, "useBackend's threads option");
  if (name.trim().toLowerCase() === "auto") return initBackendFresh("auto", options);
  const backend = normalizeBackendName(name);
  prepareRegistries();
  const attempt = await tryBackend(backend, options.threads, "useBackend's threads option");
  if (!attempt.ok) throw new Error(`Backend "${backend}" is unavailable: ${attempt.error}. Fix: ${attempt.fix}. The current backend (${tf.getBackend()}) is still in use.`);
  current = await describe(backend, backend, `switched by useBackend("${name}")`, [attempt]);
  pending = Promise.resolve(current);
  return current;
}

function initBackendFresh(requested: string, options: BackendOptions): Promise<BackendInfo> {
  pending = undefined;
  current = undefined;
  return initBackend(requested, options);
}

/**
 * The backend in use. Before initBackend() has finished it describes tfjs's
 * default choice, with reason "not initialised".
 */
export function backendInfo(): BackendInfo {
  if (current) return current;
  const name = tf.getBackend() ?? "none";
  return {
    name, tfjsBackend: name, requested: "none", reason: "not initialised: call initBackend() first", version: `tfjs ${tf.version.tfjs}`,
    attempts: [], kernelsAdded: [], kernelsReplaced: [], gradientsReplaced: [], verified: "",
  };
}

async function selectBackend(requested: string, threads: number | undefined): Promise<BackendInfo> {
  // A bad thread count (option or TENSORCELL_THREADS) is the user's to fix, whichever backend is picked.
  resolveThreadRequest(threads, "initBackend's threads option");
  prepareRegistries();
  const attempts: BackendAttempt[] = [];
  const auto = requested === "auto";
  const explicit = auto ? undefined : normalizeBackendName(requested);
  // A named backend that fails falls back to the portable ones only (wasm, cpu), never to another GPU or native build.
  const order: BackendName[] = explicit ? [explicit, ...BACKEND_ORDER.filter((b) => b !== explicit && (b === "wasm" || b === "cpu"))] : [...BACKEND_ORDER];
  for (const name of order) {
    if (auto && name === "node-gpu" && resolvePackage("@tensorflow/tfjs-node-gpu") && !nvidiaGpuVisible()) {
      attempts.push({ name, ok: false, error: "no NVIDIA GPU visible (/dev/nvidia0 missing)", fix: "run on a machine with an NVIDIA GPU and driver" });
      continue;
    }
    if (auto && name === "webgpu" && backendInstalled("webgpu") && !gpuDeviceVisible()) {
      attempts.push({ name, ok: false, error: "no GPU device visible (/dev/dri/renderD* and /dev/nvidia* missing)", fix: "run on a machine with a GPU and its driver" });
      continue;
    }
    const attempt = await tryBackend(name, threads, "initBackend's threads option", auto);
    attempts.push(attempt);
    if (attempt.ok) {
      const reason = explainChoice(name, requested, attempts);
      current = await describe(name, requested, reason, attempts);
      return current;
    }
    const quiet = auto && attempt.notInstalled;
    if (!quiet) {
      const next = order[order.indexOf(name) + 1];
      process.stderr.write(`tensorcell: backend ${name} failed: ${attempt.error}. Fix: ${attempt.fix}.${next ? ` Trying ${next}.` : ""}\n`);
    }
  }
  throw new Error(`tensorcell: no tensor backend could be loaded (${attempts.map((a) => `${a.name}: ${a.error}`).join("; ")}). Reinstall @tensorflow/tfjs.`);
}

function explainChoice(name: BackendName, requested: string, attempts: BackendAttempt[]): string {
  const failed = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.error}`);
  const before = failed.length ? ` (${failed.join("; ")})` : "";
  if (requested !== "auto") {
    return name === normalizeBackendName(requested) ? `requested (${requested})` : `${requested} was requested but failed; fell back to ${name}${before}`;
  }
  const extra = name === "wasm" ? ", with tensorcell's training kernels" : name === "cpu" ? "; the pure-JS cpu backend is slow" : "";
  return `auto: ${name}${extra}${before}`;
}

/** Registers kernels and gradients that do not depend on which backend is active (idempotent). */
function prepareRegistries(): void {
  installGradientFixes();
  installOptimizerFixes();
  installInterruptibleFit();
}

type Attempt = BackendAttempt & { notInstalled?: boolean };

/** `auto`: true when `auto` chose the order (WebGPU then refuses CPU renderers). */
async function tryBackend(name: BackendName, threads: number | undefined, threadsSource: string, auto = false): Promise<Attempt> {
  try {
    await loadBackend(name, auto);
    if (name === "wasm") {
      await startWasm(wasmPackage!, threads, threadsSource);
    } else {
      const ok = await tf.setBackend(TFJS_NAME[name]);
      if (!ok) throw new BackendUnavailable(`tfjs could not initialise the '${TFJS_NAME[name]}' backend (see the warning above)`, BACKEND_PACKAGES[name].fix, false);
    }
    await tf.ready();
    if (name === "wasm") guardWasmHeap();
    // tfjs-backend-cpu prints a multi-line "install tfjs-node" banner on first use in Node;
    // BackendInfo.reason already says the cpu backend is slow, so skip the banner.
    if (name === "cpu") (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return { name, ok: true };
  } catch (error) {
    // The thread count is the user's to fix (or needs a restart), not a reason to try another backend.
    if (error instanceof ThreadCountError || error instanceof ThreadCountChangeError) throw error;
    const unavailable = error instanceof BackendUnavailable ? error : undefined;
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { name, ok: false, error: message, fix: unavailable?.fix ?? BACKEND_PACKAGES[name].fix, notInstalled: unavailable?.notInstalled ?? false };
  }
}

async function loadBackend(name: BackendName, auto: boolean): Promise<void> {
  switch (name) {
    case "node-gpu":
    case "node": {
      const pkg = BACKEND_PACKAGES[name].packages[0];
      await importOptional(pkg, BACKEND_PACKAGES[name].fix);
      if (!tf.findBackendFactory("tensorflow")) {
        throw new BackendUnavailable(`${pkg} loaded but its backend is not visible to tensorcell's @tensorflow/tfjs (different tfjs version?)`, `install ${pkg}@${tf.version.tfjs} to match tfjs ${tf.version.tfjs}`, false);
      }
      return;
    }
    case "webgpu":
      await loadWebGpu({ allowSoftware: !auto });
      return;
    case "wasm":
      wasmPackage = await import("@tensorflow/tfjs-backend-wasm");
      wasmRegistration = registerWasmKernels();
      return;
    case "cpu":
      return;
  }
}

async function describe(name: BackendName, requested: string, reason: string, attempts: Attempt[]): Promise<BackendInfo> {
  const info: BackendInfo = {
    name,
    tfjsBackend: tf.getBackend(),
    requested,
    reason,
    version: `tfjs ${tf.version.tfjs}${backendPackageVersion(name)}`,
    attempts: attempts.map(({ name: n, ok, error, fix }) => (ok ? { name: n, ok } : { name: n, ok, error, fix })),
    kernelsAdded: name === "wasm" ? [...(wasmRegistration?.added ?? [])] : [],
    kernelsReplaced: name === "wasm" ? [...(wasmRegistration?.replaced ?? [])] : [],
    gradientsReplaced: ["Tile", "Conv2D (dilated)"],
    verified: VERIFICATION[name],
  };
  if (name === "wasm") {
    info.simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    info.threads = wasmThreadCount();
    const notes = wasmThreadNotes();
    if (notes.length) info.reason += `; ${notes.join("; ")}`;
  }
  if (name === "webgpu") {
    const adapter = webGpuAdapterInfo();
    if (adapter) info.device = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(" ");
  }
  return info;
}

function backendPackageVersion(name: BackendName): string {
  const pkg = BACKEND_PACKAGES[name].packages[0];
  if (!pkg) return "";
  const entry = resolvePackage(pkg);
  if (!entry) return "";
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (manifest.name === pkg) return `, ${pkg.replace("@tensorflow/", "")} ${manifest.version}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return "";
}
