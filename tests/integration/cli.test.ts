/**
 * The command line (issue 2): kernelspec install/uninstall where `jupyter
 * kernelspec list` finds it, and one-line errors (never a stack dump) for bad
 * input at the CLI and in the connection file.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deferringShellPrefix } from "../../kernel/extra-ca-certs.js";
import { defaultCliPath } from "../../kernel/client/launch.js";

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [defaultCliPath(), ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });

const oneLineError = (stderr: string) => {
  const lines = stderr.trim().split("\n");
  expect(lines[0]).toMatch(/^tensorcell: /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack frames
  return lines[0];
};

const ports = { shell_port: 0, control_port: 0, stdin_port: 0, iopub_port: 0, hb_port: 0 };

describe("tensorcell CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "tensorcell-cli-"));
  let server: Server | undefined;
  afterAll(() => server?.close());

  it("installs a kernelspec that jupyter kernelspec list finds, and uninstalls it", () => {
    const prefix = join(dir, "prefix");
    const install = cli(["install", "--prefix", prefix, "--name", "tc-test", "--display-name", "TC Test"]);
    expect(install.status, install.stderr).toBe(0);
    const specDir = join(prefix, "share", "jupyter", "kernels", "tc-test");
    const spec = JSON.parse(readFileSync(join(specDir, "kernel.json"), "utf8"));
    expect(spec).toMatchObject({ display_name: "TC Test", language: "typescript", interrupt_mode: "message" });
    expect(spec.argv).toEqual([...deferringShellPrefix, process.execPath, defaultCliPath(), "kernel", "-f", "{connection_file}"]);
    expect(existsSync(join(specDir, "logo-32x32.png")) && existsSync(join(specDir, "logo-64x64.png"))).toBe(true);
    const listed = spawnSync("/usr/bin/python3", ["-m", "jupyter_client.kernelspecapp", "list", "--json"], {
      encoding: "utf8",
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter") },
    });
    expect(JSON.parse(listed.stdout).kernelspecs["tc-test"]?.spec.language).toBe("typescript");
    expect(cli(["uninstall", "--prefix", prefix, "--name", "tc-test"]).status).toBe(0);
    expect(existsSync(specDir)).toBe(false);
    const again = cli(["uninstall", "--prefix", prefix, "--name", "tc-test"]);
    expect(again.status).toBe(1);
    expect(oneLineError(again.stderr)).toMatch(/no kernelspec named "tc-test"/);
  });

  it("installs for the user into JUPYTER_DATA_DIR", () => {
    const data = join(dir, "user-data");
    expect(cli(["install", "--user"], { JUPYTER_DATA_DIR: data }).status).toBe(0);
    expect(existsSync(join(data, "kernels", "tensorcell", "kernel.json"))).toBe(true);
  });

  it("rejects unknown commands, options and conflicting scopes with one line and exit 2", () => {
    for (const args of [["frobnicate"], ["install", "--bogus"], ["install", "--user", "--prefix", dir], ["kernel"]]) {
      const run = cli(args);
      expect(run.status, args.join(" ")).toBe(2);
      oneLineError(run.stderr);
    }
  });

  it("names each connection-file problem in one line", () => {
    const write = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const cases: [string, RegExp][] = [
      [join(dir, "missing.json"), /connection file not found/],
      [write("bad.json", "{ not json"), /not valid JSON/],
      [write("transport.json", JSON.stringify({ transport: "udp", ip: "127.0.0.1", key: "", ...ports })), /unknown transport "udp"/],
      [write("port.json", JSON.stringify({ transport: "tcp", ip: "127.0.0.1", key: "", ...ports, hb_port: "x" })), /"hb_port" must be a port number/],
    ];
    for (const [file, message] of cases) {
      const run = cli(["kernel", "-f", file]);
      expect(run.status).not.toBe(0);
      expect(oneLineError(run.stderr)).toMatch(message);
    }
  });

  it("says which channel's port is in use", async () => {
    server = createServer();
    const port = await new Promise<number>((resolve) => server!.listen(0, "127.0.0.1", () => resolve((server!.address() as { port: number }).port)));
    const file = join(dir, "in-use.json");
    writeFileSync(file, JSON.stringify({ transport: "tcp", ip: "127.0.0.1", key: "k", signature_scheme: "hmac-sha256", ...ports, control_port: port }));
    const run = cli(["kernel", "-f", file]);
    expect(run.status).toBe(1);
    expect(oneLineError(run.stderr)).toMatch(new RegExp(`cannot bind the control channel to tcp://127.0.0.1:${port}: address already in use`));
  });
});
