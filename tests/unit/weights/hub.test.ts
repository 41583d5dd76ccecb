/**
 * locateWeights against a loopback server playing the hub (through
 * HF_ENDPOINT), with a fresh cache folder per test. After every failure the
 * cache must hold no partial or corrupt file.
 */
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { expectOneLineRejection } from "../../helpers/one-line-error.js";
import { hubCachePath } from "../../../lib/weights/cache.js";
import { locateWeights, parseHubSource, WeightsError } from "../../../lib/weights/hub.js";
import { formatBytes, streamProgress } from "../../../lib/weights/progress.js";
import { Progress, progressDisplay } from "../../../kernel/headless/progress.js";
import { filesUnder, goodWeights, startFakeServer, type FakeServer } from "./fake-hub.js";

const REPO = "timm/tiny_test.d1_in1k";
const FILE_PATH = `/${REPO}/resolve/main/model.safetensors`;
const ENV_KEYS = ["HF_ENDPOINT", "HF_TOKEN", "HF_HUB_OFFLINE", "HF_HUB_DOWNLOAD_TIMEOUT", "TENSORCELL_CACHE", "HF_HOME", "HF_HUB_CACHE", "HF_TOKEN_PATH"] as const;

let hub: FakeServer;
let cdn: FakeServer;
let cache: string;
const savedEnv: Record<string, string | undefined> = {};
const weights = goodWeights();

/** Expects a rejection with a one-line WeightsError; returns its message, which each test checks. */
async function failure(promise: Promise<unknown>): Promise<string> {
  return (await expectOneLineRejection(promise, /\S/, WeightsError)).message;
}

