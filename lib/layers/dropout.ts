/**
 * tfjs-layers' Dropout whose training call draws its mask with
 * {@link fastDropout} (lib/backend/dropout-mask.ts: a hashed mask, filled on
 * every wasm thread) instead of tf.dropout's one seedrandom number per element
 * in JavaScript. Inference, the configuration and the class name
 * ("Dropout": saved models load in any tfjs) are tfjs-layers' own; a layer's
 * `seed` gives the same mask on every call, as tfjs's does.
 */
import * as tf from "@tensorflow/tfjs";
import { fastDropout } from "../backend/dropout-mask.js";

/** The fields of tfjs-layers' Dropout that the training call reads. */
interface DropoutFields {
  rate: number;
  seed?: number;
  getNoiseShape(input: tf.Tensor): number[] | undefined;
}

type DropoutClass = new (args: Parameters<typeof tf.layers.dropout>[0]) => tf.layers.Layer;

// tfjs exports only the factory; its class is the prototype's constructor.
const TfjsDropout = Object.getPrototypeOf(tf.layers.dropout({ rate: 0 })).constructor as DropoutClass;

/** tfjs-layers' Dropout with {@link fastDropout} in training. */
export class HashedMaskDropout extends TfjsDropout {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    const fields = this as unknown as DropoutFields;
    if (kwargs["training"] !== true || !(fields.rate > 0 && fields.rate < 1)) return input;
    return fastDropout(input, fields.rate, fields.getNoiseShape(input), fields.seed);
  }
}

/**
 * A Dropout layer (tf.layers.dropout's arguments) whose training masks come
 * from {@link fastDropout}.
 *
 * @example dropout({ rate: 0.5, name: "dropout1" })
 */
export function dropout(args: Parameters<typeof tf.layers.dropout>[0]): tf.layers.Layer {
  return new HashedMaskDropout(args);
}
