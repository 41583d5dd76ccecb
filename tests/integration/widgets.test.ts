/**
 * The Jupyter widgets protocol (ipywidgets 8, protocol 2.1.0) over real
 * ZeroMQ: this test plays the frontend. Widgets open comms with their state,
 * updates from the "frontend" change the kernel model, fire callbacks and are
 * echoed; request_state, the control target's request_states, the version
 * handshake and binary buffers both ways; bad messages are logged and the
 * kernel carries on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHeader, type Message } from "../../kernel/wire/message.js";
import { startKernel, waitForIopub, type KernelUnderTest } from "./kernel-harness.js";

const WIDGET_VIEW = "application/vnd.jupyter.widget-view+json";

describe("widgets over the comm protocol", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
  }, 120_000);
  afterAll(() => k?.stop());

  /** Sends a comm message (or open) as a frontend would; resolves with its header. */
  function frontend(msgType: "comm_msg" | "comm_open", content: Record<string, unknown>, buffers: Buffer[] = []): string {
    const header = makeHeader(msgType, k.client.session, "frontend");
    void k.client.send("shell", header, content, buffers).catch(() => undefined);
    return header.msg_id;
  }

  const commMsgs = (commId: string, parent?: string) =>
    k.client.iopubLog.filter((m) => m.header.msg_type === "comm_msg" && m.content.comm_id === commId && (!parent || m.parent_header.msg_id === parent));

  /** The comm_open of the widget a cell showed as its value (model_id of the view), and the cell's result. */
  async function shown(code: string): Promise<{ open: Message; result: Record<string, unknown> }> {
    const r = await k.run(code);
    expect(r.reply.status, r.error ? JSON.stringify(r.error) : r.stderr).toBe("ok");
    const view = (r.result?.data as Record<string, { model_id: string; version_major: number }>)[WIDGET_VIEW]!;
    expect(view).toMatchObject({ version_major: 2, version_minor: 0 });
    const open = r.outputs.find((m) => m.header.msg_type === "comm_open" && m.content.comm_id === view.model_id)!;
    expect(open, "comm_open of the displayed widget").toBeDefined();
    return { open, result: r.result! };
  }

  let sliderId = "";

  it("opens a slider's comm with its state and protocol version, and shows it as a widget view", async () => {
    const { open, result } = await shown(`
      const s = widgets.slider({ min: 0, max: 10, value: 3, description: "k" });
      const seen: number[] = [];
      s.onChange((v) => seen.push(v));
      s`);
    sliderId = String(open.content.comm_id);
    expect(open.content.target_name).toBe("jupyter.widget");
    expect(open.metadata).toMatchObject({ version: "2.1.0" });
    const data = open.content.data as { state: Record<string, unknown>; buffer_paths: unknown[] };
    expect(data.buffer_paths).toEqual([]);
    expect(data.state).toMatchObject({
      _model_name: "IntSliderModel", _model_module: "@jupyter-widgets/controls", _model_module_version: "2.0.0",
      _view_name: "IntSliderView", min: 0, max: 10, value: 3, step: 1, description: "k",
    });
    expect(String(data.state.layout)).toMatch(/^IPY_MODEL_/);
    expect(String(data.state.style)).toMatch(/^IPY_MODEL_/);
    // The layout and style models were opened before the slider that refers to them.
    const layoutId = String(data.state.layout).slice(10);
    const opens = k.client.iopubLog.filter((m) => m.header.msg_type === "comm_open").map((m) => m.content.comm_id);
    expect(opens.indexOf(layoutId)).toBeLessThan(opens.indexOf(sliderId));
    expect((result.data as Record<string, string>)["text/plain"]).toBe('IntSlider(description="k", value=3)');
  }, 60_000);

  it("applies an update from the frontend: echo_update first, then the callback sees the value", async () => {
    const parent = frontend("comm_msg", { comm_id: sliderId, data: { method: "update", state: { value: 7 }, buffer_paths: [] } });
    const echo = await waitForIopub(k.client, (m) => m.header.msg_type === "comm_msg" && m.parent_header.msg_id === parent);
    expect(echo.content.data).toEqual({ method: "echo_update", state: { value: 7 }, buffer_paths: [] });
    const r = await k.run("JSON.stringify([s.value, seen])");
    expect(r.result?.data).toMatchObject({ "text/plain": "'[7,[7]]'" });
  }, 60_000);

  it("sends a kernel-side change as an update, and the whole state on request_state", async () => {
    const r = await k.run("s.value = 9; s.set({ max: 20 });");
    expect(r.reply.status).toBe("ok");
    const updates = commMsgs(sliderId).map((m) => m.content.data as { method: string; state: Record<string, unknown> });
    expect(updates.filter((d) => d.method === "update").map((d) => d.state)).toEqual([{ value: 9 }, { max: 20 }]);
    const parent = frontend("comm_msg", { comm_id: sliderId, data: { method: "request_state" } });
    const full = await waitForIopub(k.client, (m) => m.header.msg_type === "comm_msg" && m.parent_header.msg_id === parent);
    expect(full.content.data).toMatchObject({ method: "update", state: { value: 9, max: 20, min: 0, _model_name: "IntSliderModel" }, buffer_paths: [] });
  }, 60_000);

  it("clips a frontend value outside [min, max] back into range and tells the frontend", async () => {
    const parent = frontend("comm_msg", { comm_id: sliderId, data: { method: "update", state: { value: 500 }, buffer_paths: [] } });
    await waitForIopub(k.client, (m) => m.parent_header.msg_id === parent && (m.content.data as { method?: string })?.method === "update");
    expect(commMsgs(sliderId, parent).map((m) => m.content.data)).toEqual([
      { method: "echo_update", state: { value: 500 }, buffer_paths: [] },
      { method: "update", state: { value: 20 }, buffer_paths: [] },
    ]);
    expect((await k.run("s.value")).result?.data).toMatchObject({ "text/plain": "20" });
  }, 60_000);

  let imageId = "";

  it("sends binary values as buffers and takes buffers from the frontend", async () => {
    const { open } = await shown("const img = widgets.image(new Uint8Array([137, 80, 78, 71])); img");
    imageId = String(open.content.comm_id);
    const data = open.content.data as { state: Record<string, unknown>; buffer_paths: unknown[] };
    expect(data.buffer_paths).toEqual([["value"]]);
    expect(data.state.value).toBeUndefined();
    expect([...open.buffers[0]!]).toEqual([137, 80, 78, 71]);
    const parent = frontend("comm_msg", { comm_id: imageId, data: { method: "update", state: { width: "64" }, buffer_paths: [["value"]] } }, [Buffer.from([1, 2, 3])]);
    const echo = await waitForIopub(k.client, (m) => m.header.msg_type === "comm_msg" && m.parent_header.msg_id === parent);
    expect(echo.content.data).toEqual({ method: "echo_update", state: { width: "64" }, buffer_paths: [["value"]] });
    expect([...echo.buffers[0]!]).toEqual([1, 2, 3]);
    expect((await k.run("JSON.stringify([Array.from(img.value), img.get('width')])")).result?.data).toMatchObject({ "text/plain": "'[[1,2,3],\"64\"]'" });
  }, 60_000);

  it("answers the control target's request_states with every widget's state (buffers by path)", async () => {
    const control = "control-1";
    frontend("comm_open", { comm_id: control, target_name: "jupyter.widget.control", data: {} });
    const parent = frontend("comm_msg", { comm_id: control, data: { method: "request_states" } });
    const reply = await waitForIopub(k.client, (m) => m.header.msg_type === "comm_msg" && m.parent_header.msg_id === parent);
    const data = reply.content.data as { method: string; states: Record<string, { model_name: string; model_module_version: string; state: Record<string, unknown> }>; buffer_paths: unknown[][] };
    expect(data.method).toBe("update_states");
    expect(data.states[sliderId]).toMatchObject({ model_name: "IntSliderModel", model_module: "@jupyter-widgets/controls", model_module_version: "2.0.0", state: { value: 20 } });
    expect(data.states[imageId]!.model_name).toBe("ImageModel");
    const at = data.buffer_paths.findIndex((p) => p[0] === imageId);
    expect(data.buffer_paths[at]).toEqual([imageId, "state", "value"]);
    expect([...reply.buffers[at]!]).toEqual([1, 2, 3]);
  }, 60_000);

  it("answers the version handshake with the protocol version range", async () => {
    const opened = frontend("comm_open", { comm_id: "version-1", target_name: "jupyter.widget.version", data: {} });
    const version = await waitForIopub(k.client, (m) => m.header.msg_type === "comm_msg" && m.content.comm_id === "version-1");
    expect(version.content.data).toEqual({ version: "~2.1.0" });
    expect(version.parent_header.msg_id).toBe(opened);
  }, 60_000);

  it("runs a button's onClick on a click, its output captured into an Output widget through msg_id", async () => {
    const { open } = await shown(`
      const out = widgets.output();
      const button = widgets.button({ description: "go" });
      let clicks = 0;
      button.onClick(out.capture(() => { clicks++; console.log("clicked", clicks); display.html("<b>done</b>"); }));
      widgets.vbox([button, out])`);
    const children = (open.content.data as { state: { children: string[] } }).state.children.map((c) => c.slice(10));
    const [buttonId, outId] = children as [string, string];
    const parent = frontend("comm_msg", { comm_id: buttonId, data: { method: "custom", content: { event: "click" } } });
    await waitForIopub(k.client, (m) => m.header.msg_type === "comm_msg" && m.content.comm_id === outId && m.parent_header.msg_id === parent && (m.content.data as { state: { msg_id?: string } }).state.msg_id === "");
    const sequence = k.client.iopubLog
      .filter((m) => m.parent_header.msg_id === parent && m.header.msg_type !== "status")
      .map((m) => (m.header.msg_type === "comm_msg" ? `msg_id=${(m.content.data as { state: { msg_id: string } }).state.msg_id}` : m.header.msg_type));
    expect(sequence).toEqual([`msg_id=${parent}`, "stream", "display_data", "msg_id="]);
    const stream = k.client.iopubLog.find((m) => m.parent_header.msg_id === parent && m.header.msg_type === "stream")!;
    expect(stream.content).toMatchObject({ name: "stdout", text: "clicked 1\n" });
    expect((await k.run("clicks")).result?.data).toMatchObject({ "text/plain": "1" });
    // The frontend reports what it captured: kept on the kernel side, not echoed back.
    const reported = frontend("comm_msg", { comm_id: outId, data: { method: "update", state: { outputs: [{ output_type: "stream", name: "stdout", text: "clicked 1\n" }] }, buffer_paths: [] } });
    expect((await k.run("out.outputs.map((o) => `${o.output_type}:${o.name}:${o.text === 'clicked 1\\n'}`).join()")).result?.data).toMatchObject({ "text/plain": "'stream:stdout:true'" });
    expect(commMsgs(outId, reported)).toEqual([]);
  }, 60_000);

  it("reports a callback's error in the callback's output and keeps the kernel running", async () => {
    await k.run("s.onChange((v) => { if (v === 13) throw new Error('unlucky value'); });");
    const parent = frontend("comm_msg", { comm_id: sliderId, data: { method: "update", state: { value: 13 }, buffer_paths: [] } });
    const error = await waitForIopub(k.client, (m) => m.header.msg_type === "stream" && m.parent_header.msg_id === parent);
    expect(error.content.name).toBe("stderr");
    expect(String(error.content.text)).toMatch(/^Error in an observer of IntSliderModel\.value: Error: unlucky value/);
    expect(k.kernel.stderr()).toContain("unlucky value");
    expect((await k.run("JSON.stringify(seen)")).result?.data).toMatchObject({ "text/plain": "'[7,9,20,13]'" });
  }, 60_000);

  it("stops a callback that never returns on interrupt_request, reports it, and keeps the kernel running", async () => {
    const { open } = await shown("const spin = widgets.button({ description: 'spin' });\nspin.onClick(() => { for (;;) {} });\nspin");
    const parent = frontend("comm_msg", { comm_id: String(open.content.comm_id), data: { method: "custom", content: { event: "click" } } });
    await waitForIopub(k.client, (m) => m.header.msg_type === "status" && m.content.execution_state === "busy" && m.parent_header.msg_id === parent);
    await k.client.request("control", "interrupt_request", {});
    const report = await waitForIopub(k.client, (m) => m.header.msg_type === "stream" && m.parent_header.msg_id === parent);
    expect(String(report.content.text)).toMatch(/^Error in a button's onClick: KeyboardInterrupt/);
    expect((await k.run("1 + 1")).result?.data).toMatchObject({ "text/plain": "2" });
  }, 60_000);

  it("logs bad messages (unknown method, unknown attribute, bad buffer paths, unknown model id) and carries on", async () => {
    frontend("comm_msg", { comm_id: sliderId, data: { method: "explode" } });
    frontend("comm_msg", { comm_id: sliderId, data: { method: "update", state: { no_such_attribute: 1 }, buffer_paths: [] } });
    frontend("comm_msg", { comm_id: sliderId, data: { method: "update", state: {}, buffer_paths: [["value"]] } });
    frontend("comm_msg", { comm_id: "no-such-model", data: { method: "update", state: { value: 1 } } });
    frontend("comm_open", { comm_id: "frontend-widget", target_name: "jupyter.widget", data: { state: {} } });
    await waitForIopub(k.client, (m) => m.header.msg_type === "comm_close" && m.content.comm_id === "frontend-widget");
    const r = await k.run("s.value");
    expect(r.result?.data).toMatchObject({ "text/plain": "13" });
    const log = k.kernel.stderr();
    expect(log).toContain(`widget ${sliderId}: unknown method "explode" (ignored)`);
    expect(log).toContain(`widget ${sliderId}: update of unknown attributes no_such_attribute (ignored)`);
    expect(log).toContain(`widget ${sliderId}: bad update: buffer_paths names 1 buffers but the message has 0 (ignored)`);
    expect(log).toContain("comm_msg for unknown comm no-such-model (ignored)");
    expect(log).toContain("a frontend opened a widget comm (frontend-widget); frontend-created widgets are not supported, closing it");
  }, 60_000);

  it("reruns interact's function on a change, replacing its output in the Output widget", async () => {
    const { open } = await shown("widgets.interact(({ k }) => `k squared is ${k * k}`, { k: [0, 10] })");
    const [sliderChild, outChild] = (open.content.data as { state: { children: string[] } }).state.children.map((c) => c.slice(10)) as [string, string];
    const parent = frontend("comm_msg", { comm_id: sliderChild, data: { method: "update", state: { value: 4 }, buffer_paths: [] } });
    await waitForIopub(k.client, (m) => m.header.msg_type === "comm_msg" && m.content.comm_id === outChild && m.parent_header.msg_id === parent && (m.content.data as { state: { msg_id?: string } }).state.msg_id === "");
    const captured = k.client.iopubLog.filter((m) => m.parent_header.msg_id === parent && ["clear_output", "execute_result", "display_data"].includes(m.header.msg_type));
    expect(captured.map((m) => m.header.msg_type)).toEqual(["clear_output", "display_data"]);
    expect(captured[1]!.content.data).toMatchObject({ "text/plain": "'k squared is 16'" });
  }, 60_000);

  it("viz.explore: redraws the picture when the channel slider or the layer dropdown changes", async () => {
    const { open } = await shown(`
      seed(1);
      const net = tf.sequential({ layers: [
        tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, name: "c1" }),
        tf.layers.conv2d({ filters: 6, kernelSize: 3, name: "c2" }),
        tf.layers.flatten(), tf.layers.dense({ units: 2 }),
      ] });
      const picture = tf.randomUniform([16, 16, 3]);
      const ex = viz.explore(net, picture);
      ex`);
    const ids = (state: unknown) => (state as { children: string[] }).children.map((c) => c.slice(10));
    const [controlsId, imageId] = ids((open.content.data as { state: unknown }).state) as [string, string];
    const controlsOpen = k.client.iopubLog.find((m) => m.header.msg_type === "comm_open" && m.content.comm_id === controlsId)!;
    const [dropdownId, sliderId2] = ids((controlsOpen.content.data as { state: unknown }).state) as [string, string];
    const states = (id: string) => (k.client.iopubLog.find((m) => m.header.msg_type === "comm_open" && m.content.comm_id === id)!.content.data as { state: Record<string, unknown> }).state;
    expect(states(dropdownId)).toMatchObject({ _model_name: "DropdownModel", _options_labels: ["c1", "c2"], index: 1 });
    expect(states(sliderId2)).toMatchObject({ _model_name: "IntSliderModel", min: 0, max: 5, value: 0 });
    const imageOpen = k.client.iopubLog.find((m) => m.header.msg_type === "comm_open" && m.content.comm_id === imageId)!;
    const firstPng = Buffer.from(imageOpen.buffers[0]!);
    expect(firstPng.subarray(1, 4).toString()).toBe("PNG");
    const pictureUpdate = async (parent: string) => {
      const m = await waitForIopub(k.client, (x) => x.header.msg_type === "comm_msg" && x.content.comm_id === imageId && x.parent_header.msg_id === parent);
      expect(m.content.data).toEqual({ method: "update", state: {}, buffer_paths: [["value"]] });
      return Buffer.from(m.buffers[0]!);
    };
    const moved = await pictureUpdate(frontend("comm_msg", { comm_id: sliderId2, data: { method: "update", state: { value: 3 }, buffer_paths: [] } }));
    expect(moved.subarray(1, 4).toString()).toBe("PNG");
    expect(moved.equals(firstPng)).toBe(false);
    // Layer c1 has 4 channels: the slider's max follows, its value is clipped, the picture redrawn.
    const parent = frontend("comm_msg", { comm_id: dropdownId, data: { method: "update", state: { index: 0 }, buffer_paths: [] } });
    const relayered = await pictureUpdate(parent);
    expect(relayered.equals(moved)).toBe(false);
    expect(commMsgs(sliderId2, parent).map((m) => m.content.data)).toContainEqual({ method: "update", state: { max: 3 }, buffer_paths: [] });
    expect((await k.run("JSON.stringify([ex.layer.value, ex.channel.value, ex.picture.value.length > 100])")).result?.data).toMatchObject({ "text/plain": `'["c1",3,true]'` });
  }, 90_000);

  it("viz.explore: one-line errors for a non-image input and a model without convolution or attention layers", async () => {
    const bad = async (code: string) => String((await k.run(code)).error?.evalue);
    expect(await bad("viz.explore(net, tf.ones([5]))")).toMatch(/^viz\.explore explains image models: [^\n]+$/);
    expect(await bad("viz.explore(net, 'cat.png' as any)")).toBe("viz.explore: expected an image tensor ([h, w, c] or [1, h, w, c]), got string");
    expect(await bad("viz.explore(tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 })] }), picture)"))
      .toMatch(/^viz\.explore: model "sequential_\d+" has no convolution or attention layers to explore$/);
    expect(await bad("viz.explore(net, picture, { layer: 'nope' })")).toBe('viz.explore: "nope" is not one of the model\'s convolution layers (c1, c2)');
  }, 60_000);

  it("completes the preloaded widgets API", async () => {
    const completion = (await k.client.request("shell", "complete_request", { code: "widgets.sl", cursor_pos: 10 }, 60_000)).content as { matches: string[] };
    expect(completion.matches).toContain("slider");
  }, 90_000);

  it("gives one-line errors for bad widget arguments", async () => {
    const bad = async (code: string) => String((await k.run(code)).error?.evalue);
    expect(await bad("widgets.slider({ min: 5, max: 1 })")).toBe("widgets.slider: min (5) is above max (1)");
    expect(await bad("widgets.dropdown([])")).toBe("widgets.dropdown: options must be a non-empty list of labels, of [label, value] pairs, or a record");
    expect(await bad("widgets.dropdown(['a', 'b'], { value: 'c' })")).toBe('widgets.dropdown: value "c" is not one of the options');
    expect(await bad("widgets.hbox([1 as any])")).toBe("widgets.hbox: child 0 is not a widget (number)");
    expect(await bad("widgets.image('x' as any)")).toBe("widgets.image: expected the image's bytes as a Uint8Array, got string");
    expect(await bad("widgets.interact(() => 1, {})")).toBe("widgets.interact: give the parameters as a record of name -> range or options, e.g. { k: [0, 10] }");
  }, 60_000);
});
