/**
 * Frames <-> messages: the wire format of the Jupyter protocol.
 *   [identities..., "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers...]
 */
import { makeHeader, type Header, type Message } from "./message.js";
import { type Signer } from "./signer.js";

const DELIMITER = Buffer.from("<IDS|MSG>");

/** Why a received message was dropped; logged as one line on stderr. */
export class WireError extends Error {}

/** Decodes received frames, verifying the signature on the raw bytes before parsing any JSON. */
export function decode(frames: Buffer[], signer: Signer): Message {
  const at = frames.findIndex((frame) => frame.equals(DELIMITER));
  if (at < 0) throw new WireError("no <IDS|MSG> delimiter");
  if (frames.length < at + 6) throw new WireError(`expected 5 frames after the delimiter, got ${frames.length - at - 1}`);
  const signature = frames[at + 1];
  const signed = frames.slice(at + 2, at + 6);
  if (!signer.verify(signature, signed)) {
    throw new WireError(signature.length ? "bad signature" : "missing signature");
  }
  const [header, parent, metadata, content] = signed.map((frame, i) => parseObject(frame, FRAME_NAMES[i]));
  checkHeader(header);
  return {
    identities: frames.slice(0, at),
    header: header as Header,
    parent_header: parent,
    metadata,
    content,
    buffers: frames.slice(at + 6),
  };
}

/** Encodes a message into frames, signing the four JSON frames. */
export function encode(message: Omit<Message<unknown>, "identities"> & { identities?: Buffer[] }, signer: Signer): Buffer[] {
  const signed = [message.header, message.parent_header, message.metadata, message.content].map((part) =>
    Buffer.from(JSON.stringify(part ?? {})),
  );
  return [...(message.identities ?? []), DELIMITER, Buffer.from(signer.sign(signed)), ...signed, ...(message.buffers ?? [])];
}

/** A message this kernel sends, before it has a header: the type, the request it answers, the body. */
export interface OutgoingBody {
  msg_type: string;
  content: unknown;
  parent_header: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  buffers?: Uint8Array[];
}

/** Frames for a message this kernel sends: a fresh header in `session`, routed to `identities`, signed. */
export function encodeOutgoing(out: OutgoingBody, identities: Buffer[], session: string, signer: Signer): Buffer[] {
  return encode(
    {
      identities,
      header: makeHeader(out.msg_type, session),
      parent_header: out.parent_header,
      metadata: out.metadata ?? {},
      content: out.content,
      buffers: (out.buffers ?? []).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
    },
    signer,
  );
}

const FRAME_NAMES = ["header", "parent_header", "metadata", "content"];

function parseObject(frame: Buffer, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(frame.toString("utf8"));
  } catch {
    throw new WireError(`${name} is not valid JSON`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new WireError(`${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

function checkHeader(header: Record<string, unknown>): void {
  for (const field of ["msg_id", "msg_type"]) {
    if (typeof header[field] !== "string" || !header[field]) throw new WireError(`header has no ${field}`);
  }
  // session/username/date/version are required by the spec, but old clients omit some; only
  // the routing-relevant fields are enforced, the rest defaulted so replies stay well-formed.
  header.session ??= "";
  header.username ??= "";
}
