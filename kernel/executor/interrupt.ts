/**
 * Stopping a cell. The control thread sets a shared flag (visible even while the
 * main thread is stuck in a loop); every loop in cell code calls `tick()`,
 * which throws KeyboardInterrupt once the flag is set. Pending awaits are
 * settled by a message the control thread also sends.
 */

/** Thrown into a cell when the user presses Stop (named like Python's, as users know it). */
export class KeyboardInterrupt extends Error {
  constructor() {
    super("the cell was interrupted");
    this.name = "KeyboardInterrupt";
  }
}

/** Reads and clears the shared interrupt flag. */
export class InterruptFlag {
  private readonly view: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.view = new Int32Array(buffer);
  }

  /** True once an interrupt was requested and not yet cleared. */
  get raised(): boolean {
    return Atomics.load(this.view, 0) !== 0;
  }

  /** Throws KeyboardInterrupt if an interrupt was requested; cell loops call this each iteration. */
  check = (): void => {
    if (Atomics.load(this.view, 0) !== 0) throw new KeyboardInterrupt();
  };

  /** Requests an interrupt (the control thread does this directly on the shared memory). */
  raise(): void {
    Atomics.store(this.view, 0, 1);
  }

  /** Clears the flag once the interrupted cell has ended. */
  clear(): void {
    Atomics.store(this.view, 0, 0);
  }
}
