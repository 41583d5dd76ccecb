/**
 * Shared helpers for the backend tests: load wasm with tensorcell's kernels,
 * run the same computation on two backends, compare with tolerances.
 */
import * as tf from "@tensorflow/tfjs";
import { expect, vi } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { KernelPool } from "../../../lib/backend/wasm/kernel-pool.js";

/** Loads the wasm backend through initBackend (kernels registered before the backend initialises, as in the kernel). */
export async function setUpWasm(): Promise<void> {
  const info = await initBackend("wasm");
  if (info.name !== "wasm") throw new Error(`wasm backend failed to initialise: ${info.reason}`);
}

/** A deterministic pseudo-random array (values in [-1, 1)). */
export function randomValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Runs `compute` on a backend and returns the outputs as plain arrays (tensors disposed). */
export async function runOn(backend: string, compute: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; values: Float32Array }[]> {
  await tf.setBackend(backend);
  const results = tf.tidy(() => {
    const out = compute();
    return Array.isArray(out) ? out : [out];
  });
  const arrays = results.map((t) => ({ shape: t.shape, values: Float32Array.from(t.dataSync()) }));
  tf.dispose(results);
  return arrays;
}

/** Largest |a-b| / (atol + rtol*|b|) over all elements; <= 1 means within tolerance. */
export function worstError(actual: Float32Array, expected: Float32Array, rtol: number, atol: number): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]) / (atol + rtol * Math.abs(expected[i]));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : Math.max(worst, e);
  }
  return worst;
}

/**
 * Computes on wasm and on cpu and expects equal shapes and values within
 * rtol, plus an absolute slack of `atolScale` times the largest |expected|.
 */
export async function expectWasmMatchesCpu(compute: () => tf.Tensor | tf.Tensor[], rtol = 1e-3, atolScale = 1e-4): Promise<void> {
  const wasm = await runOn("wasm", compute);
  const cpu = await runOn("cpu", compute);
  await tf.setBackend("wasm");
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((reference, i) => {
    expect(wasm[i].shape).toEqual(reference.shape);
    const scale = reference.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(scale).toBeGreaterThan(0); // a test whose reference is all zeros checks nothing
    const worst = worstError(wasm[i].values, reference.values, rtol, atolScale * scale + 1e-7);
    expect(worst, `output ${i}: worst error ratio`).toBeLessThanOrEqual(1);
  });
}

/** Computes on wasm and on cpu and expects the same shapes and the same bits, for every output of `compute`. */
export async function expectSameBitsAsCpu(compute: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  const wasm = await runOn("wasm", compute);
  const cpu = await runOn("cpu", compute);
  await tf.setBackend("wasm");
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((out, i) => {
    expect(out.shape).toEqual(cpu[i]!.shape);
    expect(Array.from(out.values)).toEqual(Array.from(cpu[i]!.values));
  });
}

/** A tensor with deterministic pseudo-random values. */
export function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/**
 * Runs `compute` on wasm and returns tensorcell's SIMD kernels it ran on the kernel pool,
 * by name, in order (fixed shares and chunked calls alike): a case that silently fell back
 * to a native kernel shows up as a missing name.
 */
export function simdKernelsRunBy(compute: () => void): string[] {
  const spies = [vi.spyOn(KernelPool.prototype, "run"), vi.spyOn(KernelPool.prototype, "runChunks")];
  try {
    tf.tidy(compute);
    const calls = spies.flatMap((spy) => spy.mock.calls.map((call, i) => ({ name: call[0], order: spy.mock.invocationCallOrder[i]! })));
    return calls.sort((a, b) => a.order - b.order).map((call) => call.name);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
