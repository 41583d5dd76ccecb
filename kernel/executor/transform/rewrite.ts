import { parse, type AnyNode, type ExpressionStatement, type ImportDeclaration, type Literal, type Program, type VariableDeclaration } from "acorn";
import MagicString from "magic-string";
import { childNodes, isFunction, isLoop, patternNames, type LoopNode } from "./ast.js";
import { runsBriefly } from "./brief.js";

/** What the rewrite needs to know beyond esbuild's JavaScript. */
export interface RewriteOptions {
  /** Global name of the runtime object; the output calls `${runtime}.tick()`, `${runtime}.import(spec)` and `${runtime}.keep()`. */
  runtime: string;
  /** True when a top-level name was written in the cell (false for helpers esbuild injected, which stay local). */
  isUserName(name: string): boolean;
  /** Asked only when the last statement is an expression (given): does the cell's source end with ";"? */
  endsWithSemicolon(last: ExpressionStatement): boolean;
  /** The JavaScript's syntax tree, when the caller has already parsed it (the same options as here). */
  program?: Program;
}

/** The rewritten cell: a script that evaluates to undefined | {value} (or a Promise of one). */
export interface RewrittenCell {
  code: string;
  /** Decoded mappings from `code` back to esbuild's JavaScript (hires, one segment per character). */
  mappings: number[][][];
  isAsync: boolean;
  declaredNames: string[];
  /** True when the last statement carried transform.ts's `, runtime.keep()` at the top level (and it was taken off). */
  keptValue: boolean;
  /** True when the JavaScript calls nothing and has no loop (brief.ts): it needs no SIGINT watchdog. */
  runsBriefly: boolean;
}

/** A construct the cell cannot support, found at `offset` in esbuild's JavaScript. */
export class RewriteError extends Error {
  /**
   * @param reason what is wrong and what to do instead
   * @param offset character offset into the transpiled JavaScript
   */
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(reason);
    this.name = "RewriteError";
  }
}

/**
 * Step 2 of the cell transform: turns esbuild's module-style JavaScript into a script for
 * vm.runInThisContext whose top-level bindings live on globalThis (see transformCell).
 * @throws RewriteError when the JavaScript does not parse or uses import.meta.
 */
export function rewriteCell(js: string, options: RewriteOptions): RewrittenCell {
  return new CellRewriter(js, options).run();
}

/** Statements that only load a module: import, `export * from`, `export { a } from`. */
function isModuleLoad(statement: AnyNode): boolean {
  return (
    statement.type === "ImportDeclaration" ||
    statement.type === "ExportAllDeclaration" ||
    (statement.type === "ExportNamedDeclaration" && statement.source !== null && statement.source !== undefined)
  );
}

class CellRewriter {
  private readonly text: MagicString;
  private readonly declared = new Set<string>();
  /** Top-level `var` names: created as undefined on globalThis before the body runs, like var hoisting. */
  private readonly varNames = new Set<string>();
  /** Top-level function declarations, published to globalThis before the body runs. */
  private readonly functionNames: string[] = [];
  /** Declarations already rewritten (for-loop heads), so the generic walk leaves them alone. */
  private readonly handled = new Set<AnyNode>();
  private readonly tick: string;
  private readonly tempPrefix: string;
  private importCount = 0;
  private keptValue = false;
  /** Where the first statement that is not an import starts: hoisted imports go just before it. */
  private firstCodeStart = 0;
  private needsAsync = false;

  constructor(
    private readonly js: string,
    private readonly options: RewriteOptions,
  ) {
    this.text = new MagicString(js);
    this.tick = `${options.runtime}.tick();`;
    this.tempPrefix = options.runtime.replace(/[^\w$]/g, "_");
  }

  run(): RewrittenCell {
    const program = this.options.program ?? this.parse();
    const keep = `${this.options.runtime}.keep`;
    const brief = runsBriefly(program, (node) => node.type === "CallExpression" && this.js.slice(node.callee.start, node.callee.end) === keep);
    // A hashbang line is only legal at the very start of a file, and the wrapper comes first.
    if (this.js.startsWith("#!")) this.text.remove(0, this.js.search(/\n|$/));
    const firstCode = program.body.find((statement) => !isModuleLoad(statement));
    this.firstCodeStart = firstCode ? firstCode.start : this.js.length;
    for (const statement of program.body) this.topLevel(statement);
    this.returnLastValue(program);
    const prelude = [
      ...[...this.varNames].map((name) => `${JSON.stringify(name)} in globalThis || (globalThis.${name} = undefined);`),
      ...this.functionNames.map((name) => `globalThis.${name} = ${name};`),
    ];
    // Sloppy-mode function on purpose: assignments to undeclared names create globals.
    this.text.prepend(`(${this.needsAsync ? "async " : ""}function () { ${prelude.join(" ")}\n`);
    this.text.append("\n})()");
    const map = this.text.generateDecodedMap({ hires: true, includeContent: false });
    return {
      code: this.text.toString(),
      mappings: map.mappings as number[][][],
      isAsync: this.needsAsync,
      declaredNames: [...this.declared],
      keptValue: this.keptValue,
      runsBriefly: brief,
    };
  }

