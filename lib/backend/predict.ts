/**
 * What \`auto\` (or a named backend) will pick, without loading TensorFlow.js:
 * the kernel shows it in its banner before the library finished loading.
 */
import { BACKEND_ORDER, BACKEND_PACKAGES, backendInstalled, gpuDeviceVisible, normalizeBackendName, nvidiaGpuVisible, resolvePackage } from "./loaders.js";
import { resolveThreadRequest } from "./wasm/thread-count.js";

/** A predicted backend: name, reason and, for wasm, the threads it will most likely use. */
export interface PredictedBackend {
  name: string;
  reason: string;
  threads?: number;
}

/**
 * The backend `initBackend(preference)` would most likely pick, without loading
 * anything (synchronous and cheap, for the kernel banner before tfjs is ready).
 * It only checks which optional packages resolve and whether a GPU is visible.
 * `threads`: the wasm thread count asked for (else TENSORCELL_THREADS or the default).
 */
export function predictBackend(preference?: string, threads?: number): PredictedBackend {
  const predicted = predictName(preference);
  if (predicted.name !== "wasm") return predicted;
  try {
    return { ...predicted, threads: resolveThreadRequest(threads, "threads").threads };
  } catch {
    return predicted; // A bad count is reported when the backend starts; the banner just leaves it out.
  }
}

function predictName(preference?: string): PredictedBackend {
  const requested = preference ?? process.env.TENSORCELL_BACKEND ?? "auto";
  if (requested.trim().toLowerCase() !== "auto") {
    const name = normalizeBackendName(requested);
    const source = preference === undefined ? "TENSORCELL_BACKEND" : "the kernel option";
    const missing = BACKEND_PACKAGES[name].packages.filter((p) => resolvePackage(p) === null);
    if (missing.length) return { name: "wasm", reason: `${name} requested by ${source}, but ${missing.join(" and ")} is not installed; falling back to wasm` };
    return { name, reason: `requested by ${source}` };
  }
  const skipped: string[] = [];
  for (const name of BACKEND_ORDER) {
    if (name === "node-gpu") {
      if (!resolvePackage("@tensorflow/tfjs-node-gpu")) { skipped.push("tfjs-node-gpu not installed"); continue; }
      if (!nvidiaGpuVisible()) { skipped.push("no NVIDIA GPU visible"); continue; }
      return { name, reason: "auto: tfjs-node-gpu is installed and an NVIDIA GPU is visible" };
    }
    if (name === "webgpu") {
      if (!backendInstalled("webgpu")) { skipped.push("webgpu not installed"); continue; }
      if (!gpuDeviceVisible()) { skipped.push("no GPU device for WebGPU"); continue; }
      return { name, reason: "auto: webgpu is installed and a GPU device is visible (Dawn is asked for an adapter at start)" };
    }
    if (name === "node") {
      if (!resolvePackage("@tensorflow/tfjs-node")) { skipped.push("tfjs-node not installed"); continue; }
      return { name, reason: `auto: tfjs-node is installed${skipped.length ? ` (${skipped.join(", ")})` : ""}` };
    }
    if (name === "wasm" && resolvePackage("@tensorflow/tfjs-backend-wasm")) {
      return { name, reason: `auto: ${skipped.join(", ")}; wasm (XNNPACK, SIMD) with tensorcell's training kernels` };
    }
  }
  return { name: "cpu", reason: "auto: no native or wasm backend is installed; the pure-JS cpu backend is slow" };
}
