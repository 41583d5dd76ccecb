/**
 * What a request handler gets: the request, and ways to answer it. Handlers run
 * on the main thread, which wraps each request in busy/idle (channels/shell-channels.ts).
 */
import type { IncomingRequest } from "../channels/thread-messages.js";

/** The handle a handler uses to answer its request. */
export interface RequestContext {
  request: IncomingRequest;
  /** Sends the reply on the request's channel (msg_type derived from the request's). */
  reply(content: Record<string, unknown>, metadata?: Record<string, unknown>): void;
  /** Publishes on iopub with this request as parent. */
  publish(msgType: string, content: Record<string, unknown>): void;
}

/** What a handler may ask of the channel after it replied. */
export interface HandlerResult {
  /** stop_on_error: abort the execute requests already queued. */
  abortQueued?: boolean;
}

/** A handler for one request type. */
export type Handler = (context: RequestContext) => Promise<HandlerResult | void> | HandlerResult | void;
