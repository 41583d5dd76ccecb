/**
 * Editor assistance through the real kernel (issue 8): completion and inspect
 * with TypeScript's types, and type checking on demand that never blocks a cell
 * unless strict mode asks for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelUnderTest } from "./kernel-harness.js";

describe("editor assistance", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
    await k.run("interface Run { name: string; epochs: number }\nconst run: Run = { name: 'baseline', epochs: 3 }");
  });
  afterAll(() => k?.stop());

  const complete = async (code: string, cursor = code.length) =>
    (await k.client.request("shell", "complete_request", { code, cursor_pos: cursor }, 30_000)).content as Record<string, any>; // JSON from the wire

  it("completes tf ops, library members and earlier cells' declarations with their types", async () => {
    const tfOps = await complete("tf.mat");
    expect(tfOps.matches).toContain("matMul");
    expect(tfOps.cursor_start).toBe(3);
    expect(tfOps.cursor_end).toBe(6);
    const members = await complete("run.");
    expect(members.matches).toEqual(expect.arrayContaining(["name", "epochs"]));
    const types = members.metadata._jupyter_types_experimental as { text: string; type: string }[];
    expect(types.find((t) => t.text === "epochs")?.type).toMatch(/property/);
    const library = await complete("models.cr");
    expect(library.matches).toContain("create");
  });

  it("completes inside an unfinished expression and after a redefinition", async () => {
    const inner = await complete("const y = Math.max(run.ep", "const y = Math.max(run.ep".length);
    expect(inner.matches).toContain("epochs");
    await k.run("const run = 'now a string'");
    const after = await complete("run.toUpper");
    expect(after.matches).toContain("toUpperCase");
  });

  it("inspects a library function with its signature and docs, and says found: false for unknown names", async () => {
    const found = (await k.client.request("shell", "inspect_request", { code: "tf.matMul", cursor_pos: 5, detail_level: 0 }, 30_000)).content;
    expect(found.found).toBe(true);
    const text = String((found.data as Record<string, string>)["text/plain"]).replace(/\x1b\[[0-9;]*m/g, "");
    expect(text).toContain("(a: tf.Tensor | tf.TensorLike, b: tf.Tensor | tf.TensorLike, transposeA?: boolean, transposeB?: boolean)");
    expect(text).toContain("Computes the dot product of two matrices");
    expect(text).toContain("@param transposeB If true, `b` is transposed before multiplication.");
    const missing = (await k.client.request("shell", "inspect_request", { code: "noSuchThingAnywhere", cursor_pos: 5, detail_level: 0 })).content;
    expect(missing.found).toBe(false);
  });

  it("reports type errors with the cell's line and column on %check, and still runs the cell", async () => {
    const r = await k.run("%check\nconst n: number = 1;\nconst s: string = n;\n'ran'");
    const warning = r.outputs.find((m) => m.header.msg_type === "display_data");
    expect(String((warning?.content.data as Record<string, string>)["text/plain"])).toMatch(/line 3:7 error: Type 'number' is not assignable to type 'string'/);
    expect(r.result?.data).toMatchObject({ "text/plain": "'ran'" });
  });

  it("runs a cell with a type error when checking is off", async () => {
    const r = await k.run("const bad: string = 42; bad");
    expect(r.reply.status).toBe("ok");
    expect(r.outputs.some((m) => m.header.msg_type === "display_data")).toBe(false);
  });

  it("fails a cell that does not type-check in strict mode, before it runs", async () => {
    await k.run('tensorcell.typecheck("strict")');
    const r = await k.run("globalThis.sideEffect = 1;\nconst z: boolean = 'no';");
    expect(r.error?.ename).toBe("TypeCheckError");
    expect(r.error?.evalue).toMatch(/line 2:7/);
    expect((await k.run("typeof globalThis.sideEffect")).result?.data).toMatchObject({ "text/plain": "'undefined'" });
    await k.run("tensorcell.typecheck(false)");
  });
});
