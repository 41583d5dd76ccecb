/**
 * Data a kernel derives from one of its inputs and can reuse while that input lives: the
 * Winograd-domain filter of a convolution (winograd-conv.ts), 4x the filter's size. At
 * inference a layer's weights are the same tensor call after call, so the derivation need
 * not be repeated (ResNet-20's 19 filter transforms took 2.2 ms of a 4.9 ms predict of one
 * image); in training every step brings new weights, so keeping the derived data would
 * only hold memory.
 *
 * Hence the rule, the one tfjs-backend-wasm applies to the operators XNNPACK packs per
 * filter: data derived from a source seen for the first time is made for the call and
 * freed; from the second call with the same source on, it is kept in the wasm heap until
 * the source's data is freed (the backend's disposeData is wrapped for that) or until
 * the cache's byte budget pushes it out, least recently used first.
 *
 * Sources are keyed by their dataId: tfjs never changes a dataId's values (a Variable's
 * assign gives it a new dataId), so a kept entry cannot go stale. An entry also records
 * the key the derivation depended on beyond the data (a reshape shares its dataId), and
 * one made under another key is not reused.
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

type DataId = object;

interface Entry {
  backend: BackendWasm;
  data: tf.TensorInfo;
  key: string;
  bytes: number;
}

/** Every cache's kept bytes, for the heap guard (memory-guard.ts): tfjs's memory() does not count them. */
let keptBytesOfAllCaches = 0;

/** Bytes all DerivedDataCaches hold in the wasm heap. */
export function derivedDataBytes(): number {
  return keptBytesOfAllCaches;
}

const freedHooks = new WeakMap<BackendWasm, Set<(dataId: DataId) => void>>();

/** Calls `onFreed` with each dataId `backend` frees from now on (its disposeData wrapped once per backend). */
function onDataFreed(backend: BackendWasm, onFreed: (dataId: DataId) => void): void {
  let hooks = freedHooks.get(backend);
  if (!hooks) {
    const hookSet = new Set<(dataId: DataId) => void>();
    hooks = hookSet;
    freedHooks.set(backend, hookSet);
    const disposeData = backend.disposeData.bind(backend);
    backend.disposeData = (dataId: DataId, force?: boolean): boolean => {
      const freed = disposeData(dataId, force);
      if (freed) for (const hook of hookSet) hook(dataId);
      return freed;
    };
  }
  hooks.add(onFreed);
}

/** A derived tensor for one call: `release()` after the call frees it unless the cache keeps it. */
export interface DerivedData {
  data: tf.TensorInfo;
  release(): void;
}

/** Derived data per source dataId, kept from a source's second use on (see the file's comment). */
export class DerivedDataCache {
  private readonly seen = new WeakSet<DataId>();
  private readonly kept = new Map<DataId, Entry>();
  private readonly hooked = new WeakSet<BackendWasm>();
  private keptBytes = 0;

  /**
   * @param budgetBytes the most bytes kept at once; 0 keeps nothing (every call derives anew).
   */
  constructor(public budgetBytes: number) {}

  /**
   * The data derived from `source` under `key` (what else the derivation depended on):
   * the kept copy when there is one, else a new tensor of `shape` that `derive` fills.
   */
  get(backend: BackendWasm, source: tf.TensorInfo, key: string, shape: number[], derive: (out: tf.TensorInfo) => void): DerivedData {
    const hit = this.kept.get(source.dataId);
    if (hit && hit.key === key && hit.backend === backend) {
      // Most recently used last: Map keeps insertion order.
      this.kept.delete(source.dataId);
      this.kept.set(source.dataId, hit);
      return { data: hit.data, release: () => {} };
    }
    const data = backend.makeOutput(shape, "float32");
    try {
      derive(data);
    } catch (error) {
      backend.disposeData(data.dataId);
      throw error;
    }
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    const secondUse = this.seen.has(source.dataId);
    this.seen.add(source.dataId);
    if (!secondUse || bytes > this.budgetBytes) return { data, release: () => backend.disposeData(data.dataId) };
    if (hit) this.drop(source.dataId);
    this.keep(backend, source.dataId, { backend, data, key, bytes });
    return { data, release: () => {} };
  }

  /** Frees every kept entry. */
  clear(): void {
    for (const dataId of [...this.kept.keys()]) this.drop(dataId);
  }

  /** Bytes this cache holds. */
  get bytes(): number {
    return this.keptBytes;
  }

  private keep(backend: BackendWasm, source: DataId, entry: Entry): void {
    if (!this.hooked.has(backend)) {
      this.hooked.add(backend);
      onDataFreed(backend, (dataId) => {
        if (this.kept.has(dataId)) this.drop(dataId);
      });
    }
    for (const [oldest] of this.kept) {
      if (this.keptBytes + entry.bytes <= this.budgetBytes) break;
      this.drop(oldest);
    }
    this.kept.set(source, entry);
    this.keptBytes += entry.bytes;
    keptBytesOfAllCaches += entry.bytes;
  }

  private drop(source: DataId): void {
    const entry = this.kept.get(source)!;
    this.kept.delete(source);
    this.keptBytes -= entry.bytes;
    keptBytesOfAllCaches -= entry.bytes;
    entry.backend.disposeData(entry.data.dataId);
  }
}
