/**
 * The wasm backend's heap is one WebAssembly memory of at most 4 GiB. When an
 * allocation would take it past that, emscripten's allocator traps halfway
 * ("memory access out of bounds") and leaves its own state corrupt: every
 * later op on the backend fails too. This guard refuses such an allocation
 * before the allocator runs, with an error that says what to do, so the
 * tensors already on the backend stay usable.
 */
import * as tf from "@tensorflow/tfjs";
import { derivedDataBytes } from "./derived-data.js";

/** tfjs-backend-wasm's heap limit: its glue creates the memory with maximum 65,536 pages. */
export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3;
/** Room kept for the allocator's own bookkeeping and kernels' scratch buffers. */
const HEADROOM_BYTES = 16 * 1024 ** 2;

interface WasmModule {
  _malloc(bytes: number): number;
}

const guarded = new WeakSet<object>();

const mb = (bytes: number) => `${Math.round(bytes / 1024 ** 2).toLocaleString("en-US")} MiB`;

/**
 * Wraps the active wasm backend's allocator (idempotent). An allocation that
 * cannot fit in the 4 GiB heap next to the bytes tensors already hold throws a
 * RangeError naming both sizes; a trap inside the allocator is reported as a
 * lost backend state, with the fix.
 */
export function guardWasmHeap(backend: tf.KernelBackend = tf.backend()): void {
  const wasm = (backend as unknown as { wasm?: WasmModule }).wasm;
  if (!wasm || guarded.has(wasm)) return;
  guarded.add(wasm);
  // Emscripten's lazy export stub replaces Module._malloc with the raw export
  // on first call, so the guard sits behind an accessor that keeps it in front.
  let malloc = wasm._malloc;
  const guardedMalloc = (bytes: number): number => {
    const held = tf.memory().numBytes + derivedDataBytes();
    if (held + bytes > WASM_HEAP_LIMIT_BYTES - HEADROOM_BYTES) throw outOfHeap(bytes, held);
    let pointer: number;
    try {
      pointer = malloc.call(wasm, bytes);
    } catch (error) {
      // A trap inside wasm surfaces as WebAssembly.RuntimeError.
      if (!(error instanceof Error && error.name === "RuntimeError")) throw error;
      throw new Error(
        `tensorcell: the wasm backend's allocator failed (${error.message}) while allocating ${mb(bytes)}; its memory state is lost. ` +
          `Restart the kernel (tensors on this backend cannot be recovered).`,
      );
    }
    // A failed malloc returns 0; tfjs would then write the tensor over the heap's start.
    if (pointer === 0 && bytes > 0) throw outOfHeap(bytes, held);
    return pointer;
  };
  Object.defineProperty(wasm, "_malloc", {
    get: () => guardedMalloc,
    set: (replacement: WasmModule["_malloc"]) => {
      malloc = replacement;
    },
    configurable: true,
  });
}

function outOfHeap(bytes: number, held: number): RangeError {
  return new RangeError(
    `tensorcell: the wasm backend cannot allocate ${mb(bytes)}: tensors already hold ${mb(held)} of its 4 GiB heap. ` +
      `Nothing was allocated and existing tensors are intact; dispose tensors you no longer need (tf.dispose, tf.tidy) or use smaller batches.`,
  );
}
