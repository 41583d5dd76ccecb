/**
 * Which cells run without vm's SIGINT watchdog (transform/brief.ts): only those
 * that call nothing and loop nowhere. Everything that can run long keeps it, on
 * both transform paths (plain JavaScript and esbuild).
 */
import { describe, expect, it } from "vitest";
import { transform } from "./cell-runner.js";

const BRIEF = [
  "1 + 1",
  "x",
  "const lr = 0.01",
  "let a = 1, b = 'two'\na",
  "a.b.c",
  "a?.b",
  "x = 3; y += 2; z++",
  "({ a: 1, b: [2, 3], get c() { while (true) {} } })",
  "function f() { while (true) {} }",
  "const g = () => { for (;;) {} }",
  "`${a} items`",
  "if (a) { b = 1 } else { b = 2 }",
  "a ? b : c",
  "const n: number = 3",
  "type T = { a: number }\nconst t: T = { a: 1 }",
];

const NOT_BRIEF = [
  "f()",
  "a.b()",
  "a?.()",
  "new Date()",
  "while (true) {}",
  "for (let i = 0; i < 3; i++) {}",
  "for (const v of xs) {}",
  "do {} while (false)",
  "tag`x`",
  "const [a] = xs",
  "const { a } = obj",
  "[a] = xs",
  "[...xs]",
  "({ ...obj })",
  "class C { static { while (true) {} } }",
  "await p",
  "import('m')",
  "import fs from 'node:fs'",
  "enum E { A, B }",
  "const xs: number[] = [1].map((v) => v)",
];

describe("cells that run without the SIGINT watchdog", () => {
  it.each(BRIEF)("%j calls nothing and has no loop", (source) => {
    expect(transform(source).runsBriefly).toBe(true);
  });

  it.each(NOT_BRIEF)("%j can run long and keeps the watchdog", (source) => {
    expect(transform(source).runsBriefly).toBe(false);
  });

  it.each(["1 + 1", "f()", "while (true) {}"])("%j gets the same answer through esbuild as on the fast path", (source) => {
    expect(transform(source, { fastPath: false }).runsBriefly).toBe(transform(source).runsBriefly);
  });
});
