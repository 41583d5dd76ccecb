// Completion through the worker client: library types, earlier cells, redefinition, unfinished expressions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LanguageClient } from "../../../kernel/language/client.js";
import { atMarker, testClient } from "./helpers.js";

let client: LanguageClient;

beforeAll(() => {
  client = testClient();
  client.recordExecuted(
    [
      "const learningRate = 0.01;",
      "/** Builds the classifier head. */",
      "function buildHead(units: number): tf.Sequential { return tf.sequential(); }",
      "interface RunConfig { epochs: number; batchSize: number }",
      "const config: RunConfig = { epochs: 3, batchSize: 32 };",
    ].join("\n"),
  );
});
afterAll(() => client.close());

async function complete(marked: string) {
  const { code, cursor } = atMarker(marked);
  return { reply: await client.complete(code, cursor), cursor, code };
}

describe("completion on library types", () => {
  it("lists tfjs ops after `tf.`", async () => {
    const { reply, cursor } = await complete("tf.|");
    expect(reply.matches).toContain("matMul");
    expect(reply.matches).toContain("conv2d");
    expect(reply.matches).toContain("tensor2d");
    expect(reply.cursorStart).toBe(cursor);
    expect(reply.cursorEnd).toBe(cursor);
    expect(reply.matches.length).toBeGreaterThan(300);
  });

  it("filters by the typed prefix and types each match", async () => {
    const { reply } = await complete("const y = tf.matM|");
    expect(reply.matches[0]).toBe("matMul");
    expect(reply.matches.every((m) => m.toLowerCase().startsWith("matm"))).toBe(true);
    expect(reply.cursorStart).toBe("const y = tf.".length);
    expect(reply.cursorEnd).toBe("const y = tf.matM".length);
    const info = reply.metadata._jupyter_types_experimental.find((m) => m.text === "matMul");
    expect(info).toMatchObject({ start: reply.cursorStart, end: reply.cursorEnd, type: "function" });
    expect(info?.signature).toMatch(/transposeA\?: boolean/);
  });

  it("lists the model library's create/list/info after `models.` (real lib/models)", async () => {
    const { reply } = await complete("models.|");
    expect(reply.matches).toEqual(expect.arrayContaining(["create", "list", "info"]));
    const create = reply.metadata._jupyter_types_experimental.find((m) => m.text === "create");
    expect(create?.type).toBe("function");
    expect(create?.signature).toMatch(/name: string/);
  });

  it("completes tfjs types after `tf.` in a type position", async () => {
    const { reply } = await complete("function f(x: tf.Tens|");
    expect(reply.matches).toEqual(expect.arrayContaining(["Tensor", "Tensor2D", "TensorLike"]));
    expect(reply.metadata._jupyter_types_experimental.find((m) => m.text === "Tensor")?.type).toBe("class");
  });

  it("knows Node's types after the first answer (the worker loads them right after it)", async () => {
    const { reply } = await complete("process.versi|");
    expect(reply.matches).toEqual(["version", "versions"]);
  });

  it("completes members of a nested namespace (`tf.layers.`)", async () => {
    const { reply } = await complete("const d = tf.layers.den|");
    expect(reply.matches).toContain("dense");
    expect(reply.matches).not.toContain("conv2d");
  });
});

describe("completion across cells", () => {
  it("offers earlier cells' names with their kinds and types", async () => {
    const names = await complete("learn|");
    expect(names.reply.matches).toEqual(["learningRate"]);
    expect(names.reply.metadata._jupyter_types_experimental[0]).toMatchObject({ type: "instance", signature: "0.01" });
    const fn = await complete("build|");
    expect(fn.reply.matches).toContain("buildHead");
    expect(fn.reply.metadata._jupyter_types_experimental.find((m) => m.text === "buildHead")?.type).toBe("function");
    const members = await complete("config.|");
    expect(members.reply.matches.sort()).toEqual(["batchSize", "epochs"]);
  });

  it("uses the newest definition after a redefinition, in execution order", async () => {
    client.recordExecuted("let answer = 42;");
    let { reply } = await complete("answer.|");
    expect(reply.matches).toContain("toFixed");
    expect(reply.matches).not.toContain("toUpperCase");

    client.recordExecuted('const answer = "forty-two";');
    ({ reply } = await complete("answer.|"));
    expect(reply.matches).toContain("toUpperCase");
    expect(reply.matches).not.toContain("toFixed");

    // Re-running the older cell (out of order) makes the number the newest definition again.
    client.recordExecuted("let answer = 42;");
    ({ reply } = await complete("answer.|"));
    expect(reply.matches).toContain("toFixed");
  });

  it("sees names the current cell declares above the cursor", async () => {
    const { reply } = await complete("const batch = [1, 2, 3];\nbatch.|");
    expect(reply.matches).toContain("map");
  });
});

