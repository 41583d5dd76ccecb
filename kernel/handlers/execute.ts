/**
 * execute_request, with ipykernel's semantics for silent, store_history,
 * user_expressions, allow_stdin and stop_on_error.
 */
import type { Executor } from "../executor/executor.js";
import type { Handler } from "./context.js";
import type { History } from "./history.js";
import { takeCheckDirective, type CellTypeChecking } from "./typecheck.js";

/** Answers IPython-style help requests (`name?`, `name??`) with what is known about a name. */
export type HelpProvider = (name: string, detail: 0 | 1) => Promise<{ found: boolean; data: Record<string, string> }>;

/** `Math.max?` or `?Math.max` (detail 0), `Math.max??` (detail 1): the name and detail level, or undefined. */
export function parseHelpRequest(code: string): { name: string; detail: 0 | 1 } | undefined {
  const match = /^\s*(\?{1,2})?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(\?{1,2})?\s*$/.exec(code);
  if (!match || (!match[1] && !match[3])) return undefined;
  return { name: match[2], detail: (match[1] ?? match[3]).length === 2 ? 1 : 0 };
}

/** Optional services of the execute handler. */
export interface ExecuteServices {
  /** Answers `name?` help requests. */
  help?: HelpProvider;
  /** Type checking before a cell (mode, and `%check` directives). */
  typeChecking?: CellTypeChecking;
  /** Told about every cell that ran (the language service learns the session's names). */
  onExecuted?: (code: string) => void;
}

/** The execute_request handler. */
export function executeHandler(executor: Executor, history: History, services: ExecuteServices = {}): Handler {
  const { help, typeChecking, onExecuted } = services;
  return async ({ request, reply, publish }) => {
    const content = request.content;
    const original = typeof content.code === "string" ? content.code : "";
    const { code, forced } = takeCheckDirective(original);
    const silent = Boolean(content.silent);
    // The spec: silent=true forces store_history=false.
    const storeHistory = !silent && (content.store_history === undefined ? true : Boolean(content.store_history));
    const stopOnError = content.stop_on_error === undefined ? true : Boolean(content.stop_on_error);
    const helpRequest = help && parseHelpRequest(code);
    const outcome = await executor.execute(code, {
      parent: request.header,
      silent,
      storeHistory,
      allowStdin: Boolean(content.allow_stdin),
      userExpressions: (content.user_expressions as Record<string, string>) ?? {},
      skipEvaluation: Boolean(helpRequest),
      sentCode: original,
      precheck: typeChecking && !helpRequest ? () => typeChecking.run(code, forced, publish) : undefined,
    });
    if (storeHistory) history.record(outcome.executionCount, original);
    if (!helpRequest && !silent) onExecuted?.(code);
    if (outcome.status === "ok") {
      const payload: Record<string, unknown>[] = [];
      if (helpRequest) {
        // IPython's pager payload: frontends show it in a pager or below the cell.
        const found = await help!(helpRequest.name, helpRequest.detail);
        const data = found.found ? found.data : { "text/plain": `Object \`${helpRequest.name}\` not found.` };
        payload.push({ source: "page", data, start: 0 });
      }
      reply({ status: "ok", execution_count: outcome.executionCount, user_expressions: outcome.userExpressions, payload });
      return;
    }
    const { ename, evalue, traceback } = outcome;
    reply(
      { status: "error", execution_count: outcome.executionCount, ename, evalue, traceback },
      // ipykernel marks the reply so frontends know which request raised.
      { dependencies_met: true, engine: "tensorcell", status: "error" },
    );
    return { abortQueued: stopOnError && !silent };
  };
}