  private parse(): Program {
    try {
      return parse(this.js, { ecmaVersion: "latest", sourceType: "module", allowAwaitOutsideFunction: true, allowHashBang: true });
    } catch (error) {
      // acorn's SyntaxError carries `pos`; esbuild accepted the cell, so this is rare (syntax newer than acorn).
      if (error instanceof SyntaxError && typeof (error as SyntaxError & { pos?: unknown }).pos === "number") {
        const reason = error.message.replace(/\s*\(\d+:\d+\)$/, "");
        throw new RewriteError(reason, (error as SyntaxError & { pos: number }).pos);
      }
      throw error;
    }
  }

  /** Rewrites one statement of the cell's top level, then walks into it. */
  private topLevel(statement: AnyNode): void {
    switch (statement.type) {
      case "ImportDeclaration":
        this.hoist(statement, this.importCode(statement));
        return;
      case "ExportNamedDeclaration":
        if (statement.declaration) {
          this.text.remove(statement.start, statement.declaration.start);
          this.topLevel(statement.declaration);
          return;
        }
        // `export { a }` has nothing to run; `export { a } from "m"` still loads m.
        if (statement.source) this.hoist(statement, this.bareImportCode(statement.source));
        else this.text.remove(statement.start, statement.end);
        return;
      case "ExportAllDeclaration":
        this.hoist(statement, this.bareImportCode(statement.source));
        return;
      case "ExportDefaultDeclaration": {
        const declaration = statement.declaration;
        // Up to the end of the `default` keyword: the declaration node may start inside parentheses.
        const afterKeyword = this.js.indexOf("default", statement.start) + "default".length;
        this.text.remove(statement.start, afterKeyword);
        if ((declaration.type === "FunctionDeclaration" || declaration.type === "ClassDeclaration") && declaration.id) {
          this.topLevel(declaration);
          return;
        }
        // An anonymous default export is just evaluated (a cell is not a module).
        const end = this.withoutSemicolon(statement);
        this.text.prependRight(afterKeyword, "(");
        this.text.appendLeft(end, ");");
        if (statement.end > end) this.text.remove(end, statement.end);
        this.visit(declaration, 0);
        return;
      }
      case "VariableDeclaration":
        this.rewriteDeclaration(statement, "top-level");
        for (const child of childNodes(statement)) this.visit(child, 0);
        return;
      case "FunctionDeclaration": {
        const name = statement.id?.name;
        if (name && this.options.isUserName(name)) {
          this.declared.add(name);
          this.functionNames.push(name);
        }
        this.visit(statement, 0);
        return;
      }
      case "ClassDeclaration": {
        const name = statement.id?.name;
        if (name && this.options.isUserName(name)) {
          this.declared.add(name);
          this.text.prependRight(statement.start, `${name} = `);
          this.text.appendLeft(statement.end, ";");
        }
        this.visit(statement, 0);
        return;
      }
      case "ExpressionStatement":
        // The output must stay sloppy (see run), so a "use strict" prologue is dropped.
        if (statement.directive === "use strict") {
          this.text.remove(statement.start, statement.end);
          return;
        }
        this.visit(statement, 0);
        return;
      default:
        this.visit(statement, 0);
    }
  }

