// Test helper (not a test file): runs transformed cells the way the executor will, in this
// realm with vm.runInThisContext, against a tiny fake runtime object on globalThis.
import { pathToFileURL } from "node:url";
import vm from "node:vm";
import { resolve as resolveModule } from "import-meta-resolve";
import { transformCell, type TransformedCell } from "../../../kernel/executor/transform.js";

/** Global name of the fake runtime the tests install. */
export const RUNTIME = "__tcTest";

/** The fake runtime: counts loop checks, can throw from one, and loads modules with real import(). */
export interface FakeRuntime {
  ticks: number;
  /** When > 0, tick() throws once this many checks have run (simulates an interrupt). */
  interruptAfter: number;
  imported: string[];
  tick(): void;
  /** The no-op the transformer appends to keep a cell's last expression. */
  keep(): void;
  import(specifier: string, options?: unknown): Promise<unknown>;
}

const projectRoot = pathToFileURL(`${process.cwd()}/`).href;

/** Installs a fresh fake runtime on globalThis and returns it. */
export function installRuntime(): FakeRuntime {
  const runtime: FakeRuntime = {
    ticks: 0,
    interruptAfter: 0,
    imported: [],
    tick() {
      runtime.ticks += 1;
      if (runtime.interruptAfter > 0 && runtime.ticks >= runtime.interruptAfter) throw new Error("KeyboardInterrupt");
    },
    keep() {},
    async import(specifier: string) {
      runtime.imported.push(specifier);
      // Resolve from the project root as the kernel does for the working directory's node_modules.
      const url = specifier.startsWith("node:") ? specifier : resolveModule(specifier, projectRoot);
      return import(url);
    },
  };
  (globalThis as Record<string, unknown>)[RUNTIME] = runtime;
  return runtime;
}

let cellCount = 0;

/** Transforms a cell with a fresh cell-N.ts filename. */
export function transform(source: string, options: { fastPath?: boolean } = {}): TransformedCell {
  cellCount += 1;
  return transformCell(source, { filename: `cell-${cellCount}.ts`, runtime: RUNTIME, ...options });
}

/**
 * Runs already-transformed code in this realm; returns what the script evaluates to.
 * The vm timeout turns a missing loop check into a failure instead of a hung test run.
 */
export function evaluate(cell: TransformedCell, filename = "cell.ts"): unknown {
  return vm.runInThisContext(cell.code, { filename, timeout: 10_000 });
}

/**
 * Transforms and runs a cell; resolves to { shown: false } when the cell shows nothing,
 * or { shown: true, value } with the last expression's value (a Promise value is awaited,
 * as the executor does).
 */
export async function runCell(source: string, options: { fastPath?: boolean } = {}): Promise<{ shown: boolean; value?: unknown }> {
  const cell = transform(source, options);
  const result = (await evaluate(cell)) as { value: unknown } | undefined;
  if (result === undefined) return { shown: false };
  return { shown: true, value: await result.value };
}

/** Reads a global a cell defined. */
export function globalValue(name: string): unknown {
  return (globalThis as Record<string, unknown>)[name];
}
