/**
 * Completion for the current cell: TypeScript's entries at the cursor,
 * filtered by the typed prefix (case-insensitively, exact-case matches
 * first), with IPython-style kinds and, for the first matches, the type or
 * call signature taken straight from the checker (one getCompletionEntryDetails
 * per entry would cost milliseconds each).
 */
import type * as TS from "typescript";
import type { CellView } from "./service.js";
import type { CompletionContext, CompletionTypeInfo, ServiceCompletion } from "./protocol.js";
import type { DeclarationKind } from "./cells.js";

/** How many matches get a `signature` in the metadata, and the time allowed for them. */
const SIGNATURE_LIMIT = 30;
const SIGNATURE_BUDGET_MS = 20;

const IDENTIFIER_PART = /[\p{ID_Continue}$\u200c\u200d]/u;

/** TypeScript's element kinds in the vocabulary IPython uses for `_jupyter_types_experimental`. */
const TYPE_OF_KIND: Readonly<Record<string, string>> = {
  function: "function", "local function": "function", method: "function", construct: "function", call: "function",
  class: "class", "local class": "class", interface: "interface", type: "type", "type parameter": "type",
  "primitive type": "type", enum: "enum", "enum member": "instance", module: "module", "external module name": "module",
  var: "instance", let: "instance", const: "instance", "local var": "instance", using: "instance", parameter: "param",
  property: "property", getter: "property", setter: "property", accessor: "property", keyword: "keyword",
  string: "text", directory: "path", script: "path",
};

const TYPE_OF_DECLARATION: Readonly<Record<DeclarationKind, string>> = {
  const: "instance", let: "instance", var: "instance", function: "function", class: "class", interface: "interface",
  type: "type", enum: "enum", namespace: "module", import: "module",
};

/**
 * TypeScript's raw answer at a position, before filtering by the typed word.
 * It does not depend on that word, so while the user types more of the same
 * name the service reuses it (see `reusableKey`) and skips the program update.
 */
export interface GatheredCompletions {
  view: CellView;
  entries: readonly TS.CompletionEntry[];
  wordStart: number;
  /** A span TypeScript asks to replace (string literals, paths), in cell offsets; else the word is replaced. */
  span?: { start: number; end: number };
  target?: MemberTarget;
  symbolOf: (name: string) => TS.Symbol | undefined;
  /** Kinds and signatures already computed, by name. */
  described: Map<string, { type: string; signature?: string }>;
}

/** Start of the identifier that ends at or contains `cursorPos`, and its end. */
export function wordAround(code: string, cursorPos: number): { wordStart: number; wordEnd: number } {
  let wordStart = cursorPos;
  while (wordStart > 0 && IDENTIFIER_PART.test(code[wordStart - 1])) wordStart--;
  let wordEnd = cursorPos;
  while (wordEnd < code.length && IDENTIFIER_PART.test(code[wordEnd])) wordEnd++;
  return { wordStart, wordEnd };
}

/** The cell text without the word at the cursor: equal keys mean equal raw completions. */
export function reusableKey(code: string, cursorPos: number): string {
  const { wordStart, wordEnd } = wordAround(code, cursorPos);
  return `${wordStart}\u0000${code.slice(0, wordStart)}\u0000${code.slice(wordEnd)}`;
}

/** Asks TypeScript for the completions at `cursorPos` (cell offset) in the view's current cell. */
export function gatherCompletions(view: CellView, cursorPos: number): GatheredCompletions {
  const { service, fileName, offset, code } = view;
  const { wordStart } = wordAround(code, cursorPos);
  const info = service.getCompletionsAtPosition(fileName, offset + cursorPos, {
    includeCompletionsForModuleExports: false,
    includeCompletionsWithInsertText: false,
    includeCompletionsWithSnippetText: false,
    includeAutomaticOptionalChainCompletions: false,
  });
  // TypeScript offers nothing after `x.` when x is `any`; the target still tells the runtime hook what to list.
  const target = memberTarget(view, wordStart);
  const entries = info?.entries ?? [];
  const replacement = entries.find((e) => e.replacementSpan)?.replacementSpan;
  let span: GatheredCompletions["span"];
  if (replacement && replacement.start >= offset && replacement.start - offset <= cursorPos && replacement.start + replacement.length - offset >= cursorPos) {
    span = { start: replacement.start - offset, end: replacement.start + replacement.length - offset };
  }
  const symbolOf = target ? memberSymbols(view, target) : scopeSymbols(view, wordStart);
  return { view, entries, wordStart, span, target, symbolOf, described: new Map() };
}

