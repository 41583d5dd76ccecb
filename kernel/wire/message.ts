/**
 * Jupyter messages as the kernel handles them, independent of sockets.
 * Spec: https://jupyter-client.readthedocs.io/en/latest/messaging.html (5.3+).
 */
import { randomUUID } from "node:crypto";

/** The protocol version this kernel implements and declares in every header. */
export const PROTOCOL_VERSION = "5.3";

/** A message header; every header we send carries all six fields (jupyter_kernel_test checks date and version). */
export interface Header {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
  [extra: string]: unknown;
}

/** A decoded message: what handlers receive and produce. */
export interface Message<C = Record<string, unknown>> {
  /** ZeroMQ routing identities (ROUTER sockets); replies go back with the requester's. */
  identities: Buffer[];
  header: Header;
  /** The request's header for replies and outputs; `{}` for unsolicited messages. */
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** Builds a fresh header for a message this kernel sends. */
export function makeHeader(msgType: string, session: string, username = "kernel"): Header {
  return {
    msg_id: randomUUID(),
    session,
    username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/** The reply type for a request type (`execute_request` -> `execute_reply`), as ipykernel derives it. */
export function replyType(requestType: string): string {
  return requestType.endsWith("_request") ? requestType.slice(0, -"_request".length) + "_reply" : `${requestType}_reply`;
}
