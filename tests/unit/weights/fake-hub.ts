/**
 * A loopback HTTP server that plays the Hugging Face hub (the client reaches
 * it through HF_ENDPOINT): each test installs a route handler and reads back
 * the requests it got. Also: a walk of a cache folder, to check that no
 * partial or corrupt file is left behind.
 */
import { readdirSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { writeSafetensors } from "../../../lib/weights/safetensors.js";

/** A request the server got. */
export interface SeenRequest {
  path: string;
  authorization?: string;
}

/** A running fake server. */
export interface FakeServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  requests: SeenRequest[];
  /** The handler for every request (replace it per test). */
  handle: (request: IncomingMessage, response: ServerResponse) => void;
  close(): Promise<void>;
}

/** Starts a server on `host` (127.0.0.1 by default; "" for every interface). */
export async function startFakeServer(host = "127.0.0.1"): Promise<FakeServer> {
  const sockets = new Set<import("node:net").Socket>();
  const fake: FakeServer = {
    url: "",
    port: 0,
    requests: [],
    handle: (_request, response) => response.writeHead(404).end(),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((request, response) => {
    fake.requests.push({ path: request.url ?? "", authorization: request.headers.authorization });
    fake.handle(request, response);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => (host ? server.listen(0, host, resolve) : server.listen(0, resolve)));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

/** A small valid safetensors file (one 8x8 float32 tensor). */
export function goodWeights(): Buffer {
  return Buffer.from(writeSafetensors({ "head.weight": { shape: [8, 8], data: Float32Array.from({ length: 64 }, (_, i) => i / 8) } }, { format: "pt" }));
}

/** Every file under `folder`, relative to it (hidden and .part files included). */
export function filesUnder(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(folder, path));
    }
  };
  walk(folder);
  return out.sort();
}