/** Filters and describes gathered completions for the word typed before `cursorPos` in `code`. */
export function presentCompletions(gathered: GatheredCompletions, code: string, cursorPos: number): ServiceCompletion {
  const { view, target, span, symbolOf, described } = gathered;
  const { wordEnd } = wordAround(code, cursorPos);
  const start = span?.start ?? gathered.wordStart;
  const end = span?.end ?? wordEnd;
  const prefix = code.slice(start, cursorPos);
  const lowerPrefix = prefix.toLowerCase();
  const context: CompletionContext = target
    ? { kind: "member", prefix, expression: target.text, expressionIsAny: target.isAny }
    : { kind: span || gathered.entries.length === 0 ? "none" : "identifier", prefix };

  const seen = new Set<string>();
  const entries = gathered.entries
    .filter((e) => e.kind !== "warning" && !e.source && !e.hasAction && e.name.toLowerCase().startsWith(lowerPrefix))
    .filter((e) => !(e.kind === "keyword" && prefix === ""))
    .sort((a, b) => rank(a, prefix) - rank(b, prefix) || compare(a.sortText, b.sortText) || compare(a.name, b.name))
    .filter((e) => (seen.has(e.name) ? false : (seen.add(e.name), true)));

  const deadline = performance.now() + SIGNATURE_BUDGET_MS;
  const types: CompletionTypeInfo[] = entries.map((entry, index) => {
    let description = described.get(entry.name);
    const wantsSignature = index < SIGNATURE_LIMIT && entry.kind !== "keyword";
    if (!description || (wantsSignature && description.signature === undefined && performance.now() < deadline)) {
      description = { type: typeOfEntry(view, entry, symbolOf) };
      if (wantsSignature && performance.now() < deadline) {
        const signature = signatureOfSymbol(view, symbolOf(entry.name), target?.node);
        if (signature) description.signature = signature.text;
        // tfjs ops are constants holding functions (`const matMul: typeof matMul_`), and
        // `models.create` is a property holding an overloaded function: call them functions.
        if (signature?.callable && (description.type === "instance" || description.type === "property")) description.type = "function";
      }
      described.set(entry.name, description);
    }
    return { text: entry.name, ...description, start, end };
  });
  return { matches: entries.map((e) => e.name), cursorStart: start, cursorEnd: end, metadata: { _jupyter_types_experimental: types }, context };
}

