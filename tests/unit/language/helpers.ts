// Shared set-up for the language tests: clients with generous timeouts (the machine is shared and slow).
import { LanguageClient, type LanguageClientOptions } from "../../../kernel/language/client.js";

/** A worker start plus the first program takes seconds on a loaded 2-core machine; never let a test time out on it. */
export const SLOW_MACHINE_TIMEOUT_MS = 45_000;

/** A client whose requests wait long enough for a cold worker on a busy machine. */
export function testClient(options: LanguageClientOptions = {}): LanguageClient {
  return new LanguageClient({ timeoutMs: SLOW_MACHINE_TIMEOUT_MS, ...options });
}

/** The cursor position of the `|` marker and the code without it. */
export function atMarker(marked: string): { code: string; cursor: number } {
  const cursor = marked.indexOf("|");
  if (cursor < 0) throw new Error("test code needs a | marker for the cursor");
  return { code: marked.slice(0, cursor) + marked.slice(cursor + 1), cursor };
}
