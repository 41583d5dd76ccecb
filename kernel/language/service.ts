/**
 * Type-aware editor assistance for a tensorcell session: completion, inspect
 * and on-demand type checking from the TypeScript language service.
 *
 * Design (see cells.ts for the session model):
 * - One ts.LanguageService over a VirtualProject (project.ts) whose root files
 *   are a generated globals .d.ts (the preloaded `tf`, `models`, ... typed
 *   from @tensorflow/tfjs and the library's lib/ sources), one virtual module
 *   per executed cell, and the current (unexecuted) cell.
 * - Later cells see earlier cells' top-level names through a generated
 *   one-line prelude of `import` / `declare ... typeof import()` statements
 *   pointing at the NEWEST definition, so redefinition and out-of-order runs
 *   follow execution order, and no type is ever printed and re-parsed.
 * - The current cell is `prelude + code`; every position is shifted by the
 *   prelude's length, and answers are cell-relative again.
 * - Speed: one DocumentRegistry and one program that TypeScript updates
 *   incrementally (a request re-parses only the current cell; real files'
 *   snapshots and module resolutions are cached for the session);
 *   skipLibCheck; the checker is lazy, so only the types a request touches
 *   are computed. While the user types more of the same name, the previous
 *   raw completion is re-filtered without a new program (completion.ts).
 *   Cold start: the worker loads typescript.js through a V8 code cache
 *   (typescript-runtime.ts) and builds the first program without
 *   @types/node (`deferNodeTypes`), loading it right after the first answer.
 *
 * Nothing here throws for bad user code: a cell with syntax or type errors
 * still completes, inspects and checks.
 */
import type * as TS from "typescript";
import { typescript, type TypeScript } from "./typescript-runtime.js";
import { SessionCells, CELL_FILE_PREFIX } from "./cells.js";
import { VirtualProject, PRELOADED_GLOBALS, NODE_GLOBALS_STAND_IN, cellCompilerOptions, globalsDeclaration, toPosix } from "./project.js";
import { gatherCompletions, presentCompletions, reusableKey, type GatheredCompletions } from "./completion.js";
import { inspectInCell } from "./inspect.js";
import { checkCell } from "./diagnostics.js";
import { findKernelRoot } from "../paths.js";
import type { CellDiagnostic, InspectReply, ServiceCompletion } from "./protocol.js";

/**
 * Type packages the first program leaves out besides @types/node (with
 * `deferNodeTypes`): they reach cells only through the library's internals
 * (vega for rendering Vega-Lite, WebGPU buffer types in tfjs-core) and are
 * another fifth of the text to parse. Cells that import them still get them.
 */
const DEFERRED_PACKAGES: ReadonlySet<string> = new Set(["vega", "vega-lite", "@webgpu/types/dist", "@webgpu/types"]);

/** Options of a session language service. */
export interface LanguageServiceOptions {
  /** The tensorcell package root (package.json, lib/, node_modules/). Default: found from this file's location. */
  kernelRoot?: string;
  /** Where cells live, for relative imports and package resolution. Default: process.cwd(). */
  cellDirectory?: string;
  /** Preloaded global names and their type expressions. Default: PRELOADED_GLOBALS. */
  globals?: Readonly<Record<string, string>>;
  /** Extra compiler options over the defaults (e.g. `{ noImplicitAny: true }` for a strict course). */
  compilerOptions?: TS.CompilerOptions;
  /** The TypeScript module to use (the worker passes one loaded through a code cache). */
  ts?: TypeScript;
  /**
   * Build the first program without @types/node (with a small stand-in for
   * console, process, timers...), and load it on `loadDeferredTypes()` or the
   * first `check()`; the library-internal packages in DEFERRED_PACKAGES
   * likewise. Cuts about a third of the text the first program parses. Default false.
   */
  deferNodeTypes?: boolean;
}

/** Everything a request needs about the current cell, in the program's terms. */
export interface CellView {
  ts: TypeScript;
  service: TS.LanguageService;
  program: TS.Program;
  checker: TS.TypeChecker;
  sourceFile: TS.SourceFile;
  fileName: string;
  /** Length of the prelude: file position = offset + cell position. */
  offset: number;
  /** The cell's code with directives masked (same length as what the user sent). */
  code: string;
  /** The session model, to name the kinds of earlier cells' declarations. */
  cells: SessionCells;
}

/** Language service over one kernel session. Create one per session; it is synchronous. */
export class SessionLanguageService {
  private readonly ts: TypeScript;
  private readonly project: VirtualProject;
  private readonly service: TS.LanguageService;
  private readonly cells: SessionCells;
  private readonly currentFile: string;
  private readonly cellDirectory: string;
  /** Set while the program runs without @types/node: the full options and the stand-in's file name. */
  private deferred: { options: TS.CompilerOptions; standIn: string } | undefined;
  /** The last completion's raw answer, reused while only the word at the cursor changes. */
  private lastCompletion: { key: string; gathered: GatheredCompletions } | undefined;