/** 0 when the name starts with the prefix in the same case, 1 otherwise. */
function rank(entry: TS.CompletionEntry, prefix: string): number {
  return entry.name.startsWith(prefix) ? 0 : 1;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What is left of the dot before `wordStart` (cell offset): its text, and how to look its members up. */
interface MemberTarget {
  node: TS.Node;
  text: string;
  /** The module or namespace it names (`tf`, `tf.layers`, an `import * as`), whose exports are its members. */
  namespace?: TS.Symbol;
  /** Its static type, for ordinary values. */
  type?: TS.Type;
  /** True when it is a value of type `any`: only runtime names can list its members. */
  isAny: boolean;
}

/** The member-access target left of the dot before `wordStart`, if the cursor is after a dot. */
function memberTarget(view: CellView, wordStart: number): MemberTarget | undefined {
  const { ts, sourceFile, offset, code, checker } = view;
  let dot = wordStart - 1;
  while (dot >= 0 && /\s/.test(code[dot])) dot--;
  if (code[dot] !== ".") return undefined;
  const dotInFile = offset + dot;
  let found: TS.Expression | TS.EntityName | undefined;
  const visit = (node: TS.Node): void => {
    if (dotInFile < node.pos || dotInFile >= node.end) return;
    if (ts.isPropertyAccessExpression(node) && node.expression.end <= dotInFile) found = node.expression;
    else if (ts.isQualifiedName(node) && node.left.end <= dotInFile) found = node.left;
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (!found) return undefined;
  const text = code.slice(Math.max(0, found.getStart(sourceFile) - offset), found.end - offset);
  let symbol = checker.getSymbolAtLocation(found);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  if (symbol && symbol.flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) return { node: found, text, namespace: symbol, isAny: false };
  if (ts.isQualifiedName(found.parent)) return { node: found, text, isAny: false };
  const type = checker.getTypeAtLocation(found);
  return { node: found, text, type, isAny: (type.flags & ts.TypeFlags.Any) !== 0 };
}

/** The deepest node that contains `position` (cell offset), for scope lookups. */
function nodeAt(view: CellView, position: number): TS.Node {
  const { ts, sourceFile, offset } = view;
  const inFile = offset + position;
  let deepest: TS.Node = sourceFile;
  const visit = (node: TS.Node): void => {
    if (inFile < node.getStart(sourceFile) || inFile > node.end) return;
    deepest = node;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(sourceFile, visit);
  return deepest;
}

/** Symbols visible at the cursor by name (innermost first wins), computed on first use. */
function scopeSymbols(view: CellView, position: number): (name: string) => TS.Symbol | undefined {
  const { ts, checker } = view;
  let byName: Map<string, TS.Symbol> | undefined;
  return (name) => {
    if (!byName) {
      byName = new Map();
      const flags = ts.SymbolFlags.Value | ts.SymbolFlags.Type | ts.SymbolFlags.Namespace | ts.SymbolFlags.Alias;
      for (const symbol of checker.getSymbolsInScope(nodeAt(view, position), flags)) if (!byName.has(symbol.name)) byName.set(symbol.name, symbol);
    }
    return byName.get(name);
  };
}

/** Members of the target by name: a namespace's exports, or the properties of a value's type. */
function memberSymbols(view: CellView, target: MemberTarget): (name: string) => TS.Symbol | undefined {
  const { checker } = view;
  if (target.namespace) {
    const exports = new Map(checker.getExportsOfModule(target.namespace).map((symbol) => [symbol.name, symbol]));
    return (name) => exports.get(name);
  }
  if (!target.type) return () => undefined;
  const apparent = checker.getApparentType(target.type);
  return (name) => checker.getPropertyOfType(apparent, name);
}

/** The type of a value (or the declared type of a type) as text, and whether it can be called; imports are followed. */
function signatureOfSymbol(view: CellView, symbol: TS.Symbol | undefined, location: TS.Node | undefined): { text: string; callable: boolean } | undefined {
  const { ts, checker } = view;
  if (!symbol) return undefined;
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  if (symbol.flags & ts.SymbolFlags.Value) {
    const type = checker.getTypeOfSymbolAtLocation(symbol, location ?? view.sourceFile);
    return { text: printType(view, type), callable: type.getCallSignatures().length > 0 };
  }
  if (symbol.flags & ts.SymbolFlags.Type) return { text: printType(view, checker.getDeclaredTypeOfSymbol(symbol)), callable: false };
  return undefined;
}

function printType(view: CellView, type: TS.Type): string {
  return view.checker.typeToString(type, undefined, view.ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope);
}

/** IPython-style kind of an entry; imports (earlier cells' names, user imports) are resolved to what they name. */
function typeOfEntry(view: CellView, entry: TS.CompletionEntry, symbolOf: (name: string) => TS.Symbol | undefined): string {
  if (entry.kind !== "alias") return TYPE_OF_KIND[entry.kind] ?? entry.kind;
  const { ts, checker } = view;
  const symbol = symbolOf(entry.name);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) {
    const flags = checker.getAliasedSymbol(symbol).flags;
    if (flags & ts.SymbolFlags.Function) return "function";
    if (flags & ts.SymbolFlags.Class) return "class";
    if (flags & ts.SymbolFlags.Enum) return "enum";
    if (flags & ts.SymbolFlags.Variable) return "instance";
    if (flags & ts.SymbolFlags.Interface) return "interface";
    if (flags & ts.SymbolFlags.TypeAlias) return "type";
    if (flags & ts.SymbolFlags.Module) return "module";
  }
  const definition = view.cells.definitionOf(entry.name);
  return definition ? TYPE_OF_DECLARATION[definition.kind] : "module";
}
