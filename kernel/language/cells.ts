/**
 * The session model: which top-level names the executed cells defined, and
 * the generated prelude that makes them visible to a later cell.
 *
 * Each executed cell becomes its own virtual module `__tc_cell_<n>__.ts`
 * (n = execution order, so out-of-order runs are modelled as they ran).
 * Its text is: prelude + the cell's code + `export { <its top-level names> }`.
 * The prelude of a cell (executed or current) brings in, for every name an
 * earlier cell defined and this cell does not redefine, the NEWEST definition:
 *   - `const`: `declare const x: typeof import("./__tc_cell_3__").x;`
 *   - `let`/`var`: `declare let x: typeof import("./__tc_cell_3__").x;` (stays assignable)
 *   - functions, classes, interfaces, types, enums, namespaces, imports:
 *     `import { f } from "./__tc_cell_3__";` (keeps overloads, JSDoc, type meaning)
 * Types are never printed as text: the checker follows `typeof import()`
 * lazily, so a redefinition (`const x = "a"` after `const x = 1`) simply
 * points the name at the newer cell, and only the names a request touches are
 * ever type-checked. Lines that start with `%` (kernel directives such as
 * `%check`) are blanked to spaces, keeping every offset.
 */
import type * as TS from "typescript";
import type { TypeScript } from "./typescript-runtime.js";

/** How a top-level declaration introduced its name. */
export type DeclarationKind = "const" | "let" | "var" | "function" | "class" | "interface" | "type" | "enum" | "namespace" | "import";

/** A name declared at the top level of a cell. */
export interface TopLevelName {
  name: string;
  kind: DeclarationKind;
  /** True when the cell already exports it (`export const x`), so no export clause entry is needed. */
  exported: boolean;
}

/** The newest definition of a name in the session. */
export interface VisibleName {
  kind: DeclarationKind;
  /** Module specifier of the cell that defined it, e.g. "./__tc_cell_3__". */
  specifier: string;
}

/** An executed cell as a virtual module. */
export interface ExecutedCell {
  fileName: string;
  text: string;
}

/** Name prefix of the virtual cell modules (they live in process.cwd(), so relative imports resolve as at run time). */
export const CELL_FILE_PREFIX = "__tc_cell_";

/** Replaces lines that start with `%` (kernel directives) by spaces of the same length. */
export function maskDirectives(code: string): string {
  return code.replace(/^([ \t]*%[^\n]*)$/gm, (line) => " ".repeat(line.length));
}

/** The names a cell declares at its top level, in order, one entry per name. */
export function topLevelNames(ts: TypeScript, sourceFile: TS.SourceFile): TopLevelName[] {
  const found = new Map<string, TopLevelName>();
  const add = (name: string, kind: DeclarationKind, exported: boolean): void => {
    const earlier = found.get(name);
    // A value and a type of the same name in one cell (or overloads): an import carries both meanings.
    if (earlier && earlier.kind !== kind) found.set(name, { name, kind: "import", exported: earlier.exported || exported });
    else if (!earlier) found.set(name, { name, kind, exported });
  };
  const isExported = (node: TS.Node): boolean =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  const addBinding = (binding: TS.BindingName, kind: DeclarationKind, exported: boolean): void => {
    if (ts.isIdentifier(binding)) return add(binding.text, kind, exported);
    for (const element of binding.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name, kind, exported);
  };
  for (const statement of sourceFile.statements) {
    const exported = isExported(statement);
    if (ts.isVariableStatement(statement)) {
      const flags = statement.declarationList.flags;
      const kind: DeclarationKind = flags & ts.NodeFlags.Const ? "const" : flags & ts.NodeFlags.Let ? "let" : flags & ts.NodeFlags.Using ? "const" : "var";
      for (const declaration of statement.declarationList.declarations) addBinding(declaration.name, kind, exported);
    } else if (ts.isFunctionDeclaration(statement) && statement.name) add(statement.name.text, "function", exported);
    else if (ts.isClassDeclaration(statement) && statement.name) add(statement.name.text, "class", exported);
    else if (ts.isInterfaceDeclaration(statement)) add(statement.name.text, "interface", exported);
    else if (ts.isTypeAliasDeclaration(statement)) add(statement.name.text, "type", exported);
    else if (ts.isEnumDeclaration(statement)) add(statement.name.text, "enum", exported);
    else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) add(statement.name.text, "namespace", exported);
    else if (ts.isImportEqualsDeclaration(statement)) add(statement.name.text, "import", exported);
    else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) add(clause.name.text, "import", false);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) add(bindings.name.text, "import", false);
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) add(element.name.text, "import", false);
    }
  }
  return [...found.values()];
}

