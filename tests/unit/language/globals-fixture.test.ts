// Preloaded globals from a declaration file the tests control (independent of the library work in progress).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { LanguageClient } from "../../../kernel/language/client.js";
import { atMarker, testClient } from "./helpers.js";

// Imported without its .d.ts extension, as any declaration file is.
const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "fixture-models");
let client: LanguageClient;

beforeAll(() => {
  client = testClient({ globals: { fixtureModels: `typeof import(${JSON.stringify(fixture)})`, tf: "module:@tensorflow/tfjs" } });
});
afterAll(() => client.close());

describe("completion and inspect on fixture globals", () => {
  it("lists exactly the fixture's functions", async () => {
    const reply = await client.complete("fixtureModels.", 14);
    expect(reply.matches).toEqual(["create", "info", "list"]);
    expect(reply.metadata._jupyter_types_experimental.map((m) => m.type)).toEqual(["function", "function", "function"]);
  });

  it("completes string-literal arguments with the span inside the quotes", async () => {
    const { code, cursor } = atMarker('fixtureModels.create("ti|")');
    const reply = await client.complete(code, cursor);
    expect(reply.matches).toEqual(["tiny"]);
    expect(code.slice(reply.cursorStart, reply.cursorEnd)).toBe("ti");
  });

  it("shows the options type's members inside an options object", async () => {
    const { code, cursor } = atMarker('fixtureModels.create("tiny", { num| })');
    const reply = await client.complete(code, cursor);
    expect(reply.matches).toEqual(["numClasses"]);
  });

  it("inspects a fixture function with its JSDoc", async () => {
    const reply = await client.inspect("fixtureModels.list()", 16, 0);
    expect(reply.found).toBe(true);
    if (!("text/plain" in reply.data)) throw new Error("no data");
    expect(reply.data["text/plain"]).toBe("function list(): string[]\n\nNames of every fixture model.");
  });

  it("drops the default globals it was not given", async () => {
    expect((await client.check("models.list();")).map((d) => d.code)).toEqual([2304]);
  });
});
