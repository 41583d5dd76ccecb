/**
 * The JupyterLab output page (lab-page/) open in headless Chromium on
 * jupyter-server's origin, connected to a tensorcell kernel: bundle, server,
 * browser and page set up and torn down in one place for browser tests.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { buildLabPage } from "./lab-page/build.js";
import type { AreaReport, CellRun, LabPage } from "./lab-page/protocol.js";
import { createSandbox, startJupyter, type JupyterSandbox, type RunningJupyter } from "./jupyter-harness.js";

// Responses from Playwright (route.fulfill) have no IP address space, so Chromium's Local
// Network Access checks would block the page's WebSocket to 127.0.0.1: those checks are off.
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-features=LocalNetworkAccessChecks",
];
const CONTENT_TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

type Window = { tensorcellLab: LabPage };
declare const window: unknown;

/** An open page with its kernel session. */
export interface LabSession {
  page: Page;
  /** Errors the page reported (pageerror, console.error). */
  problems: string[];
  /** Resolves with the kernel's name once the page's session is up. */
  ready(timeoutMs: number): Promise<string>;
  /** Runs `code` into a new output area named `id`. */
  run(id: string, code: string): Promise<CellRun>;
  /** What the output area of `id` shows. */
  report(id: string): Promise<AreaReport>;
  /** `promise`, or an error with the page's problems and the server log after `ms`. */
  within<T>(promise: Promise<T>, ms: number, what: string): Promise<T>;
  close(): Promise<void>;
}

/** Bundles the page, starts jupyter-server (kernel on wasm) and Chromium, and opens the page. */
export async function openLabSession(name: string): Promise<LabSession> {
  const pageDir = mkdtempSync(join(tmpdir(), "tensorcell-lab-page-"));
  const userDataDir = mkdtempSync(join(tmpdir(), "tensorcell-chromium-"));
  let sandbox: JupyterSandbox | undefined;
  let jupyter: RunningJupyter | undefined;
  let context: BrowserContext | undefined;
  const problems: string[] = [];
  const close = async () => {
    try {
      await context?.pages()[0]?.evaluate(() => (window as Window).tensorcellLab.shutdown()).catch(() => undefined);
      await context?.close();
    } finally {
      rmSync(userDataDir, { recursive: true, force: true });
      rmSync(pageDir, { recursive: true, force: true });
      await jupyter?.stop();
      sandbox?.dispose();
    }
  };
  try {
    await buildLabPage(pageDir);
    sandbox = createSandbox(name);
    jupyter = await startJupyter("server", sandbox, { TENSORCELL_BACKEND: "wasm" });
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console: ${message.text()}`);
    });
    const server = jupyter;
    // Routed for the whole browser context, so a second page (a frontend opened later) gets it too.
    await context.route(`${server.baseUrl}tensorcell-lab/**`, (route) => {
      const file = new URL(route.request().url()).pathname.split("/").pop()!;
      return route.fulfill({ body: readFileSync(join(pageDir, file)), contentType: CONTENT_TYPES[extname(file)] ?? "application/octet-stream" });
    });
    await page.goto(`${server.baseUrl}tensorcell-lab/index.html?token=${server.token}`, { waitUntil: "load", timeout: 60_000 });
    const within = async <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s; the page reported:\n${problems.join("\n")}\nserver log:\n${server.log().slice(-2000)}`)), ms);
      });
      try {
        return await Promise.race([promise, timeout]);
      } finally {
        clearTimeout(timer);
      }
    };
    return {
      page,
      problems,
      ready: (ms) => within(page.evaluate(() => (window as Window).tensorcellLab.ready), ms, "starting a session from the page"),
      run: (id, code) => page.evaluate(([cellId, cellCode]) => (window as Window).tensorcellLab.run(cellId, cellCode), [id, code] as const),
      report: (id) => page.evaluate((cellId) => (window as Window).tensorcellLab.report(cellId), id),
      within,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
