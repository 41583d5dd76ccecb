// On-demand type checking through the worker client: cell-relative positions, and it never throws.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LanguageClient } from "../../../kernel/language/client.js";
import { testClient } from "./helpers.js";

let client: LanguageClient;

beforeAll(() => {
  client = testClient();
  client.recordExecuted("const epochs = 5;\nlet history: number[] = [];");
});
afterAll(() => client.close());

describe("check", () => {
  it("reports a type error at its cell-relative line and column", async () => {
    const code = ["const a = tf.scalar(1);", "", "    const label: string = epochs;", "history.push(1);"].join("\n");
    const found = await client.check(code);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 3, column: 11, category: "error", code: 2322 });
    expect(found[0].message).toBe("Type 'number' is not assignable to type 'string'.");
  });

  it("accepts a clean cell using earlier names, preloaded globals (tf also as a type namespace), node globals and top-level await", async () => {
    const code = [
      "history = [...history, epochs];",
      "const t = tf.tensor2d([[1, 2]]);",
      "console.log(t.shape, process.version);",
      "await new Promise((resolve) => setTimeout(resolve, 1));",
      "const net = models.create('resnet18');",
      "function predict(model: tf.LayersModel, batch: tf.Tensor): tf.Tensor { return model.predict(batch) as tf.Tensor; }",
      "const name: string = await input('Your name?');",
    ].join("\n");
    expect(await client.check(code)).toEqual([]);
  });

  it("reports assigning to an earlier const, which fails at run time too", async () => {
    const found = await client.check("epochs = 6;");
    expect(found.map((d) => [d.line, d.column, d.code])).toEqual([[1, 1, 2588]]);
  });

  it("reports syntax errors without throwing, and stays usable afterwards", async () => {
    const found = await client.check("const broken = (1 + ;\nconst fine = 2;");
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ line: 1, category: "error" });
    client.recordExecuted("const half = (1 +;\nconst later = 'still recorded';");
    const reply = await client.complete("later.toUpper", 13);
    expect(reply.matches).toEqual(["toUpperCase"]);
  });

  it("ignores kernel directive lines such as %check", async () => {
    const found = await client.check("%check\nconst n: number = 'one';");
    expect(found.map((d) => [d.line, d.column])).toEqual([[2, 7]]);
  });

  it("honours stricter compiler options for courses", async () => {
    const strict = testClient({ compilerOptions: { noImplicitAny: true } });
    try {
      const found = await strict.check("function double(x) { return x * 2; }");
      expect(found.map((d) => [d.line, d.column, d.code])).toEqual([[1, 17, 7006]]);
      expect(await client.check("function double(x) { return x * 2; }")).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});
