/**
 * Tensor backends: the one TensorFlow.js instance everything uses (`tf`), the
 * choice of backend at start-up (`initBackend`, `predictBackend`), switching
 * from a cell (`useBackend`) and what is in use (`backendInfo`).
 *
 * What is verified: the wasm backend (XNNPACK, SIMD) with tensorcell's extra
 * training kernels is tested numerically against the cpu backend and trains
 * the reference CNN on MNIST in the tests. tfjs-node, tfjs-node-gpu and webgpu
 * are optional and do NOT compute in the tests here (libtensorflow cannot be
 * downloaded; no GPU): only their selection and fallback are tested.
 * bench/gpu/check.sh proves the webgpu path on an NVIDIA machine.
 */
import * as tf from "@tensorflow/tfjs";

export { tf };
export { initBackend, useBackend, backendInfo } from "./select.js";
export { predictBackend, type PredictedBackend } from "./predict.js";
export type { BackendInfo, BackendAttempt, BackendOptions } from "./select.js";
export { MAX_WASM_THREADS } from "./wasm/thread-count.js";
export { recoverWasmThreads } from "./wasm/pool-recovery.js";
export { normalizeBackendName, type BackendName } from "./loaders.js";