  /**
   * Turns a declaration whose names belong on globalThis into assignments:
   * `const {a, b: [c]} = o` -> `({a, b: [c]} = o)`, `let x` -> `(x = undefined)`,
   * and `var y` without initialiser disappears (y keeps its old value, like a var redeclaration).
   */
  private rewriteDeclaration(declaration: VariableDeclaration, position: "top-level" | "statement" | "for-init"): void {
    const names = declaration.declarations.flatMap((declarator) => patternNames(declarator.id));
    if (!names.some((name) => this.options.isUserName(name))) return;
    for (const name of names) {
      this.declared.add(name);
      if (declaration.kind === "var") this.varNames.add(name);
    }
    const kept = declaration.declarations.filter((declarator) => declarator.init || declaration.kind !== "var");
    const first = kept[0];
    if (!first) {
      if (position !== "for-init") this.text.update(declaration.start, declaration.end, ";");
      else this.text.remove(declaration.start, declaration.end);
      return;
    }
    this.text.remove(declaration.start, first.start);
    kept.forEach((declarator, index) => {
      const previous = kept[index - 1];
      if (previous) this.text.update(previous.end, declarator.start, ", ");
      // A leading ";" at the top level: the cell's own text (the fast path) may end the previous statement without one.
      this.text.prependRight(declarator.start, index === 0 && position === "top-level" ? ";(" : "(");
      this.text.appendLeft(declarator.end, declarator.init ? ")" : " = undefined)");
    });
    const last = declaration.declarations[declaration.declarations.length - 1];
    const lastKept = kept[kept.length - 1];
    if (last && lastKept && last !== lastKept) this.text.remove(lastKept.end, last.end);
  }

  /** Walks every node: loop checks, dynamic import, await detection, top-level `var` in blocks. */
  private visit(node: AnyNode, functionDepth: number): void {
    if (isLoop(node)) this.instrumentLoop(node, functionDepth);
    switch (node.type) {
      case "VariableDeclaration":
        if (node.kind === "var" && functionDepth === 0 && !this.handled.has(node)) this.rewriteDeclaration(node, "statement");
        break;
      case "AwaitExpression":
        if (functionDepth === 0) this.needsAsync = true;
        break;
      case "ImportExpression":
        this.text.update(node.start, node.start + "import".length, `${this.options.runtime}.import`);
        break;
      case "MetaProperty":
        if (node.meta.name === "import") {
          throw new RewriteError(
            "import.meta is not available in a notebook cell (a cell is not a module file); use process.cwd() for the working directory",
            node.start,
          );
        }
        break;
      case "PropertyDefinition":
        // A field initialiser runs as its own function; a computed key runs in the enclosing scope.
        if (node.computed) this.visit(node.key, functionDepth);
        if (node.value) this.visit(node.value, functionDepth + 1);
        return;
      case "StaticBlock":
        for (const child of childNodes(node)) this.visit(child, functionDepth + 1);
        return;
    }
    const childDepth = isFunction(node) ? functionDepth + 1 : functionDepth;
    for (const child of childNodes(node)) this.visit(child, childDepth);
  }

  /** Puts `${runtime}.tick();` first in the loop body (wrapping a non-block body in braces). */
  private instrumentLoop(loop: LoopNode, functionDepth: number): void {
    if (loop.type === "ForOfStatement" && loop.await && functionDepth === 0) this.needsAsync = true;
    if (functionDepth === 0) this.rewriteLoopHead(loop);
    const body = loop.body;
    if (body.type === "BlockStatement") {
      this.text.appendLeft(body.start + 1, ` ${this.tick}`);
    } else {
      this.text.prependRight(body.start, `{ ${this.tick} `);
      this.text.appendLeft(body.end, " }");
    }
  }

  /** `for (var i = 0; ...)` and `for (var x of xs)` at top level bind globals, as a script would. */
  private rewriteLoopHead(loop: LoopNode): void {
    if (loop.type === "ForStatement" && loop.init?.type === "VariableDeclaration" && loop.init.kind === "var") {
      this.handled.add(loop.init);
      this.rewriteDeclaration(loop.init, "for-init");
    }
    if ((loop.type === "ForInStatement" || loop.type === "ForOfStatement") && loop.left.type === "VariableDeclaration") {
      const head = loop.left;
      const declarator = head.declarations[0];
      this.handled.add(head);
      if (head.kind !== "var" || !declarator) return;
      const names = patternNames(declarator.id);
      if (!names.some((name) => this.options.isUserName(name))) return;
      for (const name of names) {
        this.declared.add(name);
        this.varNames.add(name);
      }
      this.text.remove(head.start, declarator.id.start);
    }
  }

  /**
   * Replaces an import statement with `code` and moves it to the top of the cell body (imports
   * run first, in source order, as in a module). Moving the edited text keeps its source mapping,
   * so a failing import still points at its own line.
   */
  private hoist(statement: AnyNode, code: string): void {
    this.needsAsync = true;
    this.text.update(statement.start, statement.end, `${code}\n`);
    // Imports already ahead of all other code stay put; later ones move just before that code.
    if (statement.start > this.firstCodeStart) this.text.move(statement.start, statement.end, this.firstCodeStart);
  }

