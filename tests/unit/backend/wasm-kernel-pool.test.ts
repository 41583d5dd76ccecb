// tensorcell's wasm SIMD kernel pool (lib/backend/wasm/kernel-pool.ts) on the
// threaded build: shares split between the caller and a worker, and chunks
// handed out to whichever thread is free, give the same result as one thread;
// a worker that fails (here: a kernel trap on an address outside the heap) is
// an error, never a wait for ever, and so is a chunk that traps on either
// thread; the pool still computes afterwards.
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { setUpWasm, seeded } from "./helpers.js";
import { KernelPool, runChunksOnTensors, runOnTensors, shareOfBatch } from "../../../lib/backend/wasm/kernel-pool.js";

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

/** x + v per channel (period 16) on `pool` in `chunks` chunks of rows, through runChunksOnTensors. */
function chunkedChannelAdd(pool: KernelPool, x: tf.Tensor, v: tf.Tensor, chunks: number): Float32Array {
  const backend = tf.backend() as BackendWasm;
  const out = backend.makeOutput(x.shape, "float32");
  const rows = x.size / 16;
  runChunksOnTensors(pool, backend, "channelBinary", { read: [x, v], written: [out] }, { total: rows, chunks, rangeAt: 3 }, ([xAt, vAt, outAt]) =>
    [xAt!, vAt!, outAt!, 0, 0, 16, ADD, 0]);
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

  it("hands chunks to whichever thread is free, with the result of one thread", () => {
    const pool = KernelPool.create(2, tf.backend())!;
    const x = seeded([64, 33, 16], 5);
    const v = seeded([16], 6);
    const expected = Array.from(tf.add(x, v).dataSync());
    for (const chunks of [1, 2, 7, 64 * 33]) {
      for (let i = 0; i < 5; i++) expect(Array.from(chunkedChannelAdd(pool, x, v, chunks)), `${chunks} chunks`).toEqual(expected);
    }
    tf.dispose([x, v]);
  });

  it("a chunk that traps is an error on whichever thread ran it, and the pool computes afterwards", async () => {
    if (!threaded()) return;
    const pool = KernelPool.create(2, tf.backend())!;
    const x = seeded([256, 64, 16], 7);
    const v = seeded([16], 8);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the worker is up and waiting
    const backend = tf.backend() as BackendWasm;
    const rows = 1024;
    const out = backend.makeOutput([rows, 16], "float32");
    // x is read from 512 rows before the end of the heap: chunks 0-3 read bytes inside it (their
    // values do not matter), chunks 4-7 trap on their first read, before they write anything.
    const heapBytes = (backend.typedArrayFromHeap(out) as Float32Array).buffer.byteLength;
    const call = () => runChunksOnTensors(pool, backend, "channelBinary", { read: [v], written: [out] }, { total: rows, chunks: 8, rangeAt: 3 },
      ([vAt, outAt]) => [heapBytes - 512 * 64, vAt!, outAt!, 0, 0, 16, ADD, 0]);
    expect(call).toThrow(/SIMD kernel worker failed|memory access out of bounds/);
    backend.disposeData(out.dataId);
    const expected = Array.from(tf.add(x, v).dataSync());
    for (let i = 0; i < 3; i++) expect(Array.from(chunkedChannelAdd(pool, x, v, 8))).toEqual(expected);
    tf.dispose([x, v]);
  });
});