beforeAll(async () => {
  hub = await startFakeServer();
  cdn = await startFakeServer(""); // every interface, reached as "localhost": another host than 127.0.0.1
});
afterAll(async () => {
  await hub?.close();
  await cdn?.close();
});
beforeEach(() => {
  for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
  for (const key of ENV_KEYS) delete process.env[key];
  cache = mkdtempSync(join(tmpdir(), "tc-hub-cache-"));
  process.env.TENSORCELL_CACHE = cache;
  // Never this machine's own huggingface_hub cache or login token.
  process.env.HF_HOME = mkdtempSync(join(tmpdir(), "tc-hf-home-"));
  process.env.HF_HUB_CACHE = join(process.env.HF_HOME, "hub");
  process.env.HF_ENDPOINT = hub.url;
  hub.requests.length = 0;
  cdn.requests.length = 0;
  hub.handle = (request, response) => {
    if (request.url !== FILE_PATH) return response.writeHead(404, { "x-error-code": "EntryNotFound" }).end();
    response.writeHead(200, { "content-length": weights.length }).end(weights);
  };
});
afterEach(() => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

const expectedCachePath = () => join(cache, "hub", "models--timm--tiny_test.d1_in1k", "main", "model.safetensors");

describe("locateWeights from the hub", () => {
  it("downloads a good file into the cache, and the second call makes no request", async () => {
    const path = await locateWeights(REPO, { progress: false });
    expect(path).toBe(expectedCachePath());
    expect(readFileSync(path).equals(weights)).toBe(true);
    expect(hub.requests.map((r) => r.path)).toEqual([FILE_PATH]);
    expect(filesUnder(cache)).toEqual(["hub/models--timm--tiny_test.d1_in1k/main/model.safetensors"]);
    expect(await locateWeights(REPO, { progress: false })).toBe(path);
    expect(hub.requests).toHaveLength(1);
  });

  it("removes a temp file that a killed process left an hour or more ago", async () => {
    const folder = join(expectedCachePath(), "..");
    mkdirSync(folder, { recursive: true });
    const stale = join(folder, ".model.safetensors.12345-deadbeef.part");
    const fresh = join(folder, ".model.safetensors.12346-cafef00d.part");
    writeFileSync(stale, "partial");
    writeFileSync(fresh, "partial");
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    await locateWeights(REPO, { progress: false });
    expect(filesUnder(folder)).toEqual([".model.safetensors.12346-cafef00d.part", "model.safetensors"]);
  });

  it("fetches a named revision into its own folder", async () => {
    hub.handle = (request, response) => {
      expect(request.url).toBe(`/${REPO}/resolve/refs%2Fpr%2F3/model.safetensors`);
      response.writeHead(200, { "content-length": weights.length }).end(weights);
    };
    const path = await locateWeights(`${REPO}@refs/pr/3`, { progress: false });
    expect(path).toBe(join(cache, "hub", "models--timm--tiny_test.d1_in1k", "refs%2Fpr%2F3", "model.safetensors"));
  });

  it("reports a 404 in one line naming the URL, and caches nothing", async () => {
    const message = await failure(locateWeights("timm/missing_model", { progress: false }));
    expect(message).toContain(`${hub.url}/timm/missing_model/resolve/main/model.safetensors: HTTP 404 [EntryNotFound]`);
    expect(filesUnder(cache)).toEqual([]);
  });

  it("says to set HF_TOKEN on a 401 and never prints the token", async () => {
    hub.handle = (_request, response) => response.writeHead(401).end();
    expect(await failure(locateWeights(REPO, { progress: false }))).toMatch(/HTTP 401.*set HF_TOKEN/);
    process.env.HF_TOKEN = "hf_secret_value";
    const message = await failure(locateWeights(REPO, { progress: false }));
    expect(message).toContain("HF_TOKEN was sent and is not accepted");
    expect(message).not.toContain("hf_secret_value");
    expect(filesUnder(cache)).toEqual([]);
  });

  it("rejects a body shorter than Content-Length (connection closed early)", async () => {
    hub.handle = (_request, response) => {
      response.writeHead(200, { "content-length": weights.length });
      response.write(weights.subarray(0, weights.length - 40), () => response.socket?.destroy());
    };
    const message = await failure(locateWeights(REPO, { progress: false }));
    expect(message).toMatch(/truncated download.*of \d+ bytes/);
    expect(message).toContain(`${hub.url}${FILE_PATH}`);
    expect(filesUnder(cache)).toEqual([]);
  });

  it("rejects a short body without Content-Length through the safetensors header's size", async () => {
    hub.handle = (_request, response) => {
      response.writeHead(200);
      response.end(weights.subarray(0, weights.length - 40));
    };
    const message = await failure(locateWeights(REPO, { progress: false }));
    expect(message).toMatch(/truncated: \d+ bytes, the header describes \d+\. The download was discarded/);
    expect(filesUnder(cache)).toEqual([]);
  });

  it("rejects a file whose safetensors header is bad, leaving the cache empty", async () => {
    const junk = Buffer.from("<html>rate limited</html>".padEnd(300, " "));
    hub.handle = (_request, response) => response.writeHead(200, { "content-length": junk.length }).end(junk);
    const message = await failure(locateWeights(REPO, { progress: false }));
    expect(message).toMatch(/not a safetensors file.*nothing was cached/);
    expect(filesUnder(cache)).toEqual([]);
  });

  it("stops a slow download on abort and removes the partial file", async () => {
    hub.handle = (_request, response) => {
      response.writeHead(200, { "content-length": weights.length });
      response.write(weights.subarray(0, 100)); // then nothing more
    };
    const controller = new AbortController();
    const running = locateWeights(REPO, { progress: false, signal: controller.signal, timeoutS: 600 });
    const folder = join(cache, "hub", "models--timm--tiny_test.d1_in1k", "main");
    // Abort once the partial file is being written.
    while (!filesUnder(folder).some((name) => name.endsWith(".part"))) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(await failure(running)).toContain(`Download of ${hub.url}${FILE_PATH} was interrupted; nothing was cached.`);
    expect(filesUnder(cache)).toEqual([]);
  });

  it("gives up on a stalled download after HF_HUB_DOWNLOAD_TIMEOUT seconds", async () => {
    process.env.HF_HUB_DOWNLOAD_TIMEOUT = "0.5";
    hub.handle = (_request, response) => {
      response.writeHead(200, { "content-length": weights.length });
      response.write(weights.subarray(0, 100));
    };
    const message = await failure(locateWeights(REPO, { progress: false }));
    expect(message).toContain(`${hub.url}${FILE_PATH}: stalled, no data for 0.5 s (HF_HUB_DOWNLOAD_TIMEOUT)`);
    expect(message).toContain(`put it at ${expectedCachePath()}`);
    expect(filesUnder(cache)).toEqual([]);
  });

  it("gives up on a server that never answers", async () => {
    hub.handle = () => {}; // headers never come
    const message = await failure(locateWeights(REPO, { progress: false, timeoutS: 0.5 }));
    expect(message).toContain("no response for 0.5 s");
    expect(filesUnder(cache)).toEqual([]);
  });

  it("rejects a bad HF_HUB_DOWNLOAD_TIMEOUT, timeoutS or HF_ENDPOINT in one line, before any request", async () => {
    process.env.HF_HUB_DOWNLOAD_TIMEOUT = "soon";
    expect(await failure(locateWeights(REPO, { progress: false }))).toBe('HF_HUB_DOWNLOAD_TIMEOUT must be a positive number of seconds; got "soon".');
    expect(await failure(locateWeights(REPO, { progress: false, timeoutS: -1 }))).toBe("The timeoutS option must be a positive number of seconds; got -1.");
    process.env.HF_ENDPOINT = "huggingface.co";
    expect(await failure(locateWeights(REPO, { progress: false }))).toBe('HF_ENDPOINT must be an http(s) URL such as https://huggingface.co; got "huggingface.co".');
    expect(await failure(locateWeights(REPO, { progress: false, endpoint: "ftp://mirror" }))).toBe('The endpoint option must be an http(s) URL such as https://huggingface.co; got "ftp://mirror".');
    expect(hub.requests).toHaveLength(0);
    expect(filesUnder(cache)).toEqual([]);
  });

  it("with HF_HUB_OFFLINE uses the cache, and without a cached file names where it should be", async () => {
    process.env.HF_HUB_OFFLINE = "1";
    const message = await failure(locateWeights(REPO, { progress: false }));
    expect(message).toBe(`HF_HUB_OFFLINE is set and ${REPO} is not cached: expected at ${expectedCachePath()} (download ${hub.url}${FILE_PATH} elsewhere and put it there, or unset HF_HUB_OFFLINE).`);
    expect(hub.requests).toHaveLength(0);
    // A file placed there by hand is used, with no request.
    mkdirSync(join(expectedCachePath(), ".."), { recursive: true });
    writeFileSync(expectedCachePath(), weights);
    expect(await locateWeights(REPO, { progress: false })).toBe(expectedCachePath());
    expect(hub.requests).toHaveLength(0);
  });

  it("uses a file that huggingface_hub already downloaded (HF_HUB_CACHE or HF_HOME/hub), without a request", async () => {
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const home = mkdtempSync(join(tmpdir(), "tc-hf-home-"));
    const repoDir = join(home, "hub", "models--timm--tiny_test.d1_in1k");
    mkdirSync(join(repoDir, "refs"), { recursive: true });
    mkdirSync(join(repoDir, "snapshots", commit), { recursive: true });
    writeFileSync(join(repoDir, "refs", "main"), commit);
    writeFileSync(join(repoDir, "snapshots", commit, "model.safetensors"), weights);
    delete process.env.HF_HUB_CACHE;
    process.env.HF_HOME = home;
    process.env.HF_HUB_OFFLINE = "1";
    expect(await locateWeights(REPO, { progress: false })).toBe(join(repoDir, "snapshots", commit, "model.safetensors"));
    expect(await locateWeights(`${REPO}@${commit}`, { progress: false })).toBe(join(repoDir, "snapshots", commit, "model.safetensors"));
    process.env.HF_HUB_CACHE = join(home, "hub");
    delete process.env.HF_HOME;
    expect(await locateWeights(REPO, { progress: false })).toBe(join(repoDir, "snapshots", commit, "model.safetensors"));
    // Another revision is not there: offline, it fails naming tensorcell's cache path.
    expect(await failure(locateWeights(`${REPO}@v2`, { progress: false }))).toMatch(/^HF_HUB_OFFLINE is set and timm\/tiny_test\.d1_in1k@v2 is not cached/);
    expect(hub.requests).toHaveLength(0);
    expect(filesUnder(cache)).toEqual([]);
  });

  it("sends HF_TOKEN to the hub, across a same-host redirect, but not to the CDN host it redirects to", async () => {
    process.env.HF_TOKEN = "hf_test_token";
    hub.handle = (request, response) => {
      if (request.url === FILE_PATH) return response.writeHead(302, { location: "/api/resolve-cache/model.safetensors" }).end();
      response.writeHead(302, { location: `http://localhost:${cdn.port}/repos/ab/cd/model.safetensors?signature=x` }).end();
    };
    cdn.handle = (_request, response) => response.writeHead(200, { "content-length": weights.length }).end(weights);
    const path = await locateWeights(REPO, { progress: false });
    expect(readFileSync(path).equals(weights)).toBe(true);
    expect(hub.requests).toEqual([
      { path: FILE_PATH, authorization: "Bearer hf_test_token" },
      { path: "/api/resolve-cache/model.safetensors", authorization: "Bearer hf_test_token" },
    ]);
    expect(cdn.requests).toEqual([{ path: "/repos/ab/cd/model.safetensors?signature=x", authorization: undefined }]);
  });

  it("names the hub URL (not the signed CDN address) when the CDN stalls, and stops a redirect loop", async () => {
    hub.handle = (_request, response) => response.writeHead(302, { location: `http://localhost:${cdn.port}/signed?sig=abc` }).end();
    cdn.handle = (_request, response) => {
      response.writeHead(200, { "content-length": weights.length });
      response.write(weights.subarray(0, 10));
    };
    const stalled = await failure(locateWeights(REPO, { progress: false, timeoutS: 0.5 }));
    expect(stalled).toContain(`Cannot download ${hub.url}${FILE_PATH}: stalled, no data for 0.5 s from localhost:${cdn.port}`);
    expect(stalled).not.toContain("sig=abc");
    hub.handle = (_request, response) => response.writeHead(302, { location: FILE_PATH }).end();
    expect(await failure(locateWeights(REPO, { progress: false }))).toBe(`${hub.url}${FILE_PATH}: more than 10 redirects.`);
    expect(filesUnder(cache)).toEqual([]);
  });

  it("sends the token that huggingface-cli login saved (HF_HOME/token, HF_TOKEN_PATH) when HF_TOKEN is unset", async () => {
    writeFileSync(join(process.env.HF_HOME!, "token"), "hf_from_login\n");
    await locateWeights(REPO, { progress: false, cacheDir: join(cache, "a") });
    const other = join(process.env.HF_HOME!, "other-token");
    writeFileSync(other, "hf_from_path");
    process.env.HF_TOKEN_PATH = other;
    await locateWeights(REPO, { progress: false, cacheDir: join(cache, "b") });
    process.env.HF_TOKEN = "hf_from_env";
    await locateWeights(REPO, { progress: false, cacheDir: join(cache, "c") });
    expect(hub.requests.map((r) => r.authorization)).toEqual(["Bearer hf_from_login", "Bearer hf_from_path", "Bearer hf_from_env"]);
  });

  it("fails at once when the connection is refused, naming the URL and where to put the file by hand", async () => {
    const closed = createServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, "127.0.0.1", () => resolve((closed.address() as { port: number }).port)));
    await new Promise((resolve) => closed.close(resolve));
    process.env.HF_ENDPOINT = `http://127.0.0.1:${port}/`;
    const message = await failure(locateWeights(REPO, { progress: false, timeoutS: 600 }));
    expect(message).toBe(`Cannot download http://127.0.0.1:${port}${FILE_PATH}: connection refused. Without network, download it elsewhere and put it at ${expectedCachePath()}, or pass a local path.`);
    expect(filesUnder(cache)).toEqual([]);
  });
});

