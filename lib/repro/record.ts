/**
 * `tensorcell.record(name, value)`: keeps a scalar result of a notebook run
 * (a final loss, an accuracy) where the runner can read it back from the
 * executed notebook, like scrapbook's glue. `tensorcell sweep` collects every
 * recorded value into its summary (one column per name).
 *
 * The value is published as a display_data output with two representations:
 *   application/vnd.tensorcell.record+json   {"name": "loss", "value": 0.12}
 *   text/plain                                loss = 0.12
 * so a frontend shows the text line and any tool can find the JSON one.
 */
import { host } from "../display/host.js";

/** Mime type of a recorded value's output: `{ name, value }` as JSON. */
export const RECORD_MIME = "application/vnd.tensorcell.record+json";

/** A value `record` keeps: a number, string, boolean or null. */
export type RecordedValue = number | string | boolean | null;

/** The JSON payload of a record output. */
export interface RecordPayload {
  name: string;
  value: RecordedValue;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Records a named scalar result of this run, e.g. `tensorcell.record("val_acc", acc)`.
 * Shows `name = value` below the cell and stores `{ name, value }` under the
 * mime type {@link RECORD_MIME}; `tensorcell sweep` reads it back into the
 * summary's `name` column (the last value recorded under a name wins).
 * `value` must be a number, string, boolean or null (read a scalar tensor with
 * `(await t.data())[0]` first). Returns the value.
 */
export function record<T extends RecordedValue>(name: string, value: T): T {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new TypeError(`record: the name must be a word like "val_acc" (letters, digits, _ . -), got ${JSON.stringify(name)}`);
  }
  const kind = value === null ? "null" : typeof value;
  if (!["number", "string", "boolean", "null"].includes(kind)) {
    const hint = typeof value === "object" && value !== null && "dataSync" in value ? " (a tensor: read it with (await t.data())[0])" : "";
    throw new TypeError(`record("${name}", ...): the value must be a number, string, boolean or null, got ${kind}${hint}`);
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    // JSON has no NaN/Infinity: stored as a string so the summary still shows it.
    const payload: RecordPayload = { name, value: String(value) };
    host().display({ type: "display_data", data: { [RECORD_MIME]: payload, "text/plain": `${name} = ${String(value)}` } });
    return value;
  }
  const payload: RecordPayload = { name, value };
  host().display({ type: "display_data", data: { [RECORD_MIME]: payload, "text/plain": `${name} = ${typeof value === "string" ? JSON.stringify(value) : String(value)}` } });
  return value;
}
