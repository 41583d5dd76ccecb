/**
 * NODE_EXTRA_CA_CERTS kept out of the kernel's boot and honoured inside it
 * (kernel/extra-ca-certs.ts). A loopback HTTPS server presents a certificate
 * from a test CA that only the extra-certificates file holds; cells reach it
 * with fetch and https, as they would with a plain Node. Both ways a kernel
 * starts are covered: Debian's jupyter_client through the installed
 * kernelspec, and `launchKernel` (tensorcell run, grade, sweep).
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel } from "./kernel-harness.js";

const dir = mkdtempSync(join(tmpdir(), "tc-extra-ca-"));
const caFile = join(dir, "ca.pem");
let server: Server;
let port = 0;

function makeCertificates(): { key: string; cert: string } {
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=tensorcell test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  run(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
    "-days", "2", "-extfile", "server.ext"]);
  return { key: readFileSync(join(dir, "server.key"), "utf8"), cert: readFileSync(join(dir, "server.pem"), "utf8") };
}

/** A cell that prints what the kernel process sees as one JSON line. */
function probeCell(): string {
  return `
const https = await import("node:https");
const tls = await import("node:tls");
const { readFileSync } = await import("node:fs");
const { execFileSync } = await import("node:child_process");
const get = (options: any) => new Promise<string>((done) => {
  https.get(options, (response) => { let body = ""; response.on("data", (d) => (body += d)); response.on("end", () => done(body)); })
    .on("error", (error) => done("error: " + error.message));
});
const url = "https://127.0.0.1:${port}/";
console.log(JSON.stringify({
  env: process.env.NODE_EXTRA_CA_CERTS ?? null,
  parked: process.env.TENSORCELL_EXTRA_CA_CERTS ?? null,
  boot: readFileSync("/proc/self/environ", "utf8").split("\\0").some((entry) => entry.startsWith("NODE_EXTRA_CA_CERTS=")),
  fetch: await fetch(url).then((r) => r.text(), (e) => "error: " + (e.cause?.message ?? e.message)),
  fetchAgain: await fetch(url).then((r) => r.text(), (e) => "error: " + (e.cause?.message ?? e.message)),
  https: await get(url),
  explicitCa: await get({ host: "127.0.0.1", port: ${port}, path: "/", ca: tls.rootCertificates }),
  child: execFileSync(process.execPath, ["-e", "process.stdout.write(process.env.NODE_EXTRA_CA_CERTS ?? '')"], { encoding: "utf8" }),
}));`;
}

interface Probe {
  env: string | null;
  parked: string | null;
  boot: boolean;
  fetch: string;
  fetchAgain: string;
  https: string;
  explicitCa: string;
  child: string;
}

function expectExtraCertsHonoured(probe: Probe): void {
  expect(probe.boot, "Node booted without NODE_EXTRA_CA_CERTS").toBe(false);
  expect(probe.env).toBe(caFile);
  expect(probe.parked).toBe(null);
  expect(probe.fetch).toBe("trusted");
  expect(probe.fetchAgain).toBe("trusted");
  expect(probe.https).toBe("trusted");
  // An explicit `ca` is the caller's whole trust list, as in Node: the test CA is not added to it.
  expect(probe.explicitCa).toMatch(/^error: .*certificate/);
  expect(probe.child).toBe(caFile);
}

beforeAll(async () => {
  server = createServer(makeCertificates(), (_, response) => response.end("trusted"));
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server?.close());

describe("NODE_EXTRA_CA_CERTS", () => {
  it("is honoured by cells of a kernel started by Debian's jupyter_client through the installed kernelspec", async () => {
    const prefix = join(dir, "prefix");
    execFileSync(process.execPath, [join("dist", "cli.js"), "install", "--prefix", prefix, "--name", "tc-ca"]);
    const spec = JSON.parse(readFileSync(join(prefix, "share", "jupyter", "kernels", "tc-ca", "kernel.json"), "utf8"));
    expect(spec.argv[0]).toBe("/bin/sh");
    const driver = `
import json, sys
from jupyter_client.manager import start_new_kernel
km, kc = start_new_kernel(kernel_name="tc-ca", startup_timeout=60)
try:
    result = {}
    def keep(msg):
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            result["stdout"] = result.get("stdout", "") + msg["content"]["text"]
        elif msg["msg_type"] == "error":
            result["error"] = msg["content"]["evalue"]
    kc.execute_interactive(sys.stdin.read(), output_hook=keep, timeout=60)
    print(json.dumps(result))
finally:
    kc.stop_channels()
    km.shutdown_kernel(now=True)
`;
    // Not spawnSync: the HTTPS server the cell calls lives in this process's event loop.
    const python = spawn("/usr/bin/python3", ["-c", driver], {
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), NODE_EXTRA_CA_CERTS: caFile },
    });
    const run = { stdout: "", stderr: "", status: null as number | null };
    python.stdout.on("data", (chunk: Buffer) => (run.stdout += chunk));
    python.stderr.on("data", (chunk: Buffer) => (run.stderr += chunk));
    python.stdin.end(probeCell());
    run.status = await new Promise<number | null>((exit) => python.on("exit", exit));
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim().split("\n").pop()!) as { stdout?: string; error?: string };
    expect(result.error).toBeUndefined();
    expectExtraCertsHonoured(JSON.parse(result.stdout!) as Probe);
  }, 150_000);

  it("is honoured by cells of a kernel started by launchKernel (tensorcell run, grade, sweep)", async () => {
    const kernel = await startKernel({ env: { NODE_EXTRA_CA_CERTS: caFile } });
    try {
      const { stdout, error } = await kernel.run(probeCell());
      expect(error).toBeUndefined();
      expectExtraCertsHonoured(JSON.parse(stdout) as Probe);
    } finally {
      await kernel.stop();
    }
  }, 120_000);

  it("an unreadable file is one warning in the kernel's log, the default roots stay, and the kernel keeps serving", async () => {
    const missing = join(dir, "no-such-bundle.pem");
    const kernel = await startKernel({ env: { NODE_EXTRA_CA_CERTS: missing } });
    try {
      const first = await kernel.run(
        `console.log(await fetch("https://127.0.0.1:${port}/").then(() => "reached", (e) => "error: " + (e.cause?.message ?? e.message)))`,
      );
      expect(first.stdout).toMatch(/^error: .*certificate/);
      const warning = (first.stderr + kernel.kernel.stderr()).split("\n").filter((line) => line.includes("Ignoring extra certs"));
      expect(warning).toHaveLength(1);
      expect(warning[0]).toContain(missing);
      const next = await kernel.run("console.log(process.env.NODE_EXTRA_CA_CERTS, 1 + 1)");
      expect(next.stdout).toBe(`${missing} 2\n`);
    } finally {
      await kernel.stop();
    }
  }, 120_000);
});
