/**
 * HMAC signing of message frames, keyed from the connection file.
 * An empty key disables signing (the spec's rule): we then send "" and accept anything.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Signs and verifies the four signed frames (header, parent, metadata, content). */
export class Signer {
  private readonly algorithm: string | undefined;

  /**
   * @param scheme the connection file's `signature_scheme`, e.g. "hmac-sha256"
   * @param key the connection file's `key`; "" turns signing off
   */
  constructor(scheme: string, private readonly key: string) {
    if (!key) {
      this.algorithm = undefined;
      return;
    }
    const match = /^hmac-(.+)$/.exec(scheme);
    if (!match) throw new Error(`unsupported signature_scheme "${scheme}" (expected hmac-sha256 or another hmac-<digest>)`);
    this.algorithm = match[1];
    createHmac(this.algorithm, key); // throws now, at start-up, for a digest Node does not know
  }

  /** True when messages are signed. */
  get enabled(): boolean {
    return this.algorithm !== undefined;
  }

  /** Hex signature of the given frames ("" when signing is off). */
  sign(frames: Buffer[]): string {
    if (!this.algorithm) return "";
    const hmac = createHmac(this.algorithm, this.key);
    for (const frame of frames) hmac.update(frame);
    return hmac.digest("hex");
  }

  /** Checks a received signature against the raw frames, in constant time. */
  verify(signature: Buffer, frames: Buffer[]): boolean {
    if (!this.algorithm) return true;
    const expected = Buffer.from(this.sign(frames), "ascii");
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
}