describe("completion inside unfinished code", () => {
  it("completes `foo(tf.` in the middle of a cell", async () => {
    const { reply, cursor } = await complete("const a = 1;\nfoo(tf.|\nconst b = 2;\n");
    expect(reply.matches).toContain("matMul");
    expect(reply.cursorStart).toBe(cursor);
    expect(reply.cursorEnd).toBe(cursor);
  });

  it("completes `const y = x.` mid-cell with the type of x", async () => {
    const { reply, cursor } = await complete('const x = "text";\nconst y = x.|\nconsole.log(y);');
    expect(reply.matches).toContain("toUpperCase");
    expect(reply.cursorStart).toBe(cursor);
  });

  it("replaces the whole word when the cursor is inside it", async () => {
    const { reply, code } = await complete("tf.con|v2d(x, w, 1, 'same')");
    expect(reply.matches).toContain("conv2d");
    expect(reply.matches).toContain("concat");
    expect(code.slice(reply.cursorStart, reply.cursorEnd)).toBe("conv2d");
  });

  it("counts offsets in JS string units after astral characters", async () => {
    const { reply, cursor } = await complete('const label = "😀 cat";\ntf.matM|');
    expect(reply.cursorStart).toBe(cursor - 4);
    expect(reply.cursorEnd).toBe(cursor);
    expect(reply.matches[0]).toBe("matMul");
  });

  it("answers each keystroke of a name being typed (the raw answer is reused, the filter is not)", async () => {
    const typed = "const k = tf.conv2dT";
    const seen: string[][] = [];
    for (let length = "const k = tf.".length; length <= typed.length; length++) {
      const reply = await client.complete(typed.slice(0, length), length);
      expect(reply.cursorStart).toBe("const k = tf.".length);
      expect(reply.cursorEnd).toBe(length);
      seen.push(reply.matches);
    }
    expect(seen[0]).toContain("matMul");
    expect(seen[4]).toEqual(expect.arrayContaining(["conv1d", "conv2d", "conv2dTranspose", "conv3d"]));
    expect(seen[4]).not.toContain("matMul");
    expect(seen[seen.length - 1]).toEqual(["conv2dTranspose"]);
  });

  it("answers nothing inside a comment", async () => {
    const { reply } = await complete("// tf.|");
    expect(reply.matches).toEqual([]);
  });
});

describe("runtime names", () => {
  it("merges runtime members for `any` values and runtime globals for bare names", async () => {
    const withRuntime = testClient({
      runtimeNames: {
        globalNames: () => ["runtimeOnlyGlobal", "learningRate"],
        memberNames: (expression) => (expression === "untyped" ? ["fit", "predict"] : []),
      },
    });
    try {
      withRuntime.recordExecuted("let untyped;\nconst learningRate = 0.1;");
      const members = await withRuntime.complete("untyped.", 8);
      expect(members.matches).toEqual(["fit", "predict"]);
      const globals = await withRuntime.complete("runtimeOnly", 11);
      expect(globals.matches).toEqual(["runtimeOnlyGlobal"]);
      // A name the types already know is not listed twice.
      const known = await withRuntime.complete("learningR", 9);
      expect(known.matches).toEqual(["learningRate"]);
      // Typed values never ask the runtime for members.
      const typed = await withRuntime.complete("learningRate.toFix", 18);
      expect(typed.matches).toEqual(["toFixed"]);
    } finally {
      await withRuntime.close();
    }
  });
});
