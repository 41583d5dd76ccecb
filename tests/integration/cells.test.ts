/**
 * Cell semantics over real ZeroMQ (issue 3): state, await, imports, results,
 * streams, ipykernel's execute options, errors and tracebacks.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../kernel/wire/message.js";
import { startKernel, waitForIopub, type KernelUnderTest } from "./kernel-harness.js";

const plain = (text: unknown) => String(text).replace(/\x1b\[[0-9;]*m/g, "");

describe("cells", () => {
  let k: KernelUnderTest;
  let workdir: string;
  beforeAll(async () => {
    // A working directory with its own node_modules: a CommonJS and an ESM-only package.
    workdir = mkdtempSync(join(tmpdir(), "tensorcell-cwd-"));
    const pkg = (name: string, files: Record<string, string>) => {
      const dir = join(workdir, "node_modules", name);
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    };
    pkg("local-cjs", { "package.json": '{"name":"local-cjs","main":"index.js"}', "index.js": "module.exports = { triple: (x) => 3 * x };" });
    pkg("local-esm", {
      "package.json": '{"name":"local-esm","type":"module","exports":{".":{"import":"./index.js"}}}',
      "index.js": "export const shout = (s) => s.toUpperCase() + '!'; export default 'esm default';",
    });
    k = await startKernel({ cwd: workdir });
  });
  afterAll(() => k?.stop());

  it("keeps const/let/var/function/class/enum/namespace across cells and rebinds on re-run", async () => {
    await k.run(`
      const c: number = 1; let l = 2; var v = 3;
      function f(x: number) { return x + c; }
      class Point { constructor(public x: number, public y: number) {} norm() { return Math.hypot(this.x, this.y); } }
      enum Color { Red, Green }
      namespace Geometry { export const unit = 1; }
    `);
    const r = await k.run("JSON.stringify([c, l, v, f(1), new Point(3, 4).norm(), Color.Green, Geometry.unit])");
    expect(r.result?.data).toMatchObject({ "text/plain": "'[1,2,3,2,5,1,1]'" });
    const again = await k.run("const c = 10;");
    expect(again.reply.status).toBe("ok");
    expect((await k.run("f(1)")).result?.data).toMatchObject({ "text/plain": "11" });
  });

  it("runs cells out of order: a later definition wins", async () => {
    await k.run("function greet() { return 'v1'; }");
    await k.run("const useGreet = () => greet();");
    await k.run("function greet() { return 'v2'; }");
    expect((await k.run("useGreet()")).result?.data).toMatchObject({ "text/plain": "'v2'" });
  });

  it("supports top-level await, for await, and shows a Promise's resolved value", async () => {
    const r = await k.run(`
      async function* count() { for (let i = 0; i < 3; i++) { await new Promise((r) => setTimeout(r, 5)); yield i; } }
      const seen: number[] = [];
      for await (const i of count()) seen.push(i);
      seen`);
    expect(r.result?.data).toMatchObject({ "text/plain": "[ 0, 1, 2 ]" });
    expect((await k.run("Promise.resolve(6 * 7)")).result?.data).toMatchObject({ "text/plain": "42" });
  });

  it("imports node: built-ins, CommonJS and ESM-only packages from the working directory, the kernel's own packages, dynamic import() and require", async () => {
    const r = await k.run(`
      import { join } from "node:path";
      import * as os from "os";
      import local from "local-cjs";
      import esmDefault, { shout } from "local-esm";
      import { compile } from "vega-lite";
      const dyn = await import("local-esm");
      const req = require("local-cjs");
      [join("a", "b"), typeof os.cpus, local.triple(2), esmDefault, shout("hi"), typeof compile, dyn.shout("x"), req.triple(3)]`);
    expect(r.error).toBeUndefined();
    expect(r.result?.data).toMatchObject({ "text/plain": "[ 'a/b', 'function', 6, 'esm default', 'HI!', 'function', 'X!', 9 ]" });
  });

  it("names a missing package and how to install it", async () => {
    const r = await k.run('import x from "no-such-package-anywhere"');
    expect(r.reply.status).toBe("error");
    expect(r.error?.evalue).toMatch(/no-such-package-anywhere.*npm install no-such-package-anywhere/);
  });

  it("shows the last value like util.inspect, nothing for undefined, nothing after a trailing semicolon", async () => {
    expect((await k.run("({ a: 1, b: 'x' })")).result?.data).toMatchObject({ "text/plain": "{ a: 1, b: 'x' }" });
    expect((await k.run("undefined")).result).toBeUndefined();
    expect((await k.run("1 + 1;")).result).toBeUndefined();
    expect((await k.run("'text ' + 1")).result?.data).toMatchObject({ "text/plain": "'text 1'" });
  });

  it("streams console.*, process.stdout/stderr.write in order, and timer output to the cell that started it", async () => {
    const r = await k.run("console.log('a'); process.stdout.write('b\\n'); console.error('e1'); process.stderr.write('e2\\n'); console.info('c')");
    expect(r.stdout).toBe("a\nb\nc\n");
    expect(r.stderr).toBe("e1\ne2\n");
    // The starter's timer prints only once the next cell is running (it hands over a resolver), so no sleep decides the order.
    const starter = await k.run(
      "const latePoll = setInterval(() => { if (!globalThis.lateDone) return; clearInterval(latePoll); console.log('late from timer'); globalThis.lateDone(); }, 5); 'started'",
    );
    const next = await k.run("await new Promise((r) => { globalThis.lateDone = r; }); 'next'");
    expect(next.stdout).not.toContain("late from timer");
    const late = k.client.iopubLog.find((m) => m.header.msg_type === "stream" && String(m.content.text).includes("late from timer"));
    expect(late?.parent_header.msg_id).toBe(starter.outputs[0].parent_header.msg_id);
  });

  it("publishes the same messages for a plain-JavaScript cell (no esbuild) as for one that goes through esbuild", async () => {
    // `// export` only sends the cell through the full transform; the code is otherwise the same.
    const shape = async (code: string) => {
      const r = await k.client.execute(code);
      const mine = k.client.iopubLog.filter((m) => m.parent_header.msg_id === r.reply.parent_header.msg_id);
      return {
        types: mine.map((m) => m.header.msg_type),
        states: mine.filter((m) => m.header.msg_type === "status").map((m) => m.content.execution_state),
        input: mine.find((m) => m.header.msg_type === "execute_input")?.content.code,
        result: mine.find((m) => m.header.msg_type === "execute_result")?.content.data,
        reply: r.reply.content.status,
      };
    };
    const fast = await shape("const fastA = 20\nfastA + 22");
    const full = await shape("const fastB = 20\nfastB + 22 // export");
    expect(fast.types).toEqual(["status", "execute_input", "execute_result", "status"]);
    expect(fast.states).toEqual(["busy", "idle"]);
    expect({ ...fast, input: undefined }).toEqual({ ...full, input: undefined });
    expect(fast.input).toBe("const fastA = 20\nfastA + 22");
    expect(fast.result).toMatchObject({ "text/plain": "42" });
  });

  it("honours silent (nothing published, not counted) and store_history", async () => {
    const before = (await k.run("1")).reply.execution_count as number;
    const silent = await k.client.execute("console.log('quiet'); 5", { silent: true });
    expect(silent.outputs).toHaveLength(0);
    const unstored = await k.client.execute("'not in history'", { store_history: false });
    expect(unstored.reply.content.execution_count).toBe(before);
    expect((await k.run("'in history'")).reply.execution_count).toBe(before + 1);
    const tail = await k.client.request("shell", "history_request", { hist_access_type: "tail", n: 3, output: false, raw: true });
    const inputs = (tail.content.history as [number, number, string][]).map(([, , input]) => input);
    expect(inputs.at(-1)).toBe("'in history'");
    expect(inputs).not.toContain("'not in history'");
    expect(inputs).not.toContain("console.log('quiet'); 5");
  });

  it("evaluates user_expressions", async () => {
    await k.run("const ue = 21");
    const r = await k.client.execute("0", { user_expressions: { doubled: "ue * 2", bad: "nope.nope" } });
    const ue = r.reply.content.user_expressions as Record<string, Record<string, any>>; // JSON from the wire
    expect(ue.doubled).toMatchObject({ status: "ok", data: { "text/plain": "42" } });
    expect(ue.bad.status).toBe("error");
  });

  it("aborts queued requests after an error with stop_on_error, each with busy/idle", async () => {
    const failing = k.client.submit("await new Promise((r) => setTimeout(r, 300)); throw new Error('stop here')");
    const queued = [k.client.submit("'never 1'"), k.client.submit("'never 2'")];
    expect((await failing.reply).content.status).toBe("error");
    for (const q of queued) {
      const reply = await q.reply;
      expect(reply.content.status).toBe("aborted");
      await waitForIopub(k.client, (m) => m.parent_header.msg_id === q.msgId && m.content.execution_state === "idle");
      const states = k.client.iopubLog.filter((m) => m.parent_header.msg_id === q.msgId).map((m) => m.content.execution_state);
      expect(states).toEqual(["busy", "idle"]);
    }
    expect((await k.run("'runs again'")).result?.data).toMatchObject({ "text/plain": "'runs again'" });
    const noStop = k.client.submit("throw new Error('no stop')", { stop_on_error: false });
    const after = k.client.submit("'still runs'");
    await noStop.reply;
    expect((await after.reply).content.status).toBe("ok");
  });

  it("sends exactly one error message, matching the reply, and nothing on stderr", async () => {
    const r = await k.run("const boom = 1;\nthrow new TypeError('bad thing')");
    expect(r.outputs.filter((m) => m.header.msg_type === "error")).toHaveLength(1);
    expect(r.stderr).toBe("");
    expect(r.error).toMatchObject({ ename: "TypeError", evalue: "bad thing" });
    expect(r.reply).toMatchObject({ status: "error", ename: "TypeError", evalue: "bad thing" });
    expect(r.reply.traceback).toEqual(r.error?.traceback);
  });

  it("points tracebacks at the cell's own TypeScript line and column, without kernel frames", async () => {
    await k.run("interface Shape { side: number }\nfunction area(s: Shape): number {\n  if (s.side < 0) throw new RangeError('negative side');\n  return s.side ** 2;\n}");
    const r = await k.run("const sq: Shape = { side: -1 };\narea(sq)");
    const text = (r.error!.traceback as string[]).map(plain).join("\n");
    expect(text).toMatch(/line 3, column 25, in area/); // where the RangeError is constructed
    expect(text).toContain("if (s.side < 0) throw new RangeError('negative side');");
    expect(text).toMatch(/line 2, column 1/);
    expect(text).not.toMatch(/dist\/|node:internal|cli\.js/);
  });

  it("names line and column of syntax and transpile errors", async () => {
    const r = await k.run("const ok = 1;\nconst broken = (1 + ;");
    expect(r.error?.ename).toBe("SyntaxError");
    expect(plain(r.error?.evalue)).toMatch(/line 2, column \d+/);
  });

  it("reports a throw in a timer and an unhandled rejection to the cell that started it, and survives", async () => {
    const starter = await k.run("setTimeout(() => { throw new Error('timer boom'); }, 100); Promise.reject(new Error('rejected later')); 'ok'");
    const fromStarter = (m: Message, text: string) =>
      m.header.msg_type === "stream" && m.parent_header.msg_id === starter.outputs[0].parent_header.msg_id && plain(m.content.text).includes(text);
    await waitForIopub(k.client, (m) => fromStarter(m, "timer boom"));
    await waitForIopub(k.client, (m) => fromStarter(m, "rejected later"));
    const reports = k.client.iopubLog.filter(
      (m) => m.header.msg_type === "stream" && m.parent_header.msg_id === starter.outputs[0].parent_header.msg_id && m.content.name === "stderr",
    );
    const text = reports.map((m) => plain(m.content.text)).join("");
    expect(text).toContain("timer boom");
    expect(text).toContain("rejected later");
    expect((await k.run("'alive'")).result?.data).toMatchObject({ "text/plain": "'alive'" });
  });
});
