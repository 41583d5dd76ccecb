import { describe, expect, it } from "vitest";
import { isComplete } from "../../../kernel/executor/is-complete.js";

describe("isComplete classifies console input for is_complete_request", () => {
  it("complete: empty input, statements, full blocks, TypeScript syntax", () => {
    for (const source of ["", "   \n", "x = 1", "const a: number[] = [1, 2]", "function f() {\n  return 1\n}", "await fetchIt()", "`a ${b} c`"]) {
      expect(isComplete(source), source).toEqual({ status: "complete" });
    }
  });

  it("incomplete: an open block indents two spaces past the last line", () => {
    expect(isComplete("function f() {")).toEqual({ status: "incomplete", indent: "  " });
    expect(isComplete("class A {\n  m() {")).toEqual({ status: "incomplete", indent: "    " });
    expect(isComplete("xs.map((x) =>")).toEqual({ status: "incomplete", indent: "  " });
  });

  it("incomplete: inside an open block the next line keeps the last line's indent", () => {
    expect(isComplete("class A {\n  m() {\n    return 1")).toEqual({ status: "incomplete", indent: "    " });
  });

  it("incomplete: open brackets, trailing operators, member access and import lists", () => {
    expect(isComplete("foo(1,")).toEqual({ status: "incomplete", indent: "" });
    expect(isComplete("x = [1,")).toEqual({ status: "incomplete", indent: "" });
    expect(isComplete("total = a +")).toEqual({ status: "incomplete", indent: "" });
    expect(isComplete("  y = model.")).toEqual({ status: "incomplete", indent: "  " });
    expect(isComplete("import { a,")).toMatchObject({ status: "incomplete" });
    expect(isComplete("let x: ")).toMatchObject({ status: "incomplete" });
  });

  it("incomplete: unclosed template literals, block comments and line-continued strings", () => {
    expect(isComplete("const s = `line one")).toMatchObject({ status: "incomplete" });
    expect(isComplete("const s = `a ${b} and")).toMatchObject({ status: "incomplete" });
    expect(isComplete("/* a comment")).toMatchObject({ status: "incomplete" });
    expect(isComplete("x = 'abc\\")).toMatchObject({ status: "incomplete" });
  });

  it("invalid: real syntax errors, including a quoted string cut by the line end", () => {
    expect(isComplete("a = 1; }")).toEqual({ status: "invalid" });
    expect(isComplete("let = = 2")).toEqual({ status: "invalid" });
    expect(isComplete("x = 'abc")).toEqual({ status: "invalid" });
    expect(isComplete("x = /abc")).toEqual({ status: "invalid" });
    expect(isComplete("const s = )")).toEqual({ status: "invalid" });
  });
});
