/**
 * What \`auto\` (or a named backend) will pick, without loading TensorFlow.js:
 * the kernel shows it in its banner before the library finished loading.
 */
import { BACKEND_ORDER, BACKEND_PACKAGES, normalizeBackendName, nvidiaGpuVisible, resolvePackage } from "./loaders.js";

/**
 * The backend `initBackend(preference)` would most likely pick, without loading
 * anything (synchronous and cheap, for the kernel banner before tfjs is ready).
 * It only checks which optional packages resolve and whether a GPU is visible.
 */
export function predictBackend(preference?: string): { name: string; reason: string } {
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
