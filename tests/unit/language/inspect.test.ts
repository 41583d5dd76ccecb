// Inspect through the worker client: library signatures with JSDoc, earlier cells, detail level 1, unknown names.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LanguageClient } from "../../../kernel/language/client.js";
import { atMarker, testClient } from "./helpers.js";

let client: LanguageClient;

beforeAll(() => {
  client = testClient();
  client.recordExecuted(
    [
      "/** Scales every value by `factor`.",
      " * @param factor how much to multiply by",
      " */",
      "function scale(values: number[], factor: number): number[];",
      "function scale(values: string[], factor: number): string[];",
      "function scale(values: any[], factor: number) { return values.map((v) => v * factor); }",
    ].join("\n"),
  );
});
afterAll(() => client.close());

async function inspect(marked: string, detail: 0 | 1 = 0) {
  const { code, cursor } = atMarker(marked);
  return client.inspect(code, cursor, detail);
}

describe("inspect", () => {
  it("shows a tfjs op's signature and JSDoc, in plain text and Markdown", async () => {
    const reply = await inspect("const c = tf.matMul|(a, b);");
    expect(reply.found).toBe(true);
    if (!reply.found || !("text/plain" in reply.data)) throw new Error("no data");
    expect(reply.data["text/plain"]).toMatch(/matMul.*\(a: (tf\.)?Tensor/);
    expect(reply.data["text/plain"]).toContain("Computes the dot product of two matrices");
    expect(reply.data["text/plain"]).toMatch(/@param transposeA/);
    expect(reply.data["text/markdown"]).toMatch(/^```typescript\n/);
  });

  it("inspects the called function when the cursor is inside its argument list (`models.create(`)", async () => {
    const reply = await inspect('const net = models.create(|');
    expect(reply.found).toBe(true);
    if (!("text/plain" in reply.data)) throw new Error("no data");
    const text = reply.data["text/plain"];
    // A property holding overloads: `(property) create: (name: string, options?: ... ModelOptions ...) => ... (+1 overload)`.
    expect(text).toMatch(/create:? ?\(name: string, options\?: \(?ModelOptions/);
    // The library documents create(); whatever its wording, some prose follows the signature.
    expect(text.split("\n\n").length).toBeGreaterThan(1);
  });

  it("shows an earlier cell's function with its JSDoc, and every overload at detail 1", async () => {
    const brief = await inspect("scale|([1, 2], 3)");
    expect(brief.found).toBe(true);
    if (!("text/plain" in brief.data)) throw new Error("no data");
    expect(brief.data["text/plain"]).toContain("Scales every value by `factor`.");
    expect(brief.data["text/plain"]).toContain("@param factor how much to multiply by");
    expect(brief.data["text/plain"]).not.toMatch(/\(alias\)|^import /m);

    const detailed = await inspect("scale|([1, 2], 3)", 1);
    if (!("text/plain" in detailed.data)) throw new Error("no data");
    const text = detailed.data["text/plain"];
    expect(text).toContain("scale(values: number[], factor: number): number[]");
    expect(text).toContain("scale(values: string[], factor: number): string[]");
    expect(text).toMatch(/Defined in executed cell 1, line 4/);
  });

  it("shows an earlier cell's variable with its JSDoc and original declaration, not the generated stand-in", async () => {
    client.recordExecuted("const unrelated = 0;\n/** Steps between checkpoints. */\nconst checkpointEvery = 100;");
    const brief = await inspect("checkpointEvery|");
    if (!("text/plain" in brief.data)) throw new Error("no data");
    expect(brief.data["text/plain"]).toBe("const checkpointEvery: 100\n\nSteps between checkpoints.");
    const detailed = await inspect("checkpointEvery|", 1);
    if (!("text/plain" in detailed.data)) throw new Error("no data");
    expect(detailed.data["text/plain"]).toContain("Defined in executed cell 2, line 3:\nconst checkpointEvery = 100;");
    expect(detailed.data["text/plain"]).not.toContain("typeof import");
  });

  it("names the preloaded tf a namespace", async () => {
    const reply = await inspect("tf|.ones([2])");
    if (!("text/plain" in reply.data)) throw new Error("no data");
    expect(reply.data["text/plain"]).toBe("namespace tf");
  });

  it("shows the type of a local value", async () => {
    const reply = await inspect("const shape = [2, 3];\nshape|");
    if (!("text/plain" in reply.data)) throw new Error("no data");
    expect(reply.data["text/plain"]).toBe("const shape: number[]");
  });

  it("answers found:false for a name nobody defined", async () => {
    const reply = await inspect("notDefinedAnywhere|");
    expect(reply).toEqual({ found: false, data: {} });
  });

  it("answers found:false on blank space and inside comments", async () => {
    expect((await inspect("  |  ")).found).toBe(false);
    expect((await inspect("// just a comment|")).found).toBe(false);
  });
});
