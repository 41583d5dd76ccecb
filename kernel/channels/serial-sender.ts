/**
 * zeromq.js 6 allows one send in flight per socket ("Socket is busy writing");
 * replies, outputs and status messages come from many places, so each socket
 * sends through one FIFO queue.
 */
import type { Writable } from "zeromq";

/** Sends frames on one socket strictly in order, one at a time. */
export class SerialSender {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly socket: Writable, private readonly onError: (error: Error) => void) {}

  /** Queues frames; resolves once they were handed to ZeroMQ. */
  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(
      () => this.socket.send(frames),
    ).catch((error: Error) => this.onError(error));
    return this.tail;
  }

  /** Resolves when everything queued so far was sent. */
  flushed(): Promise<void> {
    return this.tail;
  }
}
