// tensorcell's wasm SIMD kernel pool (lib/backend/wasm/kernel-pool.ts) on the
// threaded build: shares split between the caller and a worker give the same
// result as one thread, and a worker that fails (here: a kernel trap on an
// address outside the heap) is an error, never a wait for ever; the pool
// still computes afterwards (the caller takes the shares).
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { setUpWasm, seeded } from "./helpers.js";
import { KernelPool, runOnTensors, shareOfBatch } from "../../../lib/backend/wasm/kernel-pool.js";

beforeAll(setUpWasm);

const ADD = 0;

/** x + v per channel (period 16) on `pool` with `shares` shares, through runOnTensors. */
function channelAdd(pool: KernelPool, x: tf.Tensor, v: tf.Tensor, shares: number): Float32Array {
  const backend = tf.backend() as BackendWasm;
  const out = backend.makeOutput(x.shape, "float32");
  const rows = x.size / 16;
  runOnTensors(pool, backend, "channelBinary", { read: [x, v], written: [out] }, shares, ([xAt, vAt, outAt], share) =>
    [xAt!, vAt!, outAt!, ...shareOfBatch(rows, shares, share), 16, ADD, 0]);
  const values = Float32Array.from(backend.typedArrayFromHeap(out) as Float32Array);
  backend.disposeData(out.dataId);
  return values;
}

describe("the wasm SIMD kernel pool", () => {
  const threaded = () => (tf.backend() as unknown as { wasm: { wasmMemory?: unknown } }).wasm.wasmMemory !== undefined;

  it("splits a call between the caller and its worker with the result of one thread", () => {
    if (!threaded()) return expect(KernelPool.create(2, tf.backend())!.threads).toBe(1);
    const pool = KernelPool.create(2, tf.backend())!;
    expect(pool.threads).toBe(2);
    const x = seeded([64, 32, 16], 1);
    const v = seeded([16], 2);
    const expected = channelAdd(pool, x, v, 1);
    for (let i = 0; i < 20; i++) expect(channelAdd(pool, x, v, 2)).toEqual(expected);
    expect(Array.from(expected)).toEqual(Array.from(tf.add(x, v).dataSync()));
    tf.dispose([x, v]);
  });

  it("reports a failed worker as an error and keeps computing on the caller", async () => {
    if (!threaded()) return;
    const pool = KernelPool.create(2, tf.backend())!;
    const x = seeded([1024, 64, 16], 3);
    const v = seeded([16], 4);
    const expected = channelAdd(pool, x, v, 1);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the worker is up and waiting
    // Share 0 (the caller) adds the big tensor; share 1 points outside the heap and traps.
    const backend = tf.backend() as BackendWasm;
    const out = backend.makeOutput(x.shape, "float32");
    const rows = x.size / 16;
    const call = () => runOnTensors(pool, backend, "channelBinary", { read: [x, v], written: [out] }, 2, ([xAt, vAt, outAt], share) =>
      share === 0 ? [xAt!, vAt!, outAt!, 0, rows, 16, ADD, 0] : [0xfffffff0, vAt!, outAt!, 0, 4, 16, ADD, 0]);
    // The worker usually claims share 1 while the caller computes share 0; if the caller gets
    // there first, the trap happens on the caller: an error either way.
    expect(call).toThrow(/SIMD kernel worker failed|memory access out of bounds/);
    backend.disposeData(out.dataId);
    for (let i = 0; i < 3; i++) expect(channelAdd(pool, x, v, 2)).toEqual(expected);
    tf.dispose([x, v]);
  });
});
