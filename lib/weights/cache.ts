/**
 * Where downloaded weights live, and the environment variables that steer the
 * hub client (named as huggingface_hub names them, so one shell setup serves
 * both): HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, HF_HUB_DOWNLOAD_TIMEOUT, plus
 * TENSORCELL_CACHE for the cache folder. Files that huggingface_hub (timm,
 * transformers) already downloaded are found in its cache (HF_HUB_CACHE,
 * HF_HOME/hub, ~/.cache/huggingface/hub) and used in place.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { WeightsError } from "./errors.js";

/** A hub file: repository id ("org/name"), revision (branch, tag or commit) and file name. */
export interface HubFile {
  repo: string;
  revision: string;
  filename: string;
}

/** Default hub address (huggingface_hub's). */
export const DEFAULT_ENDPOINT = "https://huggingface.co";

/** Seconds without progress before a connection or download is given up (huggingface_hub's default). */
export const DEFAULT_TIMEOUT_S = 10;

/** Expands a leading "~" to the home folder. */
export function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}

/** The cache root: TENSORCELL_CACHE, else ~/.cache/tensorcell. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.TENSORCELL_CACHE?.trim();
  return resolve(configured ? expandHome(configured) : join(homedir(), ".cache", "tensorcell"));
}

/**
 * Where a hub file is cached: <root>/hub/models--org--name/<revision>/<filename>
 * (the revision is percent-encoded so "refs/pr/1" stays one folder).
 */
export function hubCachePath(file: HubFile, root = cacheRoot()): string {
  return join(root, "hub", `models--${file.repo.split("/").join("--")}`, encodeURIComponent(file.revision), file.filename);
}

/** The hub endpoint: HF_ENDPOINT without trailing slashes, else https://huggingface.co. Throws WeightsError for a value that is not an http(s) URL. */
export function hubEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return checkedEndpoint(env.HF_ENDPOINT?.trim() || DEFAULT_ENDPOINT, "HF_ENDPOINT");
}

/** An endpoint without trailing slashes, checked to be an http(s) URL (`what` names its origin in the error). */
export function checkedEndpoint(endpoint: string, what: string): string {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw new WeightsError(`${what} must be an http(s) URL such as ${DEFAULT_ENDPOINT}; got "${endpoint}".`);
  return endpoint.replace(/\/+$/, "");
}

/** The download URL, in the hub's layout: {endpoint}/{repo}/resolve/{revision}/{filename}. */
export function hubFileUrl(file: HubFile, endpoint = hubEndpoint()): string {
  return `${endpoint}/${file.repo}/resolve/${encodeURIComponent(file.revision)}/${file.filename.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * The token for gated or private repositories: HF_TOKEN, else the file that
 * `huggingface-cli login` wrote (HF_TOKEN_PATH, else HF_HOME/token, else
 * ~/.cache/huggingface/token); undefined when there is none.
 */
export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const token = env.HF_TOKEN?.trim();
  if (token) return token;
  const home = env.HF_HOME?.trim();
  const path = env.HF_TOKEN_PATH?.trim() || (home ? join(expandHome(home), "token") : join(homedir(), ".cache", "huggingface", "token"));
  try {
    return readFileSync(expandHome(path), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Whether HF_HUB_OFFLINE asks for cache-only operation ("1", "true", "yes", "on", any case). */
export function hubOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  return ["1", "true", "yes", "on"].includes((env.HF_HUB_OFFLINE ?? "").trim().toLowerCase());
}

/** Seconds without progress before giving up: HF_HUB_DOWNLOAD_TIMEOUT, else 10. Throws WeightsError for a value that is not a positive number. */
export function hubTimeoutS(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.HF_HUB_DOWNLOAD_TIMEOUT?.trim();
  if (!raw) return DEFAULT_TIMEOUT_S;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new WeightsError(`HF_HUB_DOWNLOAD_TIMEOUT must be a positive number of seconds; got "${raw}".`);
  return seconds;
}

/** huggingface_hub's cache folder: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function huggingfaceCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const hub = env.HF_HUB_CACHE?.trim();
  if (hub) return resolve(expandHome(hub));
  const home = env.HF_HOME?.trim();
  return resolve(home ? join(expandHome(home), "hub") : join(homedir(), ".cache", "huggingface", "hub"));
}

/**
 * The file in huggingface_hub's cache, when it holds it:
 * <root>/models--org--name/snapshots/<commit>/<filename>, the commit read from
 * refs/<revision> (or the revision itself when it is a commit hash).
 */
export function huggingfaceCachedFile(file: HubFile, root = huggingfaceCacheRoot()): string | undefined {
  const repoDir = join(root, `models--${file.repo.split("/").join("--")}`);
  let commit = /^[0-9a-f]{40}$/.test(file.revision) ? file.revision : undefined;
  if (!commit) {
    try {
      commit = readFileSync(join(repoDir, "refs", file.revision), "utf8").trim();
    } catch {
      return undefined;
    }
  }
  if (!/^[0-9a-f]{40}$/.test(commit)) return undefined;
  const path = join(repoDir, "snapshots", commit, ...file.filename.split("/"));
  return existsSync(path) ? path : undefined;
}
