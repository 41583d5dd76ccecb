/**
 * Inspect (Jupyter's shift-tab help): the name under or just before the
 * cursor, else the function whose call the cursor is inside (`models.create(|`).
 * Detail 0: TypeScript's quick info (signature or type, JSDoc, tags).
 * Detail 1 adds every call overload and the declaration's source.
 */
import type * as TS from "typescript";
import type { CellView } from "./service.js";
import type { InspectReply } from "./protocol.js";
import { CELL_FILE_PREFIX } from "./cells.js";

const IDENTIFIER_PART = /[\p{ID_Continue}$\u200c\u200d]/u;
const MAX_DECLARATIONS = 3;
const MAX_SOURCE_LINES = 40;

/** Inspects at `cursorPos` (cell offset); found:false only when TypeScript knows nothing there. */
export function inspectInCell(view: CellView, cursorPos: number, detailLevel: 0 | 1): InspectReply {
  const { ts, service, fileName, offset, checker } = view;
  const position = targetPosition(view, cursorPos);
  if (position === undefined) return { found: false, data: {} };
  const info = service.getQuickInfoAtPosition(fileName, offset + position);
  if (!info || info.displayParts === undefined || info.displayParts.length === 0) return { found: false, data: {} };
  const node = tokenAt(view, offset + position);
  let symbol = node ? checker.getSymbolAtLocation(node) : undefined;
  if (!symbol && info.kind === ts.ScriptElementKind.unknown) return { found: false, data: {} };
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  // Earlier cells' variables reach this cell as `declare const x: typeof import("./__tc_cell_n__").x`: show the original.
  const original = symbol ? followPrelude(view, symbol) : undefined;
  if (original) symbol = original;

  const signature = cleanSignature(ts.displayPartsToString(info.displayParts));
  let documentation = ts.displayPartsToString(info.documentation ?? []).trim();
  let tagInfos = info.tags ?? [];
  if (original && !documentation) {
    documentation = ts.displayPartsToString(original.getDocumentationComment(checker)).trim();
    if (tagInfos.length === 0) tagInfos = original.getJsDocTags(checker);
  }
  // tfjs declares ops as `const matMul: typeof matMul_` with the JSDoc on matMul_: show the function's documentation.
  const typeSymbol = !documentation && symbol && node && symbol.flags & ts.SymbolFlags.Variable ? checker.getTypeOfSymbolAtLocation(symbol, node).getSymbol() : undefined;
  if (typeSymbol) {
    documentation = ts.displayPartsToString(typeSymbol.getDocumentationComment(checker)).trim();
    if (tagInfos.length === 0) tagInfos = typeSymbol.getJsDocTags(checker);
  }
  const tags = tagInfos.map((tag) => ({ name: tag.name, text: ts.displayPartsToString(tag.text ?? []).trim() }));

  const plain = [signature];
  const markdown = ["```typescript\n" + signature + "\n```"];
  if (documentation) {
    plain.push(documentation);
    markdown.push(documentation);
  }
  if (tags.length) {
    plain.push(tags.map((t) => `@${t.name}${t.text ? " " + t.text : ""}`).join("\n"));
    markdown.push(tags.map((t) => `*@${t.name}*${t.text ? " — " + t.text : ""}`).join("  \n"));
  }
  if (detailLevel === 1 && symbol && node) {
    const overloads = overloadsOf(view, symbol, node);
    if (overloads.length > 1) {
      plain.push("Overloads:\n" + overloads.map((o) => "  " + o).join("\n"));
      markdown.push("**Overloads**\n```typescript\n" + overloads.join("\n") + "\n```");
    }
    for (const declaration of (symbol.declarations ?? []).slice(0, MAX_DECLARATIONS)) {
      const { where, source } = describeDeclaration(view, declaration);
      plain.push(`Defined in ${where}:\n${source}`);
      markdown.push(`Defined in \`${where}\`:\n\`\`\`typescript\n${source}\n\`\`\``);
    }
  }
  return { found: true, data: { "text/plain": plain.join("\n\n"), "text/markdown": markdown.join("\n\n") } };
}

