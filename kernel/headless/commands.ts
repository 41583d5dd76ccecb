/**
 * Headless notebook commands. `run` executes a notebook's code cells through a
 * tensorcell kernel over ZeroMQ and writes the executed copy (nbformat 4).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { KernelClient } from "../client/client.js";
import { launchKernel } from "../client/launch.js";
import type { Message } from "../wire/message.js";

interface Cell {
  cell_type: string;
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  metadata?: Record<string, unknown>;
}

/** Runs `tensorcell run|verify|grade|assign ARGS`; resolves to the exit code. */
export async function runHeadlessCommand(command: string, args: string[]): Promise<number> {
  if (command !== "run") throw new Error(`"${command}" is not available in this build`);
  const { values, positionals } = parseArgs({ args, options: { o: { type: "string", short: "o" } }, allowPositionals: true });
  const [path] = positionals;
  if (!path) throw new Error("run needs a NOTEBOOK path");
  const notebook = JSON.parse(readFileSync(path, "utf8")) as { cells: Cell[] };
  const out = values.o ?? path.replace(/\.ipynb$/, ".out.ipynb");
  const kernel = await launchKernel({});
  const client = new KernelClient(kernel.connection);
  let failed = false;
  try {
    await client.connect();
    for (const cell of notebook.cells) {
      if (cell.cell_type !== "code") continue;
      const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      const { reply, outputs } = await client.execute(source);
      cell.execution_count = (reply.content.execution_count as number) ?? null;
      cell.outputs = outputs.map(toOutput).filter((o) => o !== undefined);
      writeFileSync(out, JSON.stringify(notebook, null, 1) + "\n");
      if (reply.content.status !== "ok") {
        failed = true;
        break;
      }
    }
  } finally {
    client.close();
    await kernel.dispose();
  }
  process.stderr.write(`wrote ${out}\n`);
  return failed ? 1 : 0;
}

function toOutput(message: Message): unknown {
  const c = message.content as Record<string, unknown>;
  switch (message.header.msg_type) {
    case "stream":
      return { output_type: "stream", name: c.name, text: c.text };
    case "execute_result":
      return { output_type: "execute_result", execution_count: c.execution_count, data: c.data, metadata: c.metadata ?? {} };
    case "display_data":
      return { output_type: "display_data", data: c.data, metadata: c.metadata ?? {} };
    case "error":
      return { output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback };
    default:
      return undefined;
  }
}
