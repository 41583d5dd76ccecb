/**
 * The WebGPU backend in Node: @tensorflow/tfjs-backend-webgpu running on
 * Dawn's Node binding (npm package `webgpu`, which ships prebuilt binaries, so
 * nothing is downloaded at install time). Both packages are optional.
 *
 * `auto` tries it after tfjs-node-gpu when a GPU device node is visible
 * (loaders.ts gpuDeviceVisible) and takes it only for a hardware adapter.
 * Verified: NOT on this project's build machine (no GPU: Dawn answers "no
 * adapter" there, tested). bench/gpu/check.sh proves it on an NVIDIA
 * machine; bench/README.md ("GPU") records what was seen there.
 */
import * as tf from "@tensorflow/tfjs";
import { BACKEND_PACKAGES, BackendUnavailable, importOptional } from "./loaders.js";

/** What the `webgpu` package exports (the parts used here). */
interface DawnModule {
  create(flags: string[]): unknown;
  globals: Record<string, unknown>;
}

/** The adapter description Dawn reports, when it reports one. */
export interface WebGpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** Set by newer Dawn builds for a software (fallback) adapter. */
  isFallbackAdapter?: boolean;
}

let adapterInfo: WebGpuAdapterInfo | undefined;
/**
 * The Dawn instance the webgpu backend runs on, kept for the life of the
 * process. Creating a second instance and replacing navigator.gpu (what a
 * second useBackend("webgpu") did) left the backend's device on an instance
 * nothing referenced any more; the likely cause of bench/gpu/check.sh hanging
 * at its first read-back after switching wasm -> webgpu twice (not verified
 * on a GPU since).
 */
let dawnInstance: unknown;

/** The GPU adapter the webgpu backend runs on (after loadWebGpu succeeded). */
export function webGpuAdapterInfo(): WebGpuAdapterInfo | undefined {
  return adapterInfo;
}

/** How long Dawn may take to answer requestAdapter before the backend is refused. */
const ADAPTER_TIMEOUT_MS = 15_000;

/** Adapters that are CPU renderers (slower than tensorcell's wasm backend). */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software/i;

/**
 * Starts Dawn, asks it for an adapter, and only then installs it as
 * `navigator.gpu` (with the GPU* globals tfjs-backend-webgpu looks for) and
 * loads tfjs-backend-webgpu; a refusal leaves no globals behind. Dawn flags
 * can be passed through TENSORCELL_DAWN_FLAGS (comma separated, e.g.
 * "backend=vulkan"). `allowSoftware: false` (what `auto` uses) refuses a CPU
 * renderer such as SwiftShader or llvmpipe. Throws BackendUnavailable with the fix.
 */
export async function loadWebGpu(options: { allowSoftware?: boolean } = {}): Promise<void> {
  const fix = BACKEND_PACKAGES.webgpu.fix;
  if (dawnInstance && tf.findBackendFactory("webgpu")) return; // already up: switching back reuses it
  const dawnExports = (await importOptional("webgpu", fix)) as DawnModule & { default?: DawnModule };
  const dawn: DawnModule = typeof dawnExports.create === "function" ? dawnExports : (dawnExports.default as DawnModule);
  const flags = (process.env.TENSORCELL_DAWN_FLAGS ?? "").split(",").map((f) => f.trim()).filter(Boolean);
  const gpu = dawn.create(flags) as { requestAdapter(options?: object): Promise<GpuAdapterLike | null> };
  const adapter = await withTimeout(gpu.requestAdapter({ powerPreference: "high-performance" }), ADAPTER_TIMEOUT_MS);
  if (!adapter) throw new BackendUnavailable("Dawn found no WebGPU adapter (no GPU, or no Vulkan driver)", "install the GPU's Vulkan driver (libvulkan1 + the vendor ICD) or use another backend", false);
  const info = await describeAdapter(adapter);
  const software = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(Object.values(info).join(" "));
  if (software && options.allowSoftware === false) {
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(" ") || "a fallback adapter";
    throw new BackendUnavailable(`Dawn's only adapter is a CPU renderer (${name}), slower than wasm`, 'install the GPU\'s Vulkan driver, or call useBackend("webgpu") to use the CPU renderer anyway', false);
  }
  adapterInfo = info;
  dawnInstance = gpu;
  // tfjs-backend-webgpu looks for the browser globals (GPUBufferUsage, GPUMapMode...) and navigator.gpu.
  Object.assign(globalThis, dawn.globals);
  const nav = (globalThis as { navigator?: Record<string, unknown> }).navigator;
  if (nav) Object.defineProperty(nav, "gpu", { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, "navigator", { value: { gpu, userAgent: "node" }, configurable: true, writable: true });
  await importOptional("@tensorflow/tfjs-backend-webgpu", fix);
  if (!tf.findBackendFactory("webgpu")) {
    throw new BackendUnavailable("@tensorflow/tfjs-backend-webgpu loaded but registered no 'webgpu' backend in tensorcell's @tensorflow/tfjs (version mismatch?)", fix, false);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BackendUnavailable(`Dawn did not answer requestAdapter within ${ms / 1000} s (GPU driver hung?)`, "check the GPU driver (vulkaninfo), or use another backend", false)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface GpuAdapterLike {
  info?: WebGpuAdapterInfo;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<WebGpuAdapterInfo>;
}

async function describeAdapter(adapter: GpuAdapterLike): Promise<WebGpuAdapterInfo> {
  if (adapter.info) return { ...adapter.info };
  if (adapter.requestAdapterInfo) return adapter.requestAdapterInfo();
  return {};
}