/** The cell offset of the identifier to inspect: the word at the cursor, else the callee of the enclosing call. */
function targetPosition(view: CellView, cursorPos: number): number | undefined {
  const { ts, code, sourceFile, offset } = view;
  let start = cursorPos;
  while (start > 0 && IDENTIFIER_PART.test(code[start - 1])) start--;
  let end = cursorPos;
  while (end < code.length && IDENTIFIER_PART.test(code[end])) end++;
  if (end > start && !/^\d/.test(code[start])) return start;

  const inFile = offset + cursorPos;
  let callee: TS.Node | undefined;
  const visit = (node: TS.Node): void => {
    if (inFile < node.getStart(sourceFile) || inFile > node.end) return;
    if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments && inFile >= node.arguments.pos) {
      const expression = node.expression;
      callee = ts.isPropertyAccessExpression(expression) ? expression.name : expression;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sourceFile, visit);
  if (!callee) return undefined;
  return callee.getStart(sourceFile) - offset;
}

/** The deepest node starting at or containing file position `position` (an identifier, usually). */
function tokenAt(view: CellView, position: number): TS.Node | undefined {
  const { ts, sourceFile } = view;
  let deepest: TS.Node | undefined;
  const visit = (node: TS.Node): void => {
    if (position < node.getStart(sourceFile) || position >= node.end) return;
    deepest = node;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sourceFile, visit);
  return deepest;
}

/** The declaration an earlier cell made, when `symbol` is a prelude stand-in for it; undefined otherwise. */
function followPrelude(view: CellView, symbol: TS.Symbol): TS.Symbol | undefined {
  const { ts, checker } = view;
  let current = symbol;
  let followed = false;
  // Each step goes one cell back; a chain longer than a few steps would be a bug in the prelude, so stop there.
  for (let step = 0; step < 8; step++) {
    const declaration = current.valueDeclaration;
    if (!declaration || !ts.isVariableDeclaration(declaration) || !declaration.type || !ts.isImportTypeNode(declaration.type)) break;
    const { argument, qualifier } = declaration.type;
    const specifier = ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal) ? argument.literal.text : "";
    if (!specifier.startsWith(`./${CELL_FILE_PREFIX}`) || !qualifier) break;
    let next = checker.getSymbolAtLocation(ts.isQualifiedName(qualifier) ? qualifier.right : qualifier);
    if (next && next.flags & ts.SymbolFlags.Alias) next = checker.getAliasedSymbol(next);
    if (!next || next === current) break;
    current = next;
    followed = true;
  }
  return followed ? current : undefined;
}

/** Drops the `(alias)` tag and the `import x` line TypeScript adds for names that came in through the prelude. */
function cleanSignature(text: string): string {
  return text
    .replace(/^\(alias\) /, "")
    // Preloaded module namespaces (see globalsDeclaration in project.ts).
    .replace(/^import ([\w$]+) = __tensorcell_[\w$]+$/, "namespace $1")
    .split("\n")
    .filter((line) => !/^(import|export) [\w$]+$/.test(line))
    .join("\n");
}

function overloadsOf(view: CellView, symbol: TS.Symbol, node: TS.Node): string[] {
  const { ts, checker } = view;
  if (!(symbol.flags & ts.SymbolFlags.Value)) return [];
  const type = checker.getTypeOfSymbolAtLocation(symbol, node);
  const kind = symbol.flags & ts.SymbolFlags.Class ? ts.SignatureKind.Construct : ts.SignatureKind.Call;
  return checker.getSignaturesOfType(type, kind).map((s) => symbol.name + checker.signatureToString(s));
}

/** Where a declaration lives (file:line, or the execution count of an earlier cell) and its source, trimmed. */
function describeDeclaration(view: CellView, declaration: TS.Declaration): { where: string; source: string } {
  const { ts } = view;
  const file = declaration.getSourceFile();
  // A variable's source is its whole statement (`const x = ...`), not just `x = ...`.
  const shown = ts.isVariableDeclaration(declaration) && ts.isVariableStatement(declaration.parent.parent) ? declaration.parent.parent : declaration;
  const line = file.getLineAndCharacterOfPosition(shown.getStart(file)).line + 1;
  const base = file.fileName.slice(file.fileName.lastIndexOf("/") + 1);
  const cell = base.startsWith(CELL_FILE_PREFIX) ? base.slice(CELL_FILE_PREFIX.length, -"__.ts".length) : undefined;
  // A cell file's first line is its one-line prelude (cells.ts), so cell line = file line - 1.
  const where = cell === "current" ? `this cell, line ${line - 1}` : cell ? `executed cell ${cell}, line ${line - 1}` : `${file.fileName}:${line}`;
  let lines = shown.getText(file).split("\n");
  if (lines.length > MAX_SOURCE_LINES) lines = [...lines.slice(0, MAX_SOURCE_LINES), "  ..."];
  return { where, source: lines.join("\n") };
}
