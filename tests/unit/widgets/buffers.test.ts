/** Binary buffers in widget state: split out by path, put back, bad paths rejected in one line. */
import { describe, expect, it } from "vitest";
import { putBuffers, removeBuffers } from "../../../lib/widgets/buffers.js";

describe("widget state buffers", () => {
  it("splits binary values out of nested objects and lists, leaving the input untouched", () => {
    const bytes = new Uint8Array([1, 2]);
    const input = { a: 1, data: bytes, nested: { list: [new Float32Array([1]).buffer, "x"], keep: [1, 2] } };
    const { state, bufferPaths, buffers } = removeBuffers(input);
    expect(state).toEqual({ a: 1, nested: { list: [null, "x"], keep: [1, 2] } });
    expect(bufferPaths).toEqual([["data"], ["nested", "list", 0]]);
    expect(buffers.map((b) => b.byteLength)).toEqual([2, 4]);
    expect(input.data).toBe(bytes);
  });

  it("puts buffers back at their paths as Uint8Array", () => {
    const state: Record<string, unknown> = { nested: { list: [null, "x"] } };
    putBuffers(state, [["value"], ["nested", "list", 0]], [new Uint8Array([7]).buffer, new Uint8Array([8, 9]).buffer]);
    expect(state.value).toEqual(new Uint8Array([7]));
    expect((state.nested as { list: unknown[] }).list[0]).toEqual(new Uint8Array([8, 9]));
  });

  it("rejects count mismatches and paths that do not lead into the state", () => {
    expect(() => putBuffers({}, [["a"]], [])).toThrow("buffer_paths names 1 buffers but the message has 0");
    expect(() => putBuffers({}, [["missing", "x"]], [new ArrayBuffer(1)])).toThrow('buffer path ["missing","x"] does not lead into the state');
    expect(() => putBuffers({}, "nope", [])).toThrow("buffer_paths must be a list of paths, got string");
  });
});
