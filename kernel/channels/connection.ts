/**
 * The connection file: which ports and key the frontend chose for us.
 * Every problem becomes a one-line ConnectionFileError naming what is wrong.
 */
import { readFileSync } from "node:fs";

/** A validated connection file. */
export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
}

/** The five channels, in the order the spec lists them. */
export const CHANNELS = ["shell", "control", "stdin", "iopub", "hb"] as const;
/** One of the five channels. */
export type Channel = (typeof CHANNELS)[number];

/** A connection file problem; the CLI prints its message as one line and exits 2. */
export class ConnectionFileError extends Error {}

/** Reads and validates a connection file. */
export function readConnectionFile(path: string): ConnectionInfo {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConnectionFileError(
      code === "ENOENT" ? `connection file not found: ${path}` : `cannot read connection file ${path}: ${code ?? String(error)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConnectionFileError(`connection file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return validateConnection(parsed, path);
}

/** Checks the fields of a parsed connection file and fills the spec's defaults. */
export function validateConnection(value: unknown, source = "connection file"): ConnectionInfo {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ConnectionFileError(`${source} must hold a JSON object`);
  }
  const raw = value as Record<string, unknown>;
  const transport = raw.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") {
    throw new ConnectionFileError(`${source}: unknown transport "${String(transport)}" (expected "tcp" or "ipc")`);
  }
  const ip = raw.ip ?? "127.0.0.1";
  if (typeof ip !== "string" || !ip) throw new ConnectionFileError(`${source}: "ip" must be a non-empty string`);
  const key = raw.key ?? "";
  if (typeof key !== "string") throw new ConnectionFileError(`${source}: "key" must be a string`);
  const scheme = raw.signature_scheme ?? "hmac-sha256";
  if (typeof scheme !== "string") throw new ConnectionFileError(`${source}: "signature_scheme" must be a string`);
  const ports = {} as Record<`${Channel}_port`, number>;
  for (const channel of CHANNELS) {
    const name = `${channel}_port` as const;
    const port = raw[name];
    if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConnectionFileError(`${source}: "${name}" must be a port number (0-65535), got ${JSON.stringify(port)}`);
    }
    ports[name] = port;
  }
  return { transport, ip, key, signature_scheme: scheme, ...ports };
}

/** The ZeroMQ endpoint of a channel; ipc paths follow jupyter_client's `<ip>-<port>` convention. */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}

/** Binds a socket to a channel's endpoint; rejects with one line naming the channel (e.g. a port in use). */
export async function bindChannel(socket: { bind(address: string): Promise<void> }, info: ConnectionInfo, channel: Channel): Promise<void> {
  const address = endpoint(info, channel);
  try {
    await socket.bind(address);
  } catch (error) {
    const reason = (error as Error).message.includes("in use") ? "address already in use" : (error as Error).message;
    throw new Error(`cannot bind the ${channel} channel to ${address}: ${reason}`);
  }
}
