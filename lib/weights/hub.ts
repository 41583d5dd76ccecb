/**
 * Finding a weights file: a local .safetensors file or folder, or a Hugging
 * Face hub repository downloaded once into the cache. See cache.ts for the
 * environment variables, download.ts for the transfer itself.
 */
import { existsSync } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { host } from "../display/host.js";
import { cacheRoot, checkedEndpoint, expandHome, huggingfaceCachedFile, hubCachePath, hubEndpoint, hubFileUrl, hubOffline, hubTimeoutS, hubToken, type HubFile } from "./cache.js";
import { downloadFile } from "./download.js";
import { WeightsError } from "./errors.js";
import { PRETRAINED_CONFIGS } from "./pretrained-configs.js";
import { downloadProgress, formatBytes, silentProgress } from "./progress.js";
import { readSafetensorsHeader, SafetensorsError } from "./safetensors.js";

export { WeightsError } from "./errors.js";

/** Options of locateWeights; each environment variable it reads can be overridden here. */
export interface LocateWeightsOptions {
  /** Stops a download (the partial file is removed). In a kernel cell, an interrupt stops it as well. */
  signal?: AbortSignal;
  /** File to fetch from a hub repository (default "model.safetensors"). */
  filename?: string;
  /** Cache folder (default: TENSORCELL_CACHE, else ~/.cache/tensorcell). */
  cacheDir?: string;
  /** Hub address (default: HF_ENDPOINT, else https://huggingface.co). */
  endpoint?: string;
  /** Token for gated or private repositories (default: HF_TOKEN); never printed. */
  token?: string;
  /** Cache only, no network (default: HF_HUB_OFFLINE). */
  offline?: boolean;
  /** Seconds without progress before a download gives up (default: HF_HUB_DOWNLOAD_TIMEOUT, else 10). */
  timeoutS?: number;
  /** Show download progress (default true): a display in a kernel cell, stderr elsewhere. */
  progress?: boolean;
}

/** Hub repository ids: "org/name", letters, digits, "-", "_" and "." (the hub's rule). */
const REPO_ID = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;

/** A source string as a hub file, or undefined when it does not look like a hub id. */
export function parseHubSource(source: string, filename = "model.safetensors"): HubFile | undefined {
  const id = source.startsWith("hf-hub:") ? source.slice("hf-hub:".length) : source;
  const at = id.indexOf("@");
  const repo = at < 0 ? id : id.slice(0, at);
  const revision = at < 0 ? "main" : id.slice(at + 1);
  const revisionOk = /^[\w./-]+$/.test(revision) && !/(^|\/)\.\.?(\/|$)/.test(revision);
  if (REPO_ID.test(repo) && !repo.includes("..") && revisionOk) return { repo, revision, filename };
  if (at < 0 && Object.hasOwn(PRETRAINED_CONFIGS, id)) return { repo: PRETRAINED_CONFIGS[id]!.hubId, revision: "main", filename };
  return undefined;
}

/** Whether a source is meant as a path (never a hub id). */
function looksLikePath(source: string): boolean {
  return /^(\.{1,2}|~)?[\\/]/.test(source) || source === "." || source === ".." || source === "~" || /\.safetensors$/i.test(source) || /^[A-Za-z]:[\\/]/.test(source);
}

/** A local file or folder as a .safetensors path; throws WeightsError with one line. */
async function localWeights(source: string, path: string): Promise<string> {
  const info = await stat(path);
  if (info.isFile()) {
    if (!/\.safetensors$/i.test(path)) throw new WeightsError(`${source} is not a .safetensors file (tensorcell reads safetensors weights; convert PyTorch .pth/.bin files with safetensors' save_file).`);
    return path;
  }
  if (!info.isDirectory()) throw new WeightsError(`${source} is neither a file nor a folder.`);
  // Symbolic links count: huggingface_hub's snapshot folders link to its blobs.
  const names = (await readdir(path, { withFileTypes: true })).filter((e) => (e.isFile() || e.isSymbolicLink()) && /\.safetensors$/i.test(e.name)).map((e) => e.name).sort();
  if (names.includes("model.safetensors")) return resolve(path, "model.safetensors");
  if (names.length === 1) return resolve(path, names[0]!);
  if (names.length === 0) throw new WeightsError(`The folder ${source} holds no .safetensors file.`);
  const shown = names.slice(0, 4).join(", ") + (names.length > 4 ? `, ... (${names.length} in all)` : "");
  throw new WeightsError(`The folder ${source} holds several .safetensors files (${shown}) and no model.safetensors: pass the file itself.`);
}

