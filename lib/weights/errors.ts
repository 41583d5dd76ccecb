/** Errors of locating and downloading weights. */

/** A weights file that cannot be found, downloaded or trusted: the message is one line saying what to do. */
export class WeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WeightsError";
  }
}
