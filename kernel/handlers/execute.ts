/**
 * execute_request, with ipykernel's semantics for silent, store_history,
 * user_expressions, allow_stdin and stop_on_error.
 */
import type { Executor } from "../executor/executor.js";
import type { Handler } from "./context.js";
import type { History } from "./history.js";

/** Runs before a cell: lets the kernel handle directives such as %check. */
export type CellHook = (code: string) => Promise<void> | void;

/** The execute_request handler. */
export function executeHandler(executor: Executor, history: History, beforeCell?: CellHook): Handler {
  return async ({ request, reply }) => {
    const content = request.content;
    const code = typeof content.code === "string" ? content.code : "";
    const silent = Boolean(content.silent);
    // The spec: silent=true forces store_history=false.
    const storeHistory = !silent && (content.store_history === undefined ? true : Boolean(content.store_history));
    const stopOnError = content.stop_on_error === undefined ? true : Boolean(content.stop_on_error);
    await beforeCell?.(code);
    const outcome = await executor.execute(code, {
      parent: request.header,
      silent,
      storeHistory,
      allowStdin: Boolean(content.allow_stdin),
      userExpressions: (content.user_expressions as Record<string, string>) ?? {},
    });
    if (storeHistory) history.record(outcome.executionCount, code);
    if (outcome.status === "ok") {
      reply({ status: "ok", execution_count: outcome.executionCount, user_expressions: outcome.userExpressions, payload: [] });
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
