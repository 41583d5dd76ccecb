/**
 * tensorcell driven through a real Jupyter Server (Debian's jupyter-server
 * 1.23) with @jupyterlab/services, the way JupyterLab drives kernels: REST for
 * sessions, one WebSocket per kernel for the messages. Checks a session's whole
 * life: start, kernel_info, execute with stream + result, state across cells,
 * an error, interrupt (REST -> interrupt_request on control), restart and
 * shutdown.
 */
import { KernelManager, KernelSpecManager, ServerConnection, SessionManager, type KernelMessage, type Session } from "@jupyterlab/services";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSandbox, listKernels, startJupyter, type JupyterSandbox, type RunningJupyter } from "../e2e/jupyter-harness.js";

let sandbox: JupyterSandbox;
let jupyter: RunningJupyter;
let serverSettings: ServerConnection.ISettings;
let kernelManager: KernelManager;
let sessionManager: SessionManager;
let session: Session.ISessionConnection;

/** A cell's reply and the iopub messages parented to it. */
interface Executed {
  reply: KernelMessage.IExecuteReplyMsg["content"];
  iopub: KernelMessage.IIOPubMessage[];
  stdout: string;
  result: string | undefined;
  error: KernelMessage.IErrorMsg["content"] | undefined;
}

async function execute(code: string): Promise<Executed> {
  const kernel = session.kernel;
  if (!kernel) throw new Error("the session has no kernel");
  const future = kernel.requestExecute({ code, stop_on_error: true });
  const iopub: KernelMessage.IIOPubMessage[] = [];
  future.onIOPub = (message) => {
    iopub.push(message);
  };
  const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
  const of = <T extends KernelMessage.IOPubMessageType>(type: T) => iopub.filter((m) => m.header.msg_type === type);
  const result = of("execute_result")[0] as KernelMessage.IExecuteResultMsg | undefined;
  return {
    reply: reply.content,
    iopub,
    stdout: (of("stream") as KernelMessage.IStreamMsg[]).filter((m) => m.content.name === "stdout").map((m) => m.content.text).join(""),
    result: result ? String(result.content.data["text/plain"]) : undefined,
    error: (of("error")[0] as KernelMessage.IErrorMsg | undefined)?.content,
  };
}

beforeAll(async () => {
  sandbox = createSandbox("server");
  jupyter = await startJupyter("server", sandbox, { TENSORCELL_BACKEND: "wasm" });
  serverSettings = ServerConnection.makeSettings({
    baseUrl: jupyter.baseUrl,
    wsUrl: jupyter.baseUrl.replace(/^http/, "ws"),
    token: jupyter.token,
    appendToken: true,
    // Node 20 has fetch but no global WebSocket; ws is what @jupyterlab/services uses in Node.
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  });
  kernelManager = new KernelManager({ serverSettings });
  sessionManager = new SessionManager({ kernelManager, serverSettings });
  await sessionManager.ready;
}, 120_000);

afterAll(async () => {
  try {
    if (session && !session.isDisposed) await session.shutdown();
  } finally {
    sessionManager?.dispose();
    kernelManager?.dispose();
    await jupyter?.stop();
    sandbox?.dispose();
  }
}, 60_000);

