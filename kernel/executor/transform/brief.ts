/**
 * Which cells cannot run for long: vm's `breakOnSigint` (what lets SIGINT stop
 * synchronous cell code) starts and joins a watchdog thread and swaps the
 * process's SIGINT listeners on every run, about a tenth of a millisecond,
 * the largest single cost of a trivial cell. A cell that calls nothing and
 * loops nowhere (`1 + 1`, `x`, `const lr = 0.01`, `function f() {...}`) ends
 * on its own in microseconds, so it runs without the watchdog.
 *
 * The list is an allow-list: anything not named here (calls, `new`, loops,
 * tagged templates, classes, spreads and destructuring, which run iterators,
 * imports, `await`) keeps the watchdog. Getters and implicit conversions
 * (`a.b`, `a + b` on objects) can still call a function; a loop in such a
 * function, written in a cell, still checks the interrupt flag that
 * interrupt_request raises, which is how Jupyter frontends interrupt this
 * kernel (its kernelspec asks for message interrupts).
 */
import type { AnyNode, Program } from "acorn";
import { childNodes, isFunction } from "./ast.js";

/** Node types whose evaluation calls nothing by itself (children are checked separately). */
const BRIEF_TYPES = new Set([
  "Program",
  "ExpressionStatement",
  "EmptyStatement",
  "BlockStatement",
  "IfStatement",
  "VariableDeclaration",
  "VariableDeclarator",
  "Identifier",
  "Literal",
  "TemplateElement",
  "TemplateLiteral",
  "BinaryExpression",
  "LogicalExpression",
  "UnaryExpression",
  "UpdateExpression",
  "AssignmentExpression",
  "ConditionalExpression",
  "SequenceExpression",
  "MemberExpression",
  "ChainExpression",
  "ParenthesizedExpression",
  "ArrayExpression",
  "ObjectExpression",
  "Property",
]);

/**
 * True when the program's synchronous part calls no function and has no loop
 * (function bodies are not run by declaring them). `isNoOp` marks nodes known to
 * do nothing (the transform's own `runtime.keep()` sentinel).
 */
export function runsBriefly(program: Program, isNoOp: (node: AnyNode) => boolean = () => false): boolean {
  const brief = (node: AnyNode): boolean => {
    if (isFunction(node) || isNoOp(node)) return true;
    if (!BRIEF_TYPES.has(node.type)) return false;
    // `{ a, b } = x` and `[a] = x` destructure (iterators, getters); only plain names are assigned here.
    if (node.type === "VariableDeclarator" && node.id.type !== "Identifier") return false;
    if (node.type === "AssignmentExpression" && node.left.type !== "Identifier" && node.left.type !== "MemberExpression") return false;
    return childNodes(node).every(brief);
  };
  return brief(program);
}
