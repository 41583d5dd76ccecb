/**
 * The threaded (pthreads + SIMD) wasm build in Node. Upstream disables it in
 * Node (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE). Not enabled: see
 * bench/README.md ("Training") for what was tried and measured.
 */

let threads = 1;

/** Prepares the wasm backend's thread settings before it initialises (single-threaded for now). */
export async function configureWasmThreads(): Promise<void> {
  threads = 1;
}

/** Threads the wasm backend computes with. */
export function wasmThreadCount(): number {
  return threads;
}
