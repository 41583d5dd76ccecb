/**
 * One file over HTTP(S) into place, atomically: the body goes to a temp file
 * in the destination's folder, is size-checked against Content-Length,
 * fsynced, checked by the caller's `verify`, and only then renamed over the
 * destination. On any failure (HTTP error, timeout, abort, short body, bad
 * content) the temp file is removed, so the destination is either absent or
 * whole (a temp file left by a killed process is removed by a later
 * download once it is an hour old). Redirects are followed; the token only goes to the origin it was
 * meant for (the hub redirects file downloads to a CDN host).
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from "node:fs/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { basename, dirname, join } from "node:path";
import { WeightsError } from "./errors.js";
import { formatBytes, type DownloadProgress } from "./progress.js";

const MAX_REDIRECTS = 10;

/** A temp file untouched this long belongs to a process that died mid-download (a live one writes or times out). */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** Removes temp files of `destination` left by killed processes. */
async function removeStaleTemps(folder: string, destination: string): Promise<void> {
  const prefix = `.${basename(destination)}.`;
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".part")) continue;
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_TEMP_MS) await rm(path, { force: true });
  }
}

/** Options of downloadFile. */
export interface DownloadFileOptions {
  /** Bearer token, sent to the first URL's origin only. */
  token?: string;
  /** Milliseconds without progress (connecting, waiting for headers, between body bytes) before giving up. */
  timeoutMs: number;
  /** Aborts the download (the temp file is removed). */
  signal?: AbortSignal;
  /** Where progress is shown. */
  progress: DownloadProgress;
  /** Checks the complete temp file (path, byte size) before it replaces the destination; throws to reject it. */
  verify?: (path: string, size: number) => Promise<void>;
  /** Text for errors where the network is unreachable: how to get the file by hand. */
  manualHint?: string;
  /** User-Agent header. */
  userAgent?: string;
  /** Host name lookup (Node's dns.lookup by default). */
  lookup?: http.RequestOptions["lookup"];
}

/** Why a request was stopped by this module (the socket error that follows is replaced by it). */
class Stopped extends Error {}

/** One-line reason for a network error code. */
function networkReason(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED": return "connection refused";
    case "ENOTFOUND": case "EAI_AGAIN": return "host not found (no network, or a wrong HF_ENDPOINT)";
    case "ENETUNREACH": case "EHOSTUNREACH": return "network unreachable";
    case "ECONNRESET": return "connection reset";
    default: return (error.message || String(error.code)).split("\n")[0]!;
  }
}

function statusError(url: string, response: IncomingMessage, tokenSent: boolean): WeightsError {
  const status = response.statusCode ?? 0;
  const code = response.headers["x-error-code"];
  const detail = typeof code === "string" ? ` [${code}]` : "";
  if (status === 401) {
    return new WeightsError(`${url}: HTTP 401${detail}: the repository does not exist or needs a token; ${tokenSent ? "HF_TOKEN was sent and is not accepted" : "set HF_TOKEN for private or gated repositories"}.`);
  }
  if (status === 403) return new WeightsError(`${url}: HTTP 403${detail}: access denied (a gated repository: accept its terms on the hub with the account of HF_TOKEN).`);
  if (status === 404) return new WeightsError(`${url}: HTTP 404${detail}: not found (check the repository id, the revision and the file name).`);
  return new WeightsError(`${url}: HTTP ${status} ${response.statusMessage ?? ""}${detail}`.trimEnd() + ".");
}

/** A live request whose socket can be stopped with a reason (timeout, abort). */
interface Pending {
  /** Appended to timeout errors: how to get the file by hand. */
  hint: string;
  request?: http.ClientRequest;
  stopped?: Error;
}

function stop(pending: Pending, reason: Error): void {
  if (pending.stopped) return;
  pending.stopped = reason;
  pending.request?.destroy(new Stopped(reason.message));
}