describe("locateWeights from local files", () => {
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), "tc-local-weights-"));
  });

  it("returns a .safetensors file as given (absolute)", async () => {
    const file = join(folder, "weights.safetensors");
    writeFileSync(file, weights);
    expect(await locateWeights(file)).toBe(file);
    expect(hub.requests).toHaveLength(0);
  });

  it("finds the one .safetensors file of a folder, or its model.safetensors among several", async () => {
    writeFileSync(join(folder, "only.safetensors"), weights);
    writeFileSync(join(folder, "config.json"), "{}");
    expect(await locateWeights(folder)).toBe(join(folder, "only.safetensors"));
    writeFileSync(join(folder, "model.safetensors"), weights);
    expect(await locateWeights(folder)).toBe(join(folder, "model.safetensors"));
  });

  it("finds a linked file in a folder (huggingface_hub's snapshot folders link to blobs)", async () => {
    mkdirSync(join(folder, "blobs"));
    mkdirSync(join(folder, "snapshot"));
    writeFileSync(join(folder, "blobs", "abc123"), weights);
    symlinkSync(join("..", "blobs", "abc123"), join(folder, "snapshot", "model.safetensors"));
    expect(await locateWeights(join(folder, "snapshot"))).toBe(join(folder, "snapshot", "model.safetensors"));
  });

  it("rejects a folder with none or several .safetensors files", async () => {
    expect(await failure(locateWeights(folder))).toBe(`The folder ${folder} holds no .safetensors file.`);
    writeFileSync(join(folder, "a.safetensors"), weights);
    writeFileSync(join(folder, "b.safetensors"), weights);
    expect(await failure(locateWeights(folder))).toBe(`The folder ${folder} holds several .safetensors files (a.safetensors, b.safetensors) and no model.safetensors: pass the file itself.`);
  });

  it("rejects a missing path, a non-safetensors file, and a source that is neither", async () => {
    expect(await failure(locateWeights(join(folder, "nope.safetensors")))).toBe(`No such file or folder: ${join(folder, "nope.safetensors")}.`);
    expect(await failure(locateWeights("./missing/folder"))).toMatch(/^No such file or folder: .*missing\/folder\.$/);
    const pth = join(folder, "model.pth");
    writeFileSync(pth, "x");
    expect(await failure(locateWeights(pth))).toMatch(/model\.pth is not a \.safetensors file/);
    expect(await failure(locateWeights("not a repo"))).toBe('"not a repo" is neither an existing file or folder nor a hub id ("org/name" or "org/name@revision").');
    expect(await failure(locateWeights("timm/x@"))).toMatch(/is neither an existing file/);
    expect(await failure(locateWeights(""))).toMatch(/^locateWeights expects a hub id/);
    expect(hub.requests).toHaveLength(0);
  });
});