  constructor(options: LanguageServiceOptions = {}) {
    this.ts = options.ts ?? typescript();
    const kernelRoot = toPosix(options.kernelRoot ?? findKernelRoot());
    this.cellDirectory = toPosix(options.cellDirectory ?? process.cwd());
    const compilerOptions = cellCompilerOptions(this.ts, kernelRoot, options.compilerOptions);
    const defer = options.deferNodeTypes === true && (compilerOptions.types ?? []).includes("node");
    const firstOptions = defer ? { ...compilerOptions, types: (compilerOptions.types ?? []).filter((t) => t !== "node") } : compilerOptions;
    this.project = new VirtualProject(this.ts, firstOptions, this.cellDirectory, kernelRoot);
    this.project.setFile(`${kernelRoot}/__tensorcell_globals__.d.ts`, globalsDeclaration(options.globals ?? PRELOADED_GLOBALS));
    if (defer) {
      this.deferred = { options: compilerOptions, standIn: `${kernelRoot}/__tensorcell_node_stand_in__.d.ts` };
      this.project.setFile(this.deferred.standIn, NODE_GLOBALS_STAND_IN);
      this.project.setDeferredPackages(DEFERRED_PACKAGES);
    }
    this.cells = new SessionCells(this.ts, this.cellDirectory);
    this.currentFile = `${this.cellDirectory}/${CELL_FILE_PREFIX}current__.ts`;
    this.service = this.ts.createLanguageService(this.project, this.ts.createDocumentRegistry());
  }

  /** Records a cell the kernel executed; its top-level names are visible to later cells and shadow older ones. */
  recordExecuted(code: string): void {
    this.lastCompletion = undefined;
    const cell = this.cells.record(code);
    this.project.setFile(cell.fileName, cell.text);
  }

  /** Forgets every executed cell (after a kernel restart). */
  reset(): void {
    this.lastCompletion = undefined;
    for (const cell of this.cells.executed()) this.project.deleteFile(cell.fileName);
    this.cells.clear();
  }

  /**
   * Completions at `cursorPos` (JS string offset in `code`): members after a
   * dot, names in scope otherwise, filtered by the partial name typed before
   * the cursor. `context` says what runtime names may be merged in.
   */
  complete(code: string, cursorPos: number): ServiceCompletion {
    const position = clamp(cursorPos, code.length);
    const key = reusableKey(code, position);
    const last = this.lastCompletion;
    // Typing more of the same name: TypeScript's answer is unchanged, so skip the program update.
    if (last && last.key === key && !last.gathered.span) return presentCompletions(last.gathered, code, position);
    const view = this.view(code);
    const gathered = gatherCompletions(view, position);
    this.lastCompletion = { key, gathered };
    return presentCompletions(gathered, code, position);
  }

  /** Signature, type and JSDoc of the name under (or just before) the cursor, or of the call the cursor is in. */
  inspect(code: string, cursorPos: number, detailLevel: 0 | 1 = 0): InspectReply {
    return inspectInCell(this.view(code), clamp(cursorPos, code.length), detailLevel);
  }

  /** Syntax and type errors of `code` as if it ran next, with cell-relative 1-based line:column. */
  check(code: string): CellDiagnostic[] {
    this.loadDeferredTypes();
    return checkCell(this.view(code));
  }

  /**
   * Loads @types/node if `deferNodeTypes` left it out, and builds and binds
   * that program now; returns false when there was nothing to load. The
   * worker calls it right after its first answer.
   */
  loadDeferredTypes(): boolean {
    if (!this.deferred) return false;
    this.project.deleteFile(this.deferred.standIn);
    this.project.setCompilerOptions(this.deferred.options);
    this.project.setDeferredPackages(undefined);
    this.deferred = undefined;
    this.lastCompletion = undefined;
    // Parsing and binding are kept on the source files, so the next request's program reuses them.
    this.service.getProgram()?.getTypeChecker();
    this.project.resolutionsRefreshed();
    return true;
  }

  /** Builds the program once with an empty cell, so the first real request is fast. */
  warmUp(): void {
    this.complete("tf.", 3);
  }

  private view(code: string): CellView {
    // Any new program makes the cached completion's checker stale.
    this.lastCompletion = undefined;
    const { prelude, masked } = this.cells.current(code);
    this.project.setFile(this.currentFile, prelude + masked);
    const program = this.service.getProgram();
    const sourceFile = program?.getSourceFile(this.currentFile);
    if (!program || !sourceFile) throw new Error("tensorcell language service: the current cell is missing from the program (internal error).");
    return {
      ts: this.ts,
      service: this.service,
      program,
      checker: program.getTypeChecker(),
      sourceFile,
      fileName: this.currentFile,
      offset: prelude.length,
      code: masked,
      cells: this.cells,
    };
  }
}

function clamp(position: number, length: number): number {
  return Math.max(0, Math.min(length, Math.floor(position)));
}
