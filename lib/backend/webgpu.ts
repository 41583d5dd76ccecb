/**
 * The WebGPU backend in Node: @tensorflow/tfjs-backend-webgpu running on
 * Dawn's Node binding (npm package `webgpu`, which ships prebuilt binaries, so
 * nothing is downloaded at install time). Both packages are optional.
 *
 * Verified: NOT on this project's build machine (no GPU; Mesa's software Vulkan
 * lacks a feature Dawn requires). bench/gpu/check.sh proves it on an NVIDIA
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
}

let adapterInfo: WebGpuAdapterInfo | undefined;

/** The GPU adapter the webgpu backend runs on (after loadWebGpu succeeded). */
export function webGpuAdapterInfo(): WebGpuAdapterInfo | undefined {
  return adapterInfo;
}

/**
 * Installs Dawn as `navigator.gpu`, loads tfjs-backend-webgpu and checks that
 * an adapter exists. Dawn flags can be passed through TENSORCELL_DAWN_FLAGS
 * (comma separated, e.g. "backend=vulkan"). Throws BackendUnavailable with the fix.
 */
export async function loadWebGpu(): Promise<void> {
  const fix = BACKEND_PACKAGES.webgpu.fix;
  const dawnExports = (await importOptional("webgpu", fix)) as DawnModule & { default?: DawnModule };
  const dawn: DawnModule = typeof dawnExports.create === "function" ? dawnExports : (dawnExports.default as DawnModule);
  // tfjs-backend-webgpu looks for the browser globals (GPUBufferUsage, GPUMapMode...) and navigator.gpu.
  Object.assign(globalThis, dawn.globals);
  const flags = (process.env.TENSORCELL_DAWN_FLAGS ?? "").split(",").map((f) => f.trim()).filter(Boolean);
  const gpu = dawn.create(flags) as { requestAdapter(options?: object): Promise<GpuAdapterLike | null> };
  const nav = (globalThis as { navigator?: Record<string, unknown> }).navigator;
  if (nav) Object.defineProperty(nav, "gpu", { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, "navigator", { value: { gpu, userAgent: "node" }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new BackendUnavailable("Dawn found no WebGPU adapter (no GPU, or no Vulkan driver)", "install the GPU's Vulkan driver (libvulkan1 + the vendor ICD) or use another backend", false);
  adapterInfo = await describeAdapter(adapter);
  await importOptional("@tensorflow/tfjs-backend-webgpu", fix);
  if (!tf.findBackendFactory("webgpu")) {
    throw new BackendUnavailable("@tensorflow/tfjs-backend-webgpu loaded but registered no 'webgpu' backend in tensorcell's @tensorflow/tfjs (version mismatch?)", fix, false);
  }
}

interface GpuAdapterLike {
  info?: WebGpuAdapterInfo;
  requestAdapterInfo?: () => Promise<WebGpuAdapterInfo>;
}

async function describeAdapter(adapter: GpuAdapterLike): Promise<WebGpuAdapterInfo> {
  if (adapter.info) return { ...adapter.info };
  if (adapter.requestAdapterInfo) return adapter.requestAdapterInfo();
  return {};
}