describe("hub ids and progress text", () => {
  it("parses repo@revision, timm's hf-hub: prefix and model names with default weights", () => {
    expect(parseHubSource("timm/convnext_atto.d2_in1k")).toEqual({ repo: "timm/convnext_atto.d2_in1k", revision: "main", filename: "model.safetensors" });
    expect(parseHubSource("hf-hub:org/name@v1.0")).toEqual({ repo: "org/name", revision: "v1.0", filename: "model.safetensors" });
    expect(parseHubSource("resnet18")).toEqual({ repo: "timm/resnet18.a1_in1k", revision: "main", filename: "model.safetensors" });
    expect(parseHubSource("no_such_model")).toBeUndefined();
    expect(parseHubSource("org/../x")).toBeUndefined();
    expect(parseHubSource("org/name@..")).toBeUndefined();
    expect(parseHubSource("org/name@refs/../x")).toBeUndefined();
    expect(parseHubSource("org/name@v1.0/rc")).toEqual({ repo: "org/name", revision: "v1.0/rc", filename: "model.safetensors" });
    expect(hubCachePath({ repo: "org/name", revision: "main", filename: "model.safetensors" }, "/c")).toBe("/c/hub/models--org--name/main/model.safetensors");
  });

  it("draws a throttled line on a terminal and two lines in a log", () => {
    const tty = { text: "", isTTY: true, write(t: string) { this.text += t; } };
    const bar = streamProgress("org/name", tty);
    bar.update(1000, 4000);
    bar.update(2000, 4000); // within 250 ms of the first: skipped
    bar.finish("org/name: done");
    expect(tty.text.split("\r\u001b[2K")).toHaveLength(3);
    expect(tty.text).toMatch(/^\r\u001b\[2Korg\/name: 1.00 kB of 4.00 kB \(25%\)/);
    expect(tty.text.endsWith("\r\u001b[2Korg/name: done\n")).toBe(true);
    const log = { text: "", write(t: string) { this.text += t; } };
    const plain = streamProgress("org/name", log);
    plain.update(10, 28_600_000);
    plain.update(20, 28_600_000);
    plain.finish("org/name: done");
    expect(log.text).toBe("org/name: downloading 28.6 MB\norg/name: done\n");
    const never = { text: "", write(t: string) { this.text += t; } };
    streamProgress("org/name", never).fail("download failed: refused"); // nothing shown yet: the error says it all
    expect(never.text).toBe("");
    const started = { text: "", write(t: string) { this.text += t; } };
    const cut = streamProgress("org/name", started);
    cut.update(10, 100);
    cut.fail("download failed after 10 B: cut off");
    expect(started.text).toBe("org/name: downloading 100 B\ndownload failed after 10 B: cut off\n");
    expect(formatBytes(999)).toBe("999 B");
  });
});

describe("tensorcell run's progress line", () => {
  it("shows a progress display's text on a terminal in place of the cell label, and its last text as a line", () => {
    const tty = { text: "", isTTY: true, write(t: string) { this.text += t; } };
    const progress = new Progress(2, tty);
    progress.start(1, "cell 1 (`await locateWeights(...)`)");
    progress.detail("org/name: 1.00 kB of 4.00 kB (25%), 2.00 kB/s");
    progress.detail("org/name: 4.00 kB downloaded in 2.0 s to /c/model.safetensors", true);
    expect(tty.text).toContain("\r\u001b[2K[....................] cell 1 of 2: org/name: 1.00 kB of 4.00 kB (25%), 2.00 kB/s");
    expect(tty.text.endsWith("\norg/name: 4.00 kB downloaded in 2.0 s to /c/model.safetensors\n")).toBe(true);
    const log = { text: "", write(t: string) { this.text += t; } };
    const logged = new Progress(1, log);
    logged.detail("org/name: 1.00 kB of 4.00 kB (25%), 2.00 kB/s");
    logged.detail("org/name: done", true);
    expect(log.text).toBe("org/name: done\n");
    const quiet = { text: "", write(t: string) { this.text += t; } };
    new Progress(1, quiet, false).detail("org/name: done", true);
    expect(quiet.text).toBe("");
    expect(progressDisplay("update_display_data", { data: { "text/plain": "x" }, metadata: { "tensorcell/progress": true }, transient: { display_id: "d" } })).toEqual({ id: "d", text: "x" });
    expect(progressDisplay("display_data", { data: { "text/plain": "x" }, metadata: {}, transient: { display_id: "d" } })).toBeUndefined();
  });
});