/** Checks a downloaded file's safetensors header against its size (before it enters the cache). */
async function checkSafetensors(path: string, size: number, source: string): Promise<void> {
  const file = await open(path, "r");
  try {
    const first = Buffer.alloc(Math.min(8, size));
    await file.read(first, 0, first.length, 0);
    const headerLength = first.length === 8 ? first.readBigUInt64LE(0) : 0n;
    // An absurd length is rejected from the first 8 bytes; otherwise read the whole header.
    const want = headerLength > 100_000_000n ? 8 : Math.min(size, 8 + Number(headerLength));
    const head = Buffer.alloc(want);
    await file.read(head, 0, want, 0);
    readSafetensorsHeader(head, source, size);
  } catch (error) {
    if (error instanceof SafetensorsError) throw new WeightsError(`${error.message} The download was discarded; nothing was cached.`);
    throw error;
  } finally {
    await file.close();
  }
}

/**
 * Returns a local .safetensors path for `source`, downloading it when needed:
 * - a hub id, "org/name" or "org/name@revision" (e.g. "timm/convnext_atto.d2_in1k"),
 *   or a model name with timm's default weights ("resnet18"): the file
 *   {endpoint}/{repo}/resolve/{revision}/model.safetensors, cached under
 *   <cache>/hub/models--org--name/<revision>/ and used from there without network afterwards
 *   (a copy that huggingface_hub already downloaded, in HF_HUB_CACHE or HF_HOME/hub, is used in place);
 * - a local .safetensors file;
 * - a folder holding model.safetensors, or exactly one .safetensors file.
 * An existing file or folder wins over a hub id of the same name.
 *
 * Environment: HF_ENDPOINT, HF_TOKEN (sent as a Bearer token to the hub only,
 * never to the CDN it redirects to), HF_HUB_OFFLINE=1 (cache only),
 * HF_HUB_DOWNLOAD_TIMEOUT (seconds without progress, default 10), TENSORCELL_CACHE.
 * A download shows progress, lands atomically, is checked (size, safetensors
 * header) before it is cached, and stops on `signal` or a cell interrupt.
 * Every failure is a WeightsError with one line naming the URL or path.
 * @example const path = await tensorcell.locateWeights("timm/resnet18.a1_in1k");
 */
export async function locateWeights(source: string, options: LocateWeightsOptions = {}): Promise<string> {
  if (typeof source !== "string" || source.trim() === "") throw new WeightsError(`locateWeights expects a hub id ("org/name"), a .safetensors file or a folder; got ${JSON.stringify(source) ?? String(source)}.`);
  const path = resolve(expandHome(source));
  if (existsSync(path)) return localWeights(source, path);
  const hubFile = looksLikePath(source) ? undefined : parseHubSource(source, options.filename);
  if (!hubFile) {
    throw new WeightsError(looksLikePath(source)
      ? `No such file or folder: ${path}.`
      : `"${source}" is neither an existing file or folder nor a hub id ("org/name" or "org/name@revision").`);
  }
  return hubWeights(hubFile, options);
}

/** The cached path of a hub file, downloading it first when it is not cached. */
async function hubWeights(file: HubFile, options: LocateWeightsOptions): Promise<string> {
  const cached = hubCachePath(file, options.cacheDir ? resolve(expandHome(options.cacheDir)) : cacheRoot());
  if (existsSync(cached)) return cached;
  const fromPython = huggingfaceCachedFile(file);
  if (fromPython) return fromPython;
  const url = hubFileUrl(file, options.endpoint !== undefined ? checkedEndpoint(options.endpoint, "The endpoint option") : hubEndpoint());
  const label = `${file.repo}${file.revision === "main" ? "" : `@${file.revision}`}`;
  if (options.offline ?? hubOffline()) {
    throw new WeightsError(`HF_HUB_OFFLINE is set and ${label} is not cached: expected at ${cached} (download ${url} elsewhere and put it there, or unset HF_HUB_OFFLINE).`);
  }
  const timeoutS = options.timeoutS ?? hubTimeoutS();
  if (!(Number.isFinite(timeoutS) && timeoutS > 0)) throw new WeightsError(`The timeoutS option must be a positive number of seconds; got ${String(timeoutS)}.`);
  const controller = new AbortController();
  const abort = () => controller.abort();
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener("abort", abort, { once: true });
  const unregister = host().onCellStop?.(abort);
  const progress = options.progress === false ? silentProgress : downloadProgress(label);
  const started = Date.now();
  try {
    const size = await downloadFile(url, cached, {
      token: options.token ?? hubToken(),
      timeoutMs: timeoutS * 1000,
      signal: controller.signal,
      progress,
      verify: (temp, bytes) => checkSafetensors(temp, bytes, url),
      manualHint: `Without network, download it elsewhere and put it at ${cached}, or pass a local path.`,
      userAgent: "tensorcell",
    });
    progress.finish(`${label}: ${formatBytes(size)} downloaded in ${((Date.now() - started) / 1000).toFixed(1)} s to ${cached}`);
    return cached;
  } finally {
    options.signal?.removeEventListener("abort", abort);
    unregister?.();
  }
}
