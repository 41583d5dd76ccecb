import type { AnyNode, Pattern } from "acorn";

/** Loop statements whose bodies receive the interrupt check. */
export type LoopNode = Extract<
  AnyNode,
  { type: "ForStatement" | "ForInStatement" | "ForOfStatement" | "WhileStatement" | "DoWhileStatement" }
>;

const LOOP_TYPES = new Set(["ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"]);
const FUNCTION_TYPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);
const POSITION_KEYS = new Set(["type", "start", "end", "loc", "range"]);

/** True for for / for-in / for-of / for-await / while / do-while. */
export function isLoop(node: AnyNode): node is LoopNode {
  return LOOP_TYPES.has(node.type);
}

/** True for nodes that open a new function scope (their body's `await` and `var` are their own). */
export function isFunction(node: AnyNode): boolean {
  return FUNCTION_TYPES.has(node.type);
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** The direct child nodes of `node`, in source order (acorn assigns fields in source order). */
export function childNodes(node: AnyNode): AnyNode[] {
  const children: AnyNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (POSITION_KEYS.has(key)) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) children.push(item);
    } else if (isNode(value)) {
      children.push(value);
    }
  }
  return children.sort((a, b) => a.start - b.start);
}

/** Every name a binding pattern declares: `{a, b: [c], ...d}` -> a, c, d. */
export function patternNames(pattern: Pattern): string[] {
  switch (pattern.type) {
    case "Identifier":
      return [pattern.name];
    case "ObjectPattern":
      return pattern.properties.flatMap((property) =>
        property.type === "RestElement" ? patternNames(property.argument) : patternNames(property.value),
      );
    case "ArrayPattern":
      return pattern.elements.flatMap((element) => (element ? patternNames(element) : []));
    case "AssignmentPattern":
      return patternNames(pattern.left);
    case "RestElement":
      return patternNames(pattern.argument);
    case "MemberExpression":
      return [];
  }
}
