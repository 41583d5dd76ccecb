/** A tensor's text/plain lines up its rows like tfjs prints them, without tfjs's 4-space indent. */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { mimeBundle } from "../../../lib/display/index.js";

describe("tensor text", () => {
  it("aligns the rows of a matrix under its first bracket", async () => {
    await tf.setBackend("cpu");
    const bundle = await mimeBundle(tf.tensor2d([[1, 2], [3, 4]]));
    const text = String(bundle?.data["text/plain"]);
    expect(text.split("\n").slice(1)).toEqual(["[[1, 2],", " [3, 4]]"]);
  });
});
