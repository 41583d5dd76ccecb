/**
 * Pretrained-weight downloads in real kernel cells: the progress display is
 * one output updated in place (update_display_data), and an interrupt stops a
 * download that would never finish: no partial file stays in the cache, the
 * kernel keeps running and the next cell (another download) works.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../../kernel/wire/message.js";
import { filesUnder, goodWeights, startFakeServer, type FakeServer } from "../unit/weights/fake-hub.js";
import { readFileSync } from "node:fs";
import { tempDir, tensorcell, writeTestNotebook } from "./headless-cli.js";
import { startKernel, waitForIopub, type KernelUnderTest } from "./kernel-harness.js";

const weights = goodWeights();

describe("weights downloads in kernel cells", () => {
  let k: KernelUnderTest;
  let hub: FakeServer;
  const cache = mkdtempSync(join(tmpdir(), "tc-kernel-hub-cache-"));
  const hfHome = mkdtempSync(join(tmpdir(), "tc-kernel-hf-home-")); // never this machine's own huggingface_hub cache or token

  beforeAll(async () => {
    hub = await startFakeServer();
    hub.handle = (request, response) => {
      response.writeHead(200, { "content-length": weights.length });
      if (request.url?.startsWith("/timm/stalls/")) {
        response.write(weights.subarray(0, 64)); // and nothing more
        return;
      }
      // Twelve pieces, 100 ms apart: a download long enough for several redraws.
      const piece = Math.ceil(weights.length / 12);
      let sent = 0;
      const next = () => {
        if (response.destroyed) return;
        const end = Math.min(sent + piece, weights.length);
        response.write(weights.subarray(sent, end));
        sent = end;
        if (sent < weights.length) setTimeout(next, 100);
        else response.end();
      };
      next();
    };
    // A generous timeout: the stalled download must end by the interrupt, not by the timeout.
    k = await startKernel({ env: { HF_ENDPOINT: hub.url, TENSORCELL_CACHE: cache, HF_HOME: hfHome, HF_HUB_DOWNLOAD_TIMEOUT: "600" } });
  });
  afterAll(async () => {
    await k?.stop();
    await hub?.close();
  });

  const isFor = (msgId: string, type: string) => (m: Message) => m.parent_header.msg_id === msgId && m.header.msg_type === type;

  it("shows the progress as one display updated in place, ending with where the file went", async () => {
    const result = await k.run(`const fetched = await tensorcell.locateWeights("timm/slow_model.d1_in1k"); fetched`);
    expect(result.error).toBeUndefined();
    const expected = join(cache, "hub", "models--timm--slow_model.d1_in1k", "main", "model.safetensors");
    expect(result.result?.data).toMatchObject({ "text/plain": `'${expected}'` });
    const shown = result.outputs.filter((m) => m.header.msg_type === "display_data");
    const updates = result.outputs.filter((m) => m.header.msg_type === "update_display_data");
    expect(shown).toHaveLength(1);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    const id = (shown[0]!.content.transient as { display_id: string }).display_id;
    for (const update of updates) expect((update.content.transient as { display_id: string }).display_id).toBe(id);
    const first = shown[0]!.content.data as Record<string, string>;
    expect(first["text/html"]).toContain("<progress");
    expect(first["text/plain"]).toMatch(/^timm\/slow_model\.d1_in1k: [\d.]+ k?B of [\d.]+ k?B \(\d+%\)(, [\d.]+ k?B\/s)?$/);
    const last = updates[updates.length - 1]!.content.data as Record<string, string>;
    expect(last["text/plain"]).toMatch(new RegExp(`^timm/slow_model\\.d1_in1k: [\\d.]+ k?B downloaded in [\\d.]+ s to ${expected.replace(/[.]/g, "\\.")}$`));
    expect(filesUnder(cache)).toEqual(["hub/models--timm--slow_model.d1_in1k/main/model.safetensors"]);
    // Cached now: no request, no progress output.
    const requests = hub.requests.length;
    const again = await k.run(`await tensorcell.locateWeights("timm/slow_model.d1_in1k")`);
    expect(again.outputs.filter((m) => m.header.msg_type.endsWith("display_data"))).toHaveLength(0);
    expect(hub.requests).toHaveLength(requests);
  }, 120_000);

  it("stops a stalled download on interrupt, leaves no partial file, and the kernel runs the next cell", async () => {
    const running = k.client.submit(`await tensorcell.locateWeights("timm/stalls")`);
    // The progress display appears once the first bytes are written: the download is under way.
    await waitForIopub(k.client, isFor(running.msgId, "display_data"), 60_000);
    expect(filesUnder(cache).some((name) => name.startsWith("hub/models--timm--stalls/main/.model.safetensors.") && name.endsWith(".part"))).toBe(true);
    const interrupt = await k.client.request("control", "interrupt_request", {}, 10_000);
    expect(interrupt.content.status).toBe("ok");
    const reply = await running.reply;
    expect(reply.content).toMatchObject({ status: "error", ename: "KeyboardInterrupt" });
    const next = await k.run(`6 * 7`);
    expect(next.result?.data).toMatchObject({ "text/plain": "42" });
    // The aborted download removes its temp file (asynchronously, once the socket is closed).
    const deadline = Date.now() + 30_000;
    while (filesUnder(cache).some((name) => name.includes("stalls")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(filesUnder(cache).filter((name) => name.includes("stalls"))).toEqual([]);
    // The progress display's last redraw comes from the aborted download's cleanup, which can
    // finish after the temp file is gone and after the cell's reply: wait for that message.
    const textOf = (m: Message) => (m.content.data as Record<string, string> | undefined)?.["text/plain"] ?? "";
    const last = await waitForIopub(k.client, (m) => isFor(running.msgId, "update_display_data")(m) && textOf(m).startsWith("download failed"), 30_000);
    expect(textOf(last)).toMatch(/^download failed after 64 B: Download of .*\/timm\/stalls\/resolve\/main\/model\.safetensors was interrupted; nothing was cached\.$/);
    // And a download in a later cell works.
    const after = await k.run(`(await tensorcell.locateWeights("timm/after_interrupt")).endsWith("models--timm--after_interrupt/main/model.safetensors")`);
    expect(after.result?.data).toMatchObject({ "text/plain": "true" });
  }, 120_000);

  it("tensorcell run prints the download's last line on stderr and saves it in the executed notebook", async () => {
    const dir = tempDir("tc-weights-run-");
    const notebook = writeTestNotebook(dir, "fetch.ipynb", [`const file = await tensorcell.locateWeights("timm/headless_model"); file.length > 0`]);
    const run = await tensorcell(["run", notebook, "-o", join(dir, "out.ipynb")], { env: { HF_ENDPOINT: hub.url, TENSORCELL_CACHE: cache, HF_HOME: hfHome } });
    expect(run.code).toBe(0);
    const expected = join(cache, "hub", "models--timm--headless_model", "main", "model.safetensors");
    const line = `timm/headless_model: ${weights.length} B downloaded in`;
    expect(run.stderr).toContain(line);
    expect(run.stderr).toContain(` s to ${expected}\n`);
    const outputs = (JSON.parse(readFileSync(join(dir, "out.ipynb"), "utf8")) as { cells: { outputs: { output_type: string; data?: Record<string, string> }[] }[] }).cells[0]!.outputs;
    expect(outputs.map((o) => o.output_type)).toEqual(["display_data", "execute_result"]);
    expect(outputs[0]!.data!["text/plain"]).toContain(line);
  }, 180_000);
});
