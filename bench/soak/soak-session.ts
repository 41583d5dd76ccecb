/**
 * A long notebook session against the real kernel over ZeroMQ: prints,
 * displays, small trainings, viz outputs, interrupts, errors and
 * redefinitions in rotation, with the kernel's RSS and tf.memory().numTensors
 * sampled along the way. Shared by bench/soak/run.ts (2,000+ cells) and the
 * small version in tests/integration/soak.test.ts.
 */
import { KernelClient } from "../../kernel/client/client.js";
import { launchKernel } from "../../kernel/client/launch.js";

/** One sample of the kernel's memory. */
export interface SoakSample {
  cell: number;
  rssMb: number;
  heapMb: number;
  tensors: number;
}

/** What a soak run saw. */
export interface SoakReport {
  cells: number;
  /** Count of cells per kind, and how each ended. */
  outcomes: Record<string, { ok: number; error: number }>;
  /** numTensors before the session's first cell (the library's own tensors). */
  baselineTensors: number;
  /** numTensors after the notebook disposed what it made. */
  finalTensors: number;
  samples: SoakSample[];
  /** The kernel process was alive at the end. */
  alive: boolean;
  /** Backend the kernel ran on. */
  backend: string;
}

/** The cell kinds, in rotation. Each disposes what it makes, as a careful notebook does. */
const KINDS: { name: string; code: (i: number) => string; interrupt?: boolean; expectError?: boolean }[] = [
  { name: "print", code: (i) => `console.log("cell ${i}", [1, 2, 3].map((x) => x * ${i}))` },
  { name: "display", code: (i) => `display.html("<b>${i}</b>"); { const t = tf.randomNormal([4, 4]); display(t); t.dispose(); }` },
  {
    name: "training",
    code: (i) => `{
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4], activation: "relu" }), tf.layers.dense({ units: 2, activation: "softmax" })] });
      m.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
      const xs = tf.randomNormal([32, 4]); const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: 32 }, (_, j) => (j + ${i}) % 2), "int32"), 2));
      await m.fit(xs, ys, { epochs: 2, batchSize: 16, verbose: 0, callbacks: viz.liveCurves() });
      tf.dispose([xs, ys]); m.dispose();
    }`,
  },
  { name: "viz", code: () => `{ const x = tf.randomUniform([1, 8, 8, 1]); display(viz.featureMaps(probe, x)); x.dispose(); }` },
  { name: "interrupt", code: () => `await new Promise((resolve) => setTimeout(resolve, 60_000));`, interrupt: true, expectError: true },
  { name: "error", code: (i) => `throw new RangeError("planned error ${i}")`, expectError: true },
  { name: "redefinition", code: (i) => `tf.dispose(current); current = tf.scalar(${i}); function twice(x: number) { return 2 * x + ${i}; } class Box { v = ${i}; } twice(1)` },
  { name: "tensor value", code: (i) => `{ const t = tf.tidy(() => tf.range(0, ${(i % 7) + 2}).mul(2)); t.print(); t.dispose(); }` },
];

const MEASURE = "JSON.stringify({ rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, tensors: tf.memory().numTensors })";

/**
 * Runs `cells` cells (plus set-up and clean-up cells) in one kernel and
 * samples memory every `sampleEvery` cells. The kernel runs on the default
 * backend unless env says otherwise.
 */
export async function runSoak(options: { cells: number; sampleEvery?: number; env?: Record<string, string>; onSample?: (s: SoakSample) => void }): Promise<SoakReport> {
  const sampleEvery = options.sampleEvery ?? 100;
  const kernel = await launchKernel({ env: options.env });
  const client = new KernelClient(kernel.connection);
  try {
    await client.connect(120_000);
    const run = async (code: string) => {
      const { reply, outputs } = await client.execute(code, { stop_on_error: false, timeoutMs: 120_000 });
      const result = outputs.find((m) => m.header.msg_type === "execute_result");
      return { status: String(reply.content.status), text: String((result?.content.data as Record<string, unknown> | undefined)?.["text/plain"] ?? "") };
    };
    const measure = async (cell: number): Promise<SoakSample> => {
      const raw = JSON.parse((await run(MEASURE)).text.replace(/^'|'$/g, "")) as { rss: number; heap: number; tensors: number };
      const sample = { cell, rssMb: raw.rss / 2 ** 20, heapMb: raw.heap / 2 ** 20, tensors: raw.tensors };
      options.onSample?.(sample);
      return sample;
    };
    const backend = (await run("backendInfo().name")).text.replace(/'/g, "");
    const baseline = await measure(0);
    await run(`const probe = tf.sequential({ layers: [tf.layers.conv2d({ filters: 4, kernelSize: 3, inputShape: [8, 8, 1], name: "conv" }), tf.layers.flatten(), tf.layers.dense({ units: 2 })] }); let current = tf.scalar(0);`);
    const samples: SoakSample[] = [baseline];
    const outcomes: SoakReport["outcomes"] = {};
    for (let i = 1; i <= options.cells; i++) {
      const kind = KINDS[i % KINDS.length];
      const tally = (outcomes[kind.name] ??= { ok: 0, error: 0 });
      let status: string;
      if (kind.interrupt) {
        const pending = client.execute(kind.code(i), { stop_on_error: false, timeoutMs: 120_000, onOutput: (m) => {
          if (m.header.msg_type === "execute_input") void client.request("control", "interrupt_request");
        } });
        status = String((await pending).reply.content.status);
      } else {
        status = (await run(kind.code(i))).status;
      }
      if ((status === "error") !== Boolean(kind.expectError)) throw new Error(`cell ${i} (${kind.name}) ended with status ${status}`);
      tally[status === "ok" ? "ok" : "error"]++;
      if (i % sampleEvery === 0) samples.push(await measure(i));
    }
    await run("tf.dispose(current); probe.dispose();");
    const final = await measure(options.cells);
    samples.push(final);
    return {
      cells: options.cells, outcomes, baselineTensors: baseline.tensors, finalTensors: final.tensors, samples,
      alive: kernel.process.exitCode === null && kernel.process.signalCode === null, backend,
    };
  } finally {
    client.close();
    await kernel.dispose();
  }
}
