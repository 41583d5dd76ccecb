/**
 * A fit() stopped by an interrupt never resumes (the kernel drops the stopped
 * cell's timers, and tfjs's fit loop waits on one), so tfjs never reaches the
 * `finally` that clears `isTraining`: every later fit() of that model failed
 * with "another fit() call is ongoing". fit/fitDataset are wrapped to register
 * with the host: when the cell that started them is stopped, the model is
 * marked as no longer training. The abandoned loop's batch tensors (a few
 * small ones) are not recovered.
 */
import * as tf from "@tensorflow/tfjs";
import { host } from "../display/host.js";

let installed = false;

type Fit = (...args: unknown[]) => Promise<unknown>;
type Trainable = { isTraining: boolean };

/** Wraps LayersModel.fit and fitDataset once per process; initBackend() calls it. */
export function installInterruptibleFit(): void {
  if (installed) return;
  const prototype = tf.LayersModel.prototype as unknown as Record<"fit" | "fitDataset", Fit>;
  for (const name of ["fit", "fitDataset"] as const) {
    const original = prototype[name];
    prototype[name] = function fitReleasedOnStop(this: Trainable, ...args: unknown[]): Promise<unknown> {
      const unregister = host().onCellStop?.(() => {
        this.isTraining = false;
      });
      const running = original.apply(this, args);
      return unregister ? running.finally(unregister) : running;
    };
  }
  installed = true;
}
