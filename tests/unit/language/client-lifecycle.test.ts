// The client's promises: lazy start, timeouts instead of hangs, restart after a crash, clean close, bundled layout.
import { afterAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { LanguageClient } from "../../../kernel/language/client.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../../..");
const fixture = (name: string) => path.join(here, "fixtures", name);
const clients: LanguageClient[] = [];
const bundledLayout = path.join(root, "node_modules", ".cache", "tensorcell-test-dist", String(process.pid));
afterAll(async () => {
  for (const client of clients) await client.close();
  rmSync(bundledLayout, { recursive: true, force: true });
});

describe("LanguageClient lifecycle", () => {
  it("starts no worker until the first request, even when cells are recorded", () => {
    const client = new LanguageClient({ workerFile: fixture("silent-worker.mjs"), timeoutMs: 100 });
    clients.push(client);
    client.recordExecuted("const x = 1;");
    client.reset();
    expect(client.started).toBe(false);
  });

  it("answers empty after the timeout when the worker does not answer", async () => {
    const client = new LanguageClient({ workerFile: fixture("silent-worker.mjs"), timeoutMs: 150 });
    clients.push(client);
    const [completion, inspection, diagnostics] = await Promise.all([
      client.complete("tf.", 3),
      client.inspect("tf", 1, 0),
      client.check("const x: string = 1;"),
    ]);
    expect(client.started).toBe(true);
    expect(completion).toEqual({ matches: [], cursorStart: 3, cursorEnd: 3, metadata: { _jupyter_types_experimental: [] } });
    expect(inspection).toEqual({ found: false, data: {} });
    expect(diagnostics).toEqual([]);
  });

  it("answers empty when the worker dies, and starts a new one on the next request", async () => {
    const client = new LanguageClient({ workerFile: fixture("crashing-worker.mjs"), timeoutMs: 600_000 });
    clients.push(client);
    // The exit itself must settle the request: with a timeout longer than the test's own, waiting for it would fail the test.
    expect((await client.complete("tf.", 3)).matches).toEqual([]);
    expect(client.started).toBe(false);
    expect((await client.inspect("x", 1)).found).toBe(false);
  });

  it("answers empty after close()", async () => {
    const client = new LanguageClient({ workerFile: fixture("silent-worker.mjs"), timeoutMs: 10_000 });
    const pending = client.complete("a", 1);
    await client.close();
    expect((await pending).matches).toEqual([]);
    expect((await client.check("x")).length).toBe(0);
  });

  it("runs from a bundled layout like dist/ (client in the kernel bundle, language-worker.js beside it)", async () => {
    // Bundle the two entries exactly as scripts/build.mjs does, into a folder inside the package.
    const outdir = bundledLayout;
    mkdirSync(outdir, { recursive: true });
    const entry = path.join(outdir, "probe-entry.ts");
    writeFileSync(
      entry,
      [
        `import { LanguageClient } from ${JSON.stringify(path.join(root, "kernel/language/client.ts"))};`,
        "const client = new LanguageClient({ timeoutMs: 60000 });",
        "client.recordExecuted('const rate = 0.5;');",
        "const reply = await client.complete('rate.toFix', 10);",
        "await client.close();",
        "console.log(JSON.stringify(reply.matches));",
      ].join("\n"),
    );
    await build({
      entryPoints: { cli: entry, "language-worker": path.join(root, "kernel/language/worker.ts") },
      outdir,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      logLevel: "warning",
      banner: { js: "import { createRequire as __tcCreateRequire } from 'node:module'; const require = __tcCreateRequire(import.meta.url);" },
    });
    const output = execFileSync(process.execPath, [path.join(outdir, "cli.js")], { encoding: "utf8", timeout: 90_000 });
    expect(JSON.parse(output.trim())).toEqual(["toFixed"]);
  });
});
