/**
 * history_request: the inputs of this session, for tail, range and search
 * access (IPython's semantics; session 0 in a range request means this session).
 */
import type { Handler } from "./context.js";

/** This kernel's session number in history replies. */
const SESSION = 1;

interface Entry {
  line: number;
  input: string;
  output?: string;
}

/** The session's input (and text output) history. */
export class History {
  private readonly entries: Entry[] = [];

  /** Records a cell that was stored in history (store_history true). */
  record(line: number, input: string): void {
    this.entries.push({ line, input });
  }

  /** Attaches the text/plain result of a line, for requests with output=true. */
  recordOutput(line: number, output: string): void {
    const entry = this.entries.findLast((e) => e.line === line);
    if (entry) entry.output = output;
  }

  /** Answers a history_request content. */
  query(content: Record<string, unknown>): unknown[] {
    const withOutput = Boolean(content.output);
    const shape = (e: Entry) => [SESSION, e.line, withOutput ? [e.input, e.output ?? null] : e.input];
    switch (content.hist_access_type) {
      case "range": {
        const session = Number(content.session ?? 0);
        if (session !== 0 && session !== SESSION) return [];
        const start = Number(content.start ?? 0);
        const stop = content.stop == null ? Infinity : Number(content.stop);
        return this.entries.filter((e) => e.line >= start && e.line < stop).map(shape);
      }
      case "search": {
        const pattern = globToRegExp(String(content.pattern ?? "*"));
        let found = this.entries.filter((e) => pattern.test(e.input));
        if (content.unique) {
          const seen = new Set<string>();
          found = found.reverse().filter((e) => !seen.has(e.input) && seen.add(e.input)).reverse();
        }
        const n = content.n == null ? found.length : Number(content.n);
        return found.slice(Math.max(0, found.length - n)).map(shape);
      }
      default: {
        // "tail" (and anything unknown, like ipykernel)
        const n = content.n == null ? 10 : Number(content.n);
        return this.entries.slice(Math.max(0, this.entries.length - n)).map(shape);
      }
    }
  }
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${escaped}$`);
}

/** The history_request handler over a session's History. */
export function historyHandler(history: History): Handler {
  return ({ request, reply }) => {
    reply({ status: "ok", history: history.query(request.content) });
  };
}
