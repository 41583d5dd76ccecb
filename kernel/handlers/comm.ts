/**
 * Comms: comm_info/comm_open/comm_msg/comm_close, with a target registry the
 * library uses through the bridge (host.registerCommTarget).
 */
import { randomUUID } from "node:crypto";
import type { Handler } from "./context.js";

/** Callbacks for one open comm. */
export interface CommCallbacks {
  /** `parent` is the comm_msg's header (what output of the handling is parented to). */
  onMessage?(data: unknown, buffers: ArrayBuffer[], parent: Record<string, unknown>): void;
  onClose?(data: unknown): void;
}

/** Message metadata and binary buffers that go with a comm message. */
export interface PublishExtra {
  metadata?: Record<string, unknown>;
  buffers?: Uint8Array[];
}

/** An open comm as the library sees it. */
export interface OpenComm {
  readonly commId: string;
  readonly targetName: string;
  send(data: unknown, buffers?: Uint8Array[]): void;
  close(data?: unknown): void;
}

/** What a target does with a comm a frontend opens (`parent`: the comm_open's header). */
export type TargetHandler = (comm: OpenComm, data: unknown, parent: Record<string, unknown>) => CommCallbacks | void;

/** Sends a comm message on iopub, parented to the current cell. */
export type CommPublish = (msgType: "comm_open" | "comm_msg" | "comm_close", content: Record<string, unknown>, extra?: PublishExtra) => void;

/** The session's comm targets and open comms. */
export class CommManager {
  private readonly targets = new Map<string, TargetHandler>();
  private readonly open = new Map<string, { comm: OpenComm; callbacks: CommCallbacks }>();

  constructor(private readonly publish: CommPublish, private readonly log: (line: string) => void) {}

  /** Registers what to do when a frontend opens a comm with this target name. */
  registerTarget(targetName: string, onOpen: TargetHandler): void {
    this.targets.set(targetName, onOpen);
  }

  /** Opens a comm from the kernel side (with the open message's metadata and buffers, if any). */
  openComm(targetName: string, data: unknown = {}, callbacks: CommCallbacks = {}, extra: PublishExtra = {}): OpenComm {
    const comm = this.makeComm(randomUUID(), targetName);
    this.open.set(comm.commId, { comm, callbacks });
    this.publish("comm_open", { comm_id: comm.commId, target_name: targetName, data }, extra);
    return comm;
  }

  private makeComm(commId: string, targetName: string): OpenComm {
    return {
      commId,
      targetName,
      send: (data: unknown, buffers?: Uint8Array[]) => this.publish("comm_msg", { comm_id: commId, data }, buffers?.length ? { buffers } : undefined),
      close: (data: unknown = {}) => {
        if (!this.open.delete(commId)) return;
        this.publish("comm_close", { comm_id: commId, data });
      },
    };
  }

  /** The request handlers for the comm message family. */
  handlers(): Record<string, Handler> {
    return {
      comm_info_request: ({ request, reply }) => {
        const wanted = request.content.target_name as string | undefined;
        const comms: Record<string, { target_name: string }> = {};
        for (const [id, { comm }] of this.open) {
          if (!wanted || comm.targetName === wanted) comms[id] = { target_name: comm.targetName };
        }
        reply({ status: "ok", comms });
      },
      // comm_open/msg/close are messages, not requests: no reply, like ipykernel.
      comm_open: ({ request }) => {
        const { comm_id: commId, target_name: targetName, data } = request.content as { comm_id: string; target_name: string; data: unknown };
        const onOpen = this.targets.get(targetName);
        if (!onOpen) {
          this.log(`no comm target registered for "${targetName}"; closing comm ${commId}`);
          this.publish("comm_close", { comm_id: commId, data: {} });
          return;
        }
        const comm = this.makeComm(commId, targetName);
        // Open before the handler runs, so that it may send on the comm or close it.
        const entry = { comm, callbacks: {} as CommCallbacks };
        this.open.set(commId, entry);
        entry.callbacks = onOpen(comm, data, request.header as unknown as Record<string, unknown>) ?? {};
      },
      comm_msg: ({ request }) => {
        const { comm_id: commId, data } = request.content as { comm_id: string; data: unknown };
        const entry = this.open.get(commId);
        if (!entry) return this.log(`comm_msg for unknown comm ${commId} (ignored)`);
        entry.callbacks.onMessage?.(data, request.buffers.map((b) => b.slice().buffer as ArrayBuffer), request.header as unknown as Record<string, unknown>);
      },
      comm_close: ({ request }) => {
        const { comm_id: commId, data } = request.content as { comm_id: string; data: unknown };
        const entry = this.open.get(commId);
        this.open.delete(commId);
        entry?.callbacks.onClose?.(data);
      },
    };
  }
}
