/**
 * Runtime names: what the static types cannot know. When the expression
 * before a dot has type `any` (`let model;` assigned later, an untyped
 * package), or when a global exists only at run time (`globalThis.x = ...`),
 * the kernel can supply names from the live session and they are merged
 * after the typed matches.
 */
import type { CompletionReply, ServiceCompletion } from "./protocol.js";

/**
 * The kernel's hook for runtime completions; every method is optional and
 * may be async. Both are only asked when useful: `memberNames` only for a
 * member access whose static type is `any`, `globalNames` only for bare names.
 */
export interface RuntimeNames {
  /** Names defined in the session's global scope at run time. */
  globalNames?(): string[] | Promise<string[]>;
  /**
   * Property names (own and inherited) of the value `expression` evaluates to
   * in the session, e.g. "model" or "data.train". The implementation decides
   * what is safe to evaluate (e.g. only plain property chains, no calls).
   */
  memberNames?(expression: string): string[] | Promise<string[]>;
}

/** The service's answer with runtime names merged in (typed matches first), without the internal context. */
export async function mergeRuntimeNames(answer: ServiceCompletion, runtime: RuntimeNames | undefined): Promise<CompletionReply> {
  const { context, ...reply } = answer;
  if (!runtime) return reply;
  let extra: string[] = [];
  if (context.kind === "member" && context.expressionIsAny && context.expression && runtime.memberNames) {
    extra = await askRuntime(() => runtime.memberNames!(context.expression!));
  } else if (context.kind === "identifier" && runtime.globalNames) {
    extra = await askRuntime(() => runtime.globalNames!());
  }
  if (extra.length === 0) return reply;
  const present = new Set(reply.matches);
  const prefix = context.prefix.toLowerCase();
  const added = [...new Set(extra)].filter((name) => !present.has(name) && name.toLowerCase().startsWith(prefix)).sort();
  return {
    ...reply,
    matches: [...reply.matches, ...added],
    metadata: {
      _jupyter_types_experimental: [
        ...reply.metadata._jupyter_types_experimental,
        ...added.map((text) => ({ text, type: "instance", start: reply.cursorStart, end: reply.cursorEnd })),
      ],
    },
  };
}

async function askRuntime(ask: () => string[] | Promise<string[]>): Promise<string[]> {
  try {
    const names = await ask();
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [];
  } catch (error) {
    // A failing runtime hook must not cost the user the typed completions; the kernel log shows why.
    console.warn("tensorcell completion: the runtime names hook failed:", error);
    return [];
  }
}