/** Builds the one-line prelude that declares `visible` names, minus those in `own`. Ends with a newline. */
export function buildPrelude(visible: ReadonlyMap<string, VisibleName>, own: ReadonlySet<string>): string {
  const declarations: string[] = [];
  const importsBySpecifier = new Map<string, string[]>();
  for (const [name, { kind, specifier }] of visible) {
    if (own.has(name)) continue;
    if (kind === "const") declarations.push(`declare const ${name}: typeof import("${specifier}").${name};`);
    else if (kind === "let" || kind === "var") declarations.push(`declare let ${name}: typeof import("${specifier}").${name};`);
    else {
      const names = importsBySpecifier.get(specifier) ?? [];
      names.push(name);
      importsBySpecifier.set(specifier, names);
    }
  }
  const imports = [...importsBySpecifier].map(([specifier, names]) => `import { ${names.join(", ")} } from "${specifier}";`);
  return [...imports, ...declarations].join(" ") + "\n";
}

/** The executed cells of one session, in execution order, and the newest definition of each name. */
export class SessionCells {
  private readonly cells: ExecutedCell[] = [];
  private readonly visible = new Map<string, VisibleName>();

  /** `directory` is where the virtual modules live (absolute, forward slashes). */
  constructor(private readonly ts: TypeScript, private readonly directory: string) {}

  /** Adds an executed cell; its names now shadow earlier definitions. */
  record(code: string): ExecutedCell {
    const masked = maskDirectives(code);
    const names = this.namesOf(masked);
    const prelude = buildPrelude(this.visible, new Set(names.map((n) => n.name)));
    const exportList = names.filter((n) => !n.exported).map((n) => n.name);
    // A leading newline and `;` close whatever the cell left open (a trailing `//` comment, a missing semicolon).
    const exportClause = exportList.length ? `\n;export { ${exportList.join(", ")} };\n` : "\n";
    const index = this.cells.length + 1;
    const cell = { fileName: `${this.directory}/${CELL_FILE_PREFIX}${index}__.ts`, text: prelude + masked + exportClause };
    this.cells.push(cell);
    for (const { name, kind } of names) this.visible.set(name, { kind, specifier: `./${CELL_FILE_PREFIX}${index}__` });
    return cell;
  }

  /** The prelude and masked text for an unexecuted cell: `prelude + masked` is its virtual file text. */
  current(code: string): { prelude: string; masked: string } {
    const masked = maskDirectives(code);
    const own = new Set(this.namesOf(masked).map((n) => n.name));
    return { prelude: buildPrelude(this.visible, own), masked };
  }

  /** All executed cells, oldest first. */
  executed(): readonly ExecutedCell[] {
    return this.cells;
  }

  /** The newest definition of `name`, if an executed cell declared it. */
  definitionOf(name: string): VisibleName | undefined {
    return this.visible.get(name);
  }

  /** Forgets every executed cell (kernel restart). */
  clear(): void {
    this.cells.length = 0;
    this.visible.clear();
  }

  private namesOf(code: string): TopLevelName[] {
    const ts = this.ts;
    return topLevelNames(ts, ts.createSourceFile("cell.ts", code, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS));
  }
}
