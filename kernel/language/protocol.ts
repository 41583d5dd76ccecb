/**
 * Shapes shared by the language service, its worker and the main-thread
 * client: the answers to complete / inspect / check, and the messages that
 * travel between the kernel thread and the language worker.
 */

/** One completion match as IPython describes it in `metadata._jupyter_types_experimental`. */
export interface CompletionTypeInfo {
  /** The text that replaces `code.slice(start, end)`. */
  text: string;
  /** Kind of the match in IPython's vocabulary where one exists: "function", "class", "instance", "module", "keyword", "property"... */
  type: string;
  /** Offset in the cell (JS string units) where the replaced text starts. */
  start: number;
  /** Offset in the cell (JS string units) where the replaced text ends. */
  end: number;
  /** The TypeScript type or call signature, when cheap to compute (the first matches only). */
  signature?: string;
}

/** Answer to a completion request, in the shape of Jupyter's complete_reply content (minus status). */
export interface CompletionReply {
  /** Candidate texts, best first, already filtered by the typed prefix. */
  matches: string[];
  /** Offset in the cell where the text to replace starts (Jupyter's cursor_start). */
  cursorStart: number;
  /** Offset in the cell where the text to replace ends (Jupyter's cursor_end). */
  cursorEnd: number;
  /** Per-match kinds and types, as IPython sends them. */
  metadata: { _jupyter_types_experimental: CompletionTypeInfo[] };
}

/**
 * Where the completion happened, so the main thread can merge runtime names
 * (see `RuntimeNames` in client.ts): "member" after `expr.`, "identifier" for a
 * bare name, "none" inside strings, comments or where no name can go.
 */
export interface CompletionContext {
  kind: "member" | "identifier" | "none";
  /** The partial name typed before the cursor (`mat` in `tf.mat|`). */
  prefix: string;
  /** For "member": the source text of the expression left of the dot. */
  expression?: string;
  /** For "member": true when that expression's static type is `any` (runtime names are the only source then). */
  expressionIsAny?: boolean;
}

/** What the service answers internally: the reply plus the context used for runtime merging. */
export interface ServiceCompletion extends CompletionReply {
  context: CompletionContext;
}

/** Answer to an inspect request, in the shape of Jupyter's inspect_reply content (minus status and metadata). */
export interface InspectReply {
  /** False only when nothing is known about the name under the cursor. */
  found: boolean;
  /** Signature, type and JSDoc as plain text and as Markdown. */
  data: { "text/plain": string; "text/markdown": string } | Record<string, never>;
}

/** One type-checking finding, with a cell-relative 1-based position. */
export interface CellDiagnostic {
  /** 1-based line in the cell. */
  line: number;
  /** 1-based column in the cell (JS string units). */
  column: number;
  /** TypeScript's message, flattened to one text (chained messages indented on new lines). */
  message: string;
  /** TypeScript's category; suggestions and messages are not reported. */
  category: "error" | "warning";
  /** TypeScript's diagnostic code (e.g. 2322), for filtering. */
  code: number;
}

/** The empty completion answer: what a timed-out or failed request resolves with. */
export function emptyCompletion(cursorPos: number): CompletionReply {
  return { matches: [], cursorStart: cursorPos, cursorEnd: cursorPos, metadata: { _jupyter_types_experimental: [] } };
}

/** The empty inspect answer. */
export function emptyInspect(): InspectReply {
  return { found: false, data: {} };
}

/** Requests the client sends to the worker (`recordExecuted` and `reset` need no answer). */
export type WorkerRequest =
  | { id: number; method: "complete"; code: string; cursorPos: number }
  | { id: number; method: "inspect"; code: string; cursorPos: number; detailLevel: 0 | 1 }
  | { id: number; method: "check"; code: string }
  | { id: number; method: "warmUp" }
  | { id?: undefined; method: "recordExecuted"; code: string }
  | { id?: undefined; method: "reset" };

/** Answers the worker sends back, matched by request id. */
export type WorkerResponse =
  | { id: number; ok: true; result: ServiceCompletion | InspectReply | CellDiagnostic[] | null }
  | { id: number; ok: false; error: string };

/** Data the client hands the worker at start. */
export interface WorkerStartData {
  /** The tensorcell package root (holds package.json, lib/ and node_modules/). */
  kernelRoot: string;
  /** Directory where the worker may keep its V8 code cache for TypeScript; omitted: no cache. */
  cacheDir?: string;
  /** Preloaded globals and their type expressions, replacing the default set (see PRELOADED_GLOBALS). */
  globals?: Record<string, string>;
  /** Compiler options over the defaults, as JSON (enum values as numbers), e.g. { "noImplicitAny": true }. */
  compilerOptions?: Record<string, unknown>;
}
