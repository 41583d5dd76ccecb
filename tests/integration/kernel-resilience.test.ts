/**
 * The kernel keeps serving in the situations a long session meets: two
 * kernels training on one machine at once, and a second client whose iopub
 * subscription joins late (a reconnecting frontend). Default backend.
 */
import { afterAll, describe, expect, it } from "vitest";
import { KernelClient } from "../../kernel/client/client.js";
import { startKernel, waitForIopub, type KernelUnderTest } from "./kernel-harness.js";

const TRAIN = (seed: number) => `
  seed(${seed});
  const net = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4], activation: "relu" }), tf.layers.dense({ units: 1 })] });
  net.compile({ optimizer: tf.train.adam(0.05), loss: "meanSquaredError" });
  const xs = tf.randomNormal([64, 4]);
  const ys = xs.sum(1, true);
  const history = await net.fit(xs, ys, { epochs: 15, batchSize: 16, verbose: 0 });
  const losses = history.history.loss as number[];
  [losses[0] > losses.at(-1)!, backendInfo().name]`;

const text = (r: { result?: Record<string, unknown> }) => String((r.result?.data as Record<string, string> | undefined)?.["text/plain"]);

describe("kernel resilience", () => {
  const kernels: KernelUnderTest[] = [];
  const clients: KernelClient[] = [];
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(kernels.map((k) => k.stop()));
  });

  it("runs two kernels on one machine at once, each training with its own state", async () => {
    const [a, b] = await Promise.all([startKernel(), startKernel()]);
    kernels.push(a, b);
    await Promise.all([a.run("const owner = 'a';"), b.run("const owner = 'b';")]);
    const [ta, tb] = await Promise.all([a.run(TRAIN(1)), b.run(TRAIN(2))]);
    expect(ta.error).toBeUndefined();
    expect(tb.error).toBeUndefined();
    expect(text(ta)).toBe("[ true, 'wasm' ]");
    expect(text(tb)).toBe("[ true, 'wasm' ]");
    expect(text(await a.run("owner"))).toBe("'a'");
    expect(text(await b.run("owner"))).toBe("'b'");
    expect(a.kernel.process.pid).not.toBe(b.kernel.process.pid);
  });

  it("serves a client whose iopub connects late, and both clients see the outputs", async () => {
    const k = kernels[0] ?? (await startKernel());
    await k.run("let visits = 1; console.log('before the second client')");
    const late = new KernelClient(k.kernel.connection);
    clients.push(late);
    await late.connect(60_000);
    const { reply, outputs } = await late.execute("visits += 1; console.log('from the late client'); visits");
    expect(reply.content.status).toBe("ok");
    const lateResult = outputs.find((m) => m.header.msg_type === "execute_result");
    expect(lateResult?.content.data).toMatchObject({ "text/plain": "2" });
    // iopub is a broadcast: the first client sees the late client's cell too.
    await waitForIopub(k.client, (m) => m.header.msg_type === "stream" && String(m.content.text).includes("from the late client"));
    expect(text(await k.run("visits"))).toBe("2");
  });
});
