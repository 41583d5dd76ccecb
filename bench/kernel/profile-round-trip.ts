/**
 * Round trip of a trivial cell from a Node client (no Python in the loop), the
 * latency of an interrupt (the figure the interrupt tests no longer time), and
 * optionally a CPU profile of the kernel while it answers (PROF=DIR writes
 * V8 .cpuprofile files there, one per thread; open them in Chrome DevTools).
 * Run: npm run build && [PROF=/tmp/prof] npx vite-node bench/kernel/profile-round-trip.ts [cells=1000] [code='1 + 1']
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient } from "../../kernel/client/client.js";
import { launchKernel } from "../../kernel/client/launch.js";

const cells = Number(process.argv[2] ?? 1000);
const code = process.argv[3] ?? "1 + 1";
const profileDir = process.env.PROF;
const kernel = await launchKernel({ nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--cpu-prof-interval=200"] : [] });
const client = new KernelClient(kernel.connection);
await client.connect(60_000);
for (let i = 0; i < 50; i++) await client.execute(code);
const times: number[] = [];
for (let i = 0; i < cells; i++) {
  const start = process.hrtime.bigint();
  await client.execute(code);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2);
console.log(`${cells} x ${JSON.stringify(code)}: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);

// Interrupt latency: interrupt_request sent once the cell is in a busy loop, until its error reply.
const marker = join(mkdtempSync(join(tmpdir(), "tc-bench-")), "running");
const latencies: number[] = [];
for (let i = 0; i < 20; i++) {
  rmSync(marker, { force: true });
  const running = client.submit(`require("node:fs").writeFileSync(${JSON.stringify(marker)}, ""); while (true) {}`);
  while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 1));
  const start = process.hrtime.bigint();
  await client.request("control", "interrupt_request", {});
  await running.reply;
  latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
}
latencies.sort((a, b) => a - b);
console.log(`20 interrupts of a busy loop: median ${latencies[10]!.toFixed(1)} ms, max ${latencies[19]!.toFixed(1)} ms`);
await client.request("control", "shutdown_request", { restart: false });
await new Promise((done) => kernel.process.once("exit", done));
client.close();
