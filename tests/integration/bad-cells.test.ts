/**
 * Bad input in cells (issue 3): each gets a clear error or a contained effect,
 * and the kernel and the session's other variables survive.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelUnderTest } from "./kernel-harness.js";

describe("bad cells", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
    await k.run("const precious = [1, 2, 3]");
  });
  afterAll(() => k?.stop());

  const survives = async () => expect((await k.run("precious")).result?.data).toMatchObject({ "text/plain": "[ 1, 2, 3 ]" });

  it("reports a syntax error and keeps the session", async () => {
    const r = await k.run("let = = 3");
    expect(r.error?.ename).toBe("SyntaxError");
    await survives();
  });

  it("delivers 5 MB of output in full", async () => {
    const r = await k.run("const line = 'x'.repeat(1023) + '\\n'; for (let i = 0; i < 5 * 1024; i++) process.stdout.write(line);");
    expect(r.reply.status).toBe("ok");
    expect(r.stdout.length).toBe(5 * 1024 * 1024);
    await survives();
  });

  it("turns binary junk on stdout into replacement characters", async () => {
    const r = await k.run("process.stdout.write(Buffer.from([0xff, 0xfe, 0x41, 0x00, 0xc3])); process.stdout.write('\\n')");
    expect(r.reply.status).toBe("ok");
    expect(r.stdout).toContain("\ufffd");
    expect(r.stdout).toContain("A");
    await survives();
  });

  it("reports process.exit() instead of dying silently", async () => {
    const r = await k.run("process.exit(3)");
    expect(r.error?.ename).toBe("ProcessExit");
    expect(r.error?.evalue).toMatch(/process\.exit\(3\) was called; the kernel kept running/);
    expect(k.kernel.process.exitCode).toBeNull();
    await survives();
  });

  it("contains a cell that replaces console.log", async () => {
    const r = await k.run("console.log = () => { throw new Error('my logger'); }; 'replaced'");
    expect(r.reply.status).toBe("ok");
    const again = await k.run("process.stdout.write('direct\\n'); 1");
    expect(again.stdout).toBe("direct\n");
    // The cell's own logger throws for that cell's code, as it asked; the kernel's output path is untouched.
    const call = await k.run("console.log('via the replaced logger')");
    expect(call.error).toMatchObject({ ename: "Error", evalue: "my logger" });
    expect(call.stdout).toBe("");
    await k.run("console.log = globalThis.console.info"); // give the next tests a working logger back
    await survives();
  });

  it("keeps the preloaded library when a cell deletes its globals", async () => {
    const r = await k.run("delete (globalThis as any).models; delete (globalThis as any).display; typeof models");
    expect(r.result?.data).toMatchObject({ "text/plain": "'object'" });
    await survives();
  });
});
