/** tensorcell.record: the output it publishes and the values it refuses. */
import { afterEach, describe, expect, it } from "vitest";
import { record, RECORD_MIME } from "../../../lib/repro/record.js";
import { setHost, type DisplayMessage, type Host } from "../../../lib/display/host.js";

describe("record", () => {
  const shown: DisplayMessage[] = [];
  const host: Host = { display: (m) => void shown.push(m), input: () => Promise.reject(new Error("no")), registerCommTarget() {}, interrupted: () => false };
  afterEach(() => {
    shown.length = 0;
  });

  it("publishes { name, value } as JSON plus a text line, and returns the value", () => {
    setHost(host);
    expect(record("val_acc", 0.5)).toBe(0.5);
    record("opt", "adam");
    record("loss", Number.NaN);
    expect(shown.map((m) => (m.type === "display_data" ? m.data : undefined))).toEqual([
      { [RECORD_MIME]: { name: "val_acc", value: 0.5 }, "text/plain": "val_acc = 0.5" },
      { [RECORD_MIME]: { name: "opt", value: "adam" }, "text/plain": 'opt = "adam"' },
      { [RECORD_MIME]: { name: "loss", value: "NaN" }, "text/plain": "loss = NaN" },
    ]);
  });

  it("refuses names that are not words and values that are not scalars, in one line", () => {
    setHost(host);
    expect(() => record("my loss", 1)).toThrow(/the name must be a word like "val_acc"/);
    expect(() => record("loss", [1, 2] as unknown as number)).toThrow(/must be a number, string, boolean or null, got object$/);
    expect(() => record("loss", { dataSync: () => [1] } as unknown as number)).toThrow(/a tensor: read it with \(await t\.data\(\)\)\[0\]/);
    expect(shown).toHaveLength(0);
  });
});
