/**
 * complete_request and inspect_request: static types from the TypeScript
 * language service when it is available, merged with live runtime names.
 */
import type { Handler } from "./context.js";
import { chainAtCursor, describeValue, resolveChain, runtimeCompletions } from "./runtime-names.js";

/** The language service as the handlers use it (kernel/language's client implements it). */
export interface TypeAssist {
  complete(code: string, cursor: number): Promise<{
    matches: string[];
    cursorStart: number;
    cursorEnd: number;
    metadata?: { _jupyter_types_experimental?: { text: string; type: string; start: number; end: number; signature?: string }[] };
  }>;
  inspect(code: string, cursor: number, detailLevel: 0 | 1): Promise<{ found: boolean; data: Record<string, string> }>;
}

/** The complete_request handler. */
export function completeHandler(types: () => TypeAssist | undefined): Handler {
  return async ({ request, reply }) => {
    const code = String(request.content.code ?? "");
    const cursor = Number(request.content.cursor_pos ?? code.length);
    const runtime = runtimeCompletions(code, cursor);
    const typed = await types()?.complete(code, cursor).catch(() => undefined);
    const experimental = [...(typed?.metadata?._jupyter_types_experimental ?? [])];
    let matches = runtime.matches;
    let start = runtime.start;
    let end = cursor;
    if (typed && typed.matches.length) {
      // The language service knows the types; runtime names add what it cannot see (values typed any).
      start = typed.cursorStart;
      end = typed.cursorEnd; // covers the rest of the word when the cursor is inside one
      const seen = new Set(typed.matches);
      const extra = start === runtime.start ? runtime.matches.filter((m) => !seen.has(m)) : [];
      matches = [...typed.matches, ...extra];
      for (const text of extra) experimental.push({ text, type: "runtime", start, end: cursor });
    } else {
      for (const text of matches) experimental.push({ text, type: "runtime", start, end: cursor });
    }
    reply({
      status: "ok",
      matches,
      cursor_start: start,
      cursor_end: end,
      metadata: { _jupyter_types_experimental: experimental },
    });
  };
}

/** What is known about the name at a cursor: static type and docs, plus the live value. */
export async function describeAt(
  types: TypeAssist | undefined,
  code: string,
  cursor: number,
  detail: 0 | 1,
): Promise<{ found: boolean; data: Record<string, string> }> {
  const typed = await types?.inspect(code, cursor, detail).catch(() => undefined);
  const chain = chainAtCursor(code, cursor);
  const live = resolveChain(chain);
  if (!typed?.found && !live.found) return { found: false, data: {} };
  const data: Record<string, string> = { ...(typed?.found ? typed.data : {}) };
  if (live.found) {
    const text = describeValue(chain, live.value, detail);
    data["text/plain"] = data["text/plain"] ? `${data["text/plain"]}\n\nValue:\n${text}` : text;
  }
  return { found: true, data };
}

/** The inspect_request handler. */
export function inspectHandler(types: () => TypeAssist | undefined): Handler {
  return async ({ request, reply }) => {
    const code = String(request.content.code ?? "");
    const cursor = Number(request.content.cursor_pos ?? code.length);
    const detail = Number(request.content.detail_level ?? 0) > 0 ? 1 : 0;
    const { found, data } = await describeAt(types(), code, cursor, detail);
    reply({ status: "ok", found, data, metadata: {} });
  };
}