/** Sends a GET and resolves with the response headers (the body unread); errors name `label` (the URL asked for, not a signed CDN address). */
function get(url: URL, label: string, headers: Record<string, string>, options: DownloadFileOptions, pending: Pending): Promise<IncomingMessage> {
  const { timeoutMs } = options;
  return new Promise((resolve, reject) => {
    if (pending.stopped) return reject(pending.stopped);
    const client = url.protocol === "https:" ? https : url.protocol === "http:" ? http : undefined;
    if (!client) return reject(new WeightsError(`${label}: redirected to an unsupported protocol ${url.protocol} (http or https only).`));
    // agent: false: no pooled keep-alive socket outlives the download.
    let responded = false;
    let connected = false;
    const timedOut = () => {
      const seconds = timeoutMs / 1000;
      const what = responded ? `stalled, no data for ${seconds} s` : connected ? `no response for ${seconds} s` : `no connection within ${seconds} s`;
      const via = url.host === new URL(label).host ? "" : ` from ${url.host}`;
      stop(pending, new WeightsError(`Cannot download ${label}: ${what}${via} (HF_HUB_DOWNLOAD_TIMEOUT).${pending.hint}`));
    };
    // The socket's idle timeout starts once it connects; this timer covers the host lookup before that.
    const connecting = setTimeout(timedOut, timeoutMs);
    const request = client.get(url, { headers, agent: false, timeout: timeoutMs, lookup: options.lookup }, (response) => {
      responded = true;
      resolve(response);
    });
    pending.request = request;
    request.on("socket", (socket) => socket.once("connect", () => {
      connected = true;
      clearTimeout(connecting);
    }));
    request.on("timeout", timedOut);
    request.on("close", () => clearTimeout(connecting));
    request.on("error", (error) => {
      clearTimeout(connecting);
      reject(pending.stopped ?? error);
    });
  });
}

/**
 * Downloads `url` to `destination` (folders created) and returns the byte
 * size. Throws WeightsError with a one-line message that names the URL.
 */
export async function downloadFile(url: string, destination: string, options: DownloadFileOptions): Promise<number> {
  const { signal, progress } = options;
  const pending: Pending = { hint: options.manualHint ? ` ${options.manualHint}` : "" };
  const onAbort = () => stop(pending, new WeightsError(`Download of ${url} was interrupted; nothing was cached.`));
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort, { once: true });
  const folder = dirname(destination);
  const temp = join(folder, `.${basename(destination)}.${process.pid}-${randomBytes(4).toString("hex")}.part`);
  let file: FileHandle | undefined;
  let received = 0;
  let total: number | undefined;
  try {
    const response = await follow(url, options, pending);
    const length = response.headers["content-length"];
    total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
    await mkdir(folder, { recursive: true });
    await removeStaleTemps(folder, destination);
    file = await open(temp, "wx");
    progress.update(0, total);
    try {
      for await (const chunk of response as AsyncIterable<Buffer>) {
        await file.write(chunk);
        received += chunk.length;
        progress.update(received, total);
      }
    } catch (error) {
      if (pending.stopped) throw pending.stopped;
      const of = total !== undefined ? ` of ${total}` : "";
      throw new WeightsError(`${url}: truncated download: the connection broke after ${received}${of} bytes (${networkReason(error as NodeJS.ErrnoException)}); nothing was cached.`);
    }
    if (pending.stopped) throw pending.stopped;
    if (total !== undefined && received !== total) {
      throw new WeightsError(`${url}: truncated download: ${received} bytes received, Content-Length says ${total}; nothing was cached.`);
    }
    await file.sync();
    await file.close();
    file = undefined;
    await options.verify?.(temp, received);
    await rename(temp, destination);
    return received;
  } catch (error) {
    await file?.close().catch(() => {});
    await rm(temp, { force: true });
    const failed = error instanceof WeightsError ? error : describe(url, error, options.manualHint);
    progress.fail(`download failed${received > 0 ? ` after ${formatBytes(received)}` : ""}: ${failed.message}`);
    throw failed;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    pending.request?.destroy();
  }
}

/** A request error as a one-line WeightsError naming the URL (and, for network failures, the manual route). */
function describe(url: string, error: unknown, manualHint?: string): WeightsError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code ? networkReason(error as NodeJS.ErrnoException) : (error as Error).message?.split("\n")[0] ?? String(error);
  return new WeightsError(`Cannot download ${url}: ${reason}.${manualHint ? ` ${manualHint}` : ""}`);
}

/** GETs `url`, following redirects; resolves with the final 200 response. */
async function follow(url: string, options: DownloadFileOptions, pending: Pending): Promise<IncomingMessage> {
  const origin = new URL(url).origin;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { "user-agent": options.userAgent ?? "tensorcell" };
    const tokenSent = Boolean(options.token) && current.origin === origin;
    if (tokenSent) headers.authorization = `Bearer ${options.token}`;
    const response = await get(current, url, headers, options, pending);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.destroy();
      if (hop === MAX_REDIRECTS) throw new WeightsError(`${url}: more than ${MAX_REDIRECTS} redirects.`);
      current = new URL(response.headers.location, current);
      continue;
    }
    if (status !== 200) {
      response.destroy();
      throw statusError(url, response, tokenSent);
    }
    return response;
  }
}
