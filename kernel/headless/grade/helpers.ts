/**
 * The test helpers every graded kernel gets before any student code runs:
 * `assert`, `assertEqual`, `assertClose`, `assertThrows`, `AssertionError`
 * (also as the frozen object `grader`). They are defined on globalThis as
 * non-writable, non-configurable, frozen values, and they capture the
 * built-ins they use (Math.abs, Number.isFinite, the tensor readback ...)
 * at that moment, so student code that reassigns `assert` or patches
 * `Math.abs` or `Tensor.prototype.dataSync` cannot change what tests see.
 */

/** Names the prelude defines (tests may use them; students cannot redefine them). */
export const GRADER_HELPER_NAMES = ["assert", "assertEqual", "assertClose", "assertThrows", "AssertionError", "grader"] as const;

/** JavaScript run silently in each graded kernel before the first cell (also after a restart). */
export const GRADER_PRELUDE = String.raw`(() => {
  // Already defined (by the grader, or by an earlier run of this cell): keep the first, frozen set.
  const existing = Object.getOwnPropertyDescriptor(globalThis, "grader");
  if (existing && !existing.configurable) return;
  const define = Object.defineProperty, freeze = Object.freeze, keysOf = Object.keys, getPrototypeOf = Object.getPrototypeOf;
  const abs = Math.abs, max = Math.max, isFiniteNumber = Number.isFinite, isNaNValue = Number.isNaN, isArray = Array.isArray;
  const isView = ArrayBuffer.isView, stringify = JSON.stringify, StringOf = String, BaseError = Error;
  const tensorClass = globalThis.tf && globalThis.tf.Tensor;
  const dataSync = tensorClass && tensorClass.prototype.dataSync;
  const shapeOf = (t) => { const s = t.shape; const out = []; for (let i = 0; i < s.length; i++) out[i] = s[i]; return out; };
  class AssertionError extends BaseError {
    constructor(message) { super(message); define(this, "name", { value: "AssertionError" }); }
  }
  freeze(AssertionError.prototype);
  const show = (v) => { try { const t = stringify(v); return t === undefined ? StringOf(v) : t.length > 120 ? t.slice(0, 117) + "..." : t; } catch { return StringOf(v); } };
  const fail = (message) => { throw new AssertionError(message); };
  const isTensor = (v) => tensorClass !== undefined && v instanceof tensorClass;
  /** Flattens numbers, arrays, typed arrays and tensors to a list of numbers, or undefined. */
  const numbers = (v) => {
    if (typeof v === "number") return [v];
    if (isTensor(v)) { const d = dataSync.call(v); const out = []; for (let i = 0; i < d.length; i++) out[i] = d[i]; return out; }
    if (isView(v)) { const out = []; for (let i = 0; i < v.length; i++) out[i] = v[i]; return out; }
    if (isArray(v)) { const out = []; for (let i = 0; i < v.length; i++) { const inner = numbers(v[i]); if (inner === undefined) return undefined; for (let j = 0; j < inner.length; j++) out[out.length] = inner[j]; } return out; }
    return undefined;
  };
  const deepEqual = (a, b) => {
    if (a === b) return true;
    if (typeof a === "number" && typeof b === "number") return isNaNValue(a) && isNaNValue(b);
    if (isTensor(a) || isTensor(b)) { const x = numbers(a), y = numbers(b); if (!x || !y || x.length !== y.length) return false; for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false; return true; }
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (isArray(a) !== isArray(b) || getPrototypeOf(a) !== getPrototypeOf(b)) return false;
    const ka = keysOf(a), kb = keysOf(b);
    if (ka.length !== kb.length) return false;
    for (let i = 0; i < ka.length; i++) if (!deepEqual(a[ka[i]], b[ka[i]])) return false;
    return true;
  };
  function assert(condition, message) {
    if (!condition) fail(message === undefined ? "assertion failed" : StringOf(message));
  }
  function assertEqual(actual, expected, message) {
    if (!deepEqual(actual, expected)) fail((message === undefined ? "" : StringOf(message) + ": ") + "expected " + show(expected) + ", got " + show(actual));
  }
  function assertClose(actual, expected, options, message) {
    const rtol = options && typeof options.rtol === "number" ? options.rtol : 1e-5;
    const atol = options && typeof options.atol === "number" ? options.atol : 1e-8;
    const prefix = message === undefined ? "" : StringOf(message) + ": ";
    const a = numbers(actual), e = numbers(expected);
    if (a === undefined) fail(prefix + "expected numbers, got " + show(actual));
    if (e === undefined) fail(prefix + "assertClose needs numbers to compare with, got " + show(expected));
    if (isTensor(actual) && isTensor(expected) && shapeOf(actual).join() !== shapeOf(expected).join()) fail(prefix + "shape [" + shapeOf(actual) + "] is not [" + shapeOf(expected) + "]");
    if (a.length !== e.length) fail(prefix + "expected " + e.length + " numbers, got " + a.length);
    for (let i = 0; i < a.length; i++) {
      const x = a[i], y = e[i];
      const ok = isNaNValue(x) || isNaNValue(y) ? isNaNValue(x) && isNaNValue(y) : !isFiniteNumber(x) || !isFiniteNumber(y) ? x === y : abs(x - y) <= atol + rtol * abs(y);
      if (!ok) fail(prefix + (a.length > 1 ? "item " + i + ": " : "") + "expected " + y + " (rtol " + rtol + ", atol " + atol + "), got " + x + " (off by " + abs(x - y) + ", allowed " + max(atol + rtol * abs(y), 0) + ")");
    }
  }
  function assertThrows(fn, message) {
    let threw = false;
    try { fn(); } catch { threw = true; }
    if (!threw) fail(message === undefined ? "expected the call to throw" : StringOf(message));
  }
  const helpers = { assert, assertEqual, assertClose, assertThrows, AssertionError };
  const names = keysOf(helpers);
  for (let i = 0; i < names.length; i++) {
    freeze(helpers[names[i]]);
    define(globalThis, names[i], { value: helpers[names[i]], writable: false, configurable: false, enumerable: false });
  }
  define(globalThis, "grader", { value: freeze(helpers), writable: false, configurable: false, enumerable: false });
})();`;

/** grade_id of the helpers cell that `tensorcell assign` puts in the student version. */
export const HELPERS_GRADE_ID = "tensorcell-test-helpers";

/**
 * The read-only first code cell of a student version: the same helpers, so
 * the visible tests also run in JupyterLab. When grading, the grader's own
 * copy already ran, so this cell is skipped (running it again is a no-op).
 */
export function helpersCellSource(): string {
  return `// Test helpers for the test cells: assert, assertEqual, assertClose, assertThrows (read-only)\n${GRADER_PRELUDE}`;
}