  /** `import d, { a as b } from "m"` -> `const t = await rt.import("m"); d = ...; b = ...;` */
  private importCode(declaration: ImportDeclaration): string {
    const load = `await ${this.options.runtime}.import(${JSON.stringify(String(declaration.source.value))}${this.importAttributes(declaration)})`;
    if (declaration.specifiers.length === 0) return `${load};`;
    const temp = `${this.tempPrefix}_import_${this.importCount++}`;
    const statements = [`const ${temp} = ${load};`];
    for (const specifier of declaration.specifiers) {
      const local = specifier.local.name;
      this.declared.add(local);
      if (specifier.type === "ImportNamespaceSpecifier") {
        statements.push(`${local} = ${temp};`);
        continue;
      }
      const imported =
        specifier.type === "ImportDefaultSpecifier"
          ? "default"
          : specifier.imported.type === "Identifier"
            ? specifier.imported.name
            : String(specifier.imported.value);
      if (imported === "default") {
        // CommonJS: default is module.exports. An ESM module without a default export gives its namespace.
        statements.push(`${local} = "default" in ${temp} ? ${temp}.default : ${temp};`);
      } else {
        // Named exports Node's CommonJS detection missed are still found on module.exports.
        const key = JSON.stringify(imported);
        statements.push(`${local} = ${key} in ${temp} ? ${temp}[${key}] : ${temp}.default?.[${key}];`);
      }
    }
    return statements.join(" ");
  }

  /** `export * from "m"` and `export { a } from "m"` still load m for its side effects. */
  private bareImportCode(source: Literal): string {
    return `await ${this.options.runtime}.import(${JSON.stringify(String(source.value))});`;
  }

  private importAttributes(declaration: ImportDeclaration): string {
    if (declaration.attributes.length === 0) return "";
    const entries = declaration.attributes.map((attribute) => {
      const key = attribute.key.type === "Identifier" ? attribute.key.name : String(attribute.key.value);
      return `${JSON.stringify(key)}: ${JSON.stringify(String(attribute.value.value))}`;
    });
    return `, { with: { ${entries.join(", ")} } }`;
  }

  /** The `, runtime.keep()` at the end of the last statement, as a text range to remove. */
  private valueSentinel(statement: ExpressionStatement): { from: number; to: number } | undefined {
    const expression = statement.expression;
    if (expression.type !== "SequenceExpression" || expression.expressions.length < 2) return undefined;
    const last = expression.expressions[expression.expressions.length - 1];
    const keep = `${this.options.runtime}.keep`;
    if (last.type !== "CallExpression" || this.js.slice(last.callee.start, last.callee.end) !== keep) return undefined;
    const previous = expression.expressions[expression.expressions.length - 2];
    return { from: previous.end, to: last.end };
  }

  /** Where a statement's text ends, not counting its terminating ";". */
  private withoutSemicolon(statement: AnyNode): number {
    return this.js[statement.end - 1] === ";" ? statement.end - 1 : statement.end;
  }

  /** The cell's value: its last statement, when that is an expression and the cell does not end with ";". */
  private returnLastValue(program: Program): void {
    const last = [...program.body]
      .reverse()
      .find(
        (statement) =>
          statement.type !== "ImportDeclaration" &&
          statement.type !== "ExportAllDeclaration" &&
          statement.type !== "EmptyStatement" &&
          !(statement.type === "ExportNamedDeclaration" && !statement.declaration),
      );
    if (!last || last.type !== "ExpressionStatement") return;
    const statement: ExpressionStatement = last;
    const end = this.withoutSemicolon(statement);
    const sentinel = this.valueSentinel(statement);
    // transform.ts appended `, runtime.keep()` so esbuild keeps a side-effect-free last
    // expression (it folds and drops e.g. 'a' + 'b'); take it off again.
    if (sentinel) {
      this.text.remove(sentinel.from, sentinel.to);
      this.keptValue = true;
    }
    if (statement.directive === "use strict" || this.options.endsWithSemicolon(statement)) return;
    // From the statement's own start and end: the expression node starts inside any parentheses.
    this.text.prependRight(statement.start, "return { value: (");
    this.text.appendLeft(end, ") };");
    if (statement.end > end) this.text.remove(end, statement.end);
  }
}