describe("tensorcell through jupyter-server and @jupyterlab/services", () => {
  it("lists the kernelspec installed into the temporary prefix", async () => {
    const specs = new KernelSpecManager({ serverSettings });
    await specs.ready;
    const spec = specs.specs?.kernelspecs.tensorcell;
    specs.dispose();
    expect(spec?.language).toBe("typescript");
    expect(spec?.display_name).toBe("TypeScript (tensorcell)");
  });

  it("starts a session whose kernel answers kernel_info", async () => {
    session = await sessionManager.startNew({ path: "probe.ipynb", type: "notebook", name: "probe.ipynb", kernel: { name: "tensorcell" } });
    const kernel = session.kernel!;
    expect(kernel.name).toBe("tensorcell");
    // As JupyterLab does: kernel.info resolves once the WebSocket is up and kernel_info answered.
    const first = await kernel.info;
    expect(kernel.connectionStatus).toBe("connected");
    const info = (await kernel.requestKernelInfo())!.content as KernelMessage.IInfoReply;
    expect(info.implementation).toBe(first.implementation);
    expect(info.status).toBe("ok");
    expect(info.language_info.name).toBe("typescript");
    expect(info.language_info.file_extension).toBe(".ts");
    expect(Number(info.protocol_version.split(".")[0]) * 100 + Number(info.protocol_version.split(".")[1])).toBeGreaterThanOrEqual(503);
    expect(info.banner).toMatch(/wasm/);
    expect(await listKernels(jupyter)).toEqual([kernel.id]);
  }, 120_000);

  it("executes a TypeScript cell: stream output and execute_result", async () => {
    const cell = await execute('const x: number = 6; console.log("hi"); x * 7');
    expect(cell.reply.status).toBe("ok");
    expect(cell.reply.execution_count).toBe(1);
    expect(cell.stdout).toBe("hi\n");
    expect(cell.result).toBe("42");
    const types = cell.iopub.map((m) => m.header.msg_type);
    expect(types[0]).toBe("status");
    expect(types.at(-1)).toBe("status");
    expect(types).toContain("execute_input");
    expect((cell.iopub.at(-1) as KernelMessage.IStatusMsg).content.execution_state).toBe("idle");
  }, 120_000);

  it("keeps state across cells and reports errors with one error message", async () => {
    const next = await execute("x + 1");
    expect(next.result).toBe("7");
    const failing = await execute('throw new RangeError("learning rate must be positive")');
    expect(failing.reply.status).toBe("error");
    expect(failing.error?.ename).toBe("RangeError");
    expect(failing.error?.evalue).toBe("learning rate must be positive");
    expect(failing.iopub.filter((m) => m.header.msg_type === "error")).toHaveLength(1);
  }, 60_000);

  it("interrupts a busy cell through the REST API and keeps the session's variables", async () => {
    const kernel = session.kernel!;
    const busy = execute("while (true) {}");
    // Wait until the cell is really running before pressing Stop.
    const deadline = Date.now() + 30_000;
    while (kernel.status !== "busy" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    await kernel.interrupt();
    const interrupted = await busy;
    expect(interrupted.reply.status).toBe("error");
    expect(interrupted.error?.ename).toMatch(/Interrupt/);
    expect((await execute("x * 2")).result).toBe("12");
  }, 60_000);

  it("restarts the kernel in the middle of a training: a fresh session state, same kernel id, training works again", async () => {
    const kernel = session.kernel!;
    const id = kernel.id;
    const training = `
      const net = tf.sequential({ layers: [tf.layers.dense({ units: 16, inputShape: [8], activation: "relu" }), tf.layers.dense({ units: 1 })] });
      net.compile({ optimizer: "adam", loss: "meanSquaredError" });
      await net.fit(tf.randomNormal([256, 8]), tf.randomNormal([256, 1]), {
        epochs: 100000, batchSize: 32, verbose: 0,
        callbacks: { onEpochEnd: (epoch) => console.log("epoch " + epoch) },
      });`;
    const future = kernel.requestExecute({ code: training, stop_on_error: true });
    const started = new Promise<void>((resolve) => {
      future.onIOPub = (message) => {
        if (message.header.msg_type === "stream" && String((message.content as { text: string }).text).includes("epoch 1")) resolve();
      };
    });
    const ended = future.done.then(() => "replied", () => "cancelled");
    await started; // the training is under way
    await kernel.restart();
    expect(kernel.id).toBe(id);
    const after = await execute("typeof x");
    expect(after.reply.status).toBe("ok");
    expect(after.result).toBe("'undefined'");
    expect(after.reply.execution_count).toBe(1);
    // The interrupted training's request is settled by the restart, never left hanging.
    expect(["replied", "cancelled"]).toContain(await ended);
    const again = await execute(`${training.replace("epochs: 100000", "epochs: 2")}\n"trained"`);
    expect(again.reply.status).toBe("ok");
    expect(again.stdout).toBe("epoch 0\nepoch 1\n");
  }, 180_000);

  it("shuts the session down; the server then runs no kernel", async () => {
    await session.shutdown();
    expect(session.isDisposed).toBe(true);
    expect(await listKernels(jupyter)).toEqual([]);
  }, 60_000);
});
