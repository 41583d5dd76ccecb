/**
 * The kernel side of a Jupyter widget (ipywidgets 8 protocol, version 2.1.0):
 * a model whose state is opened on the `jupyter.widget` comm target and kept
 * in sync with every frontend ("update", "echo_update", "request_state",
 * "custom"), plus the `jupyter.widget.control` ("request_states") and
 * `jupyter.widget.version` targets. Outside a kernel a widget is a plain
 * local model (no comm).
 */
import { randomUUID } from "node:crypto";
import { JUPYTER_DISPLAY } from "../display/bundle.js";
import { host, type Comm, type Host } from "../display/host.js";
import { isBinary, putBuffers, removeBuffers } from "./buffers.js";

/** The widget messaging protocol version tensorcell speaks. */
export const PROTOCOL_VERSION = "2.1.0";
/** Module versions of the ipywidgets 8 models, by module. */
export const MODULE_VERSIONS = {
  "@jupyter-widgets/base": "2.0.0",
  "@jupyter-widgets/controls": "2.0.0",
  "@jupyter-widgets/output": "1.0.0",
} as const;
/** The widget-view mime type a display carries. */
export const WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json";

/** Which frontend classes a model uses. */
export interface ModelSpec {
  modelName: string;
  modelModule: keyof typeof MODULE_VERSIONS;
  viewName?: string | null;
  viewModule?: ModelSpec["modelModule"];
}

/** One change of one attribute, as observers receive it. */
export interface Change<W extends Widget = Widget> {
  /** The attribute's name. */
  name: string;
  old: unknown;
  new: unknown;
  /** The widget that changed. */
  owner: W;
}

/** Every widget the kernel holds, by model id (what `request_states` sends). */
const live = new Map<string, Widget>();
const hostsWithTargets = new WeakSet<Host>();

/** Reports an error of a user callback: in the output of the message that ran it, and in the kernel's log. */
export function reportCallbackError(error: unknown, where: string): void {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`Error in ${where}: ${text}`);
  host().log?.(`error in ${where}: ${error instanceof Error ? error.message : String(error)}`);
}

/** Runs a user callback: a throw or a rejected promise is reported, never thrown on. */
export function runCallback(where: string, callback: () => unknown): void {
  try {
    const result = callback();
    if (result instanceof Promise) result.catch((error: unknown) => reportCallbackError(error, where));
  } catch (error) {
    reportCallbackError(error, where);
  }
}

function toJson(value: unknown): unknown {
  if (value instanceof Widget) return `IPY_MODEL_${value.modelId}`;
  if (Array.isArray(value)) return value.map(toJson);
  if (isBinary(value)) return value;
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}

function fromJson(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith("IPY_MODEL_")) return live.get(value.slice(10)) ?? value;
  if (Array.isArray(value)) return value.map(fromJson);
  return value;
}

function serialize(state: Record<string, unknown>): { state: Record<string, unknown>; buffer_paths: (string | number)[][]; buffers: Uint8Array[] } {
  const split = removeBuffers(toJson(state) as Record<string, unknown>);
  return { state: split.state, buffer_paths: split.bufferPaths, buffers: split.buffers };
}

/** A widget's full state with its model names, as the control target and saved notebooks hold it. */
export interface ModelState {
  model_name: string;
  model_module: string;
  model_module_version: string;
  state: Record<string, unknown>;
}

/** The states of every live widget by model id (binary values still in place). */
export function liveStates(): Record<string, ModelState> {
  const states: Record<string, ModelState> = {};
  for (const [id, widget] of live) {
    const state = toJson(widget.fullState()) as Record<string, unknown>;
    states[id] = {
      model_name: String(state._model_name),
      model_module: String(state._model_module),
      model_module_version: String(state._model_module_version),
      state,
    };
  }
  return states;
}

/** Registers the control and version comm targets with the host, once per host. */
function ensureTargets(): void {
  const h = host();
  if (hostsWithTargets.has(h)) return;
  hostsWithTargets.add(h);
  h.registerCommTarget("jupyter.widget.control", (comm) => ({
    onMessage(data) {
      const method = (data as { method?: unknown } | null)?.method;
      if (method !== "request_states") return h.log?.(`jupyter.widget.control: unknown method ${JSON.stringify(method)} (ignored)`);
      const split = removeBuffers(liveStates() as unknown as Record<string, unknown>);
      comm.send({ method: "update_states", states: split.state, buffer_paths: split.bufferPaths }, split.buffers);
    },
  }));
  h.registerCommTarget("jupyter.widget.version", (comm) => {
    comm.send({ version: `~${PROTOCOL_VERSION}` });
    return {
      onMessage(data) {
        const reply = data as { validated?: boolean; frontend_version?: string } | null;
        if (reply?.validated === false) h.log?.(`the frontend's widgets (${reply.frontend_version ?? "unknown version"}) do not accept protocol ~${PROTOCOL_VERSION}`);
      },
    };
  });
  // Widgets the frontend tries to create on its side are not supported: the comm is closed.
  h.registerCommTarget("jupyter.widget", (comm) => {
    h.log?.(`a frontend opened a widget comm (${comm.commId}); frontend-created widgets are not supported, closing it`);
    comm.close();
  });
}

/**
 * A widget model. Subclasses (controls, boxes, output) set the model names and
 * attributes; `get`/`set` read and change attributes (a change is sent to the
 * frontends and fires observers), `observe` watches changes from either side.
 */
export class Widget {
  /** The model id (the comm id in a kernel). */
  readonly modelId: string;
  private readonly state: Record<string, unknown>;
  private readonly comm: Comm | undefined;
  private readonly observers = new Set<{ names: Set<string> | "all"; callback: (change: Change) => void }>();
  private readonly customHandlers = new Set<(content: unknown, buffers: Uint8Array[]) => void>();
  private closed = false;
  /** Attributes that live on the kernel side only (never sent). */
  private readonly localNames = new Set<string>();
  /** Attributes a frontend's update is not echoed for. */
  private readonly unechoed = new Set<string>();
  /** Per-attribute coercion applied to every new value (from code or a frontend) before it is stored. */
  private readonly validators = new Map<string, (value: unknown) => unknown>();

  /** Creates the model and, in a kernel, opens its comm with the full state. */
  constructor(spec: ModelSpec, attributes: Record<string, unknown>) {
    const viewModule = spec.viewModule ?? spec.modelModule;
    this.state = {
      _model_name: spec.modelName,
      _model_module: spec.modelModule,
      _model_module_version: MODULE_VERSIONS[spec.modelModule],
      _view_name: spec.viewName ?? null,
      _view_module: viewModule,
      _view_module_version: MODULE_VERSIONS[viewModule],
      _view_count: null,
      ...attributes,
    };
    const h = host();
    if (h.openComm) {
      ensureTargets();
      const { state, buffer_paths, buffers } = serialize(this.state);
      this.comm = h.openComm(
        "jupyter.widget",
        { state, buffer_paths },
        { onMessage: (data, received) => this.handleMessage(data, received), onClose: () => this.forget() },
        { metadata: { version: PROTOCOL_VERSION }, buffers },
      );
      this.modelId = this.comm.commId;
    } else {
      this.modelId = randomUUID().replace(/-/g, "");
    }
    live.set(this.modelId, this);
  }

  /** The value of an attribute. */
  get(name: string): unknown {
    return this.state[name];
  }

  /** Every synced attribute, model names included (a copy). */
  fullState(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(this.state).filter(([name]) => !this.localNames.has(name)));
  }

  /** Coerces every new value of `name` (e.g. clipping into a range) before it is stored and observed. */
  protected validate(name: string, coerce: (value: unknown) => unknown): void {
    this.validators.set(name, coerce);
  }

  /** Stops echoing a frontend's updates of `name` to the frontends (for large, frontend-owned values). */
  protected noEcho(name: string): void {
    this.unechoed.add(name);
  }

  /** Marks an attribute as kernel-side only: set() changes it and fires observers but sends nothing. */
  protected keepLocal(name: string): void {
    this.localNames.add(name);
  }

  /**
   * Changes attributes: the changed ones are sent to the frontends in one
   * "update" and observers of each run (errors in them are reported).
   */
  set(attributes: Record<string, unknown>): this {
    const changes: Change[] = [];
    for (const [name, given] of Object.entries(attributes)) {
      const value = this.validators.get(name)?.(given) ?? given;
      const old = this.state[name];
      if (Object.is(old, value)) continue;
      this.state[name] = value;
      changes.push({ name, old, new: value, owner: this });
    }
    if (changes.length === 0) return this;
    const synced = changes.filter((c) => !this.localNames.has(c.name));
    if (synced.length > 0) this.sendState(Object.fromEntries(synced.map((c) => [c.name, c.new])), "update");
    this.notify(changes);
    return this;
  }

  /**
   * Calls `callback` on every change of the named attributes (all when
   * `names` is omitted), from a frontend or from code. Returns a function
   * that stops observing.
   * @example slider.observe((change) => console.log(change.new), "value")
   */
  observe(callback: (change: Change<this>) => void, names?: string | string[]): () => void {
    const entry = {
      names: names === undefined ? ("all" as const) : new Set(Array.isArray(names) ? names : [names]),
      callback: callback as (change: Change) => void,
    };
    this.observers.add(entry);
    return () => void this.observers.delete(entry);
  }

  /** Calls `handler` for each "custom" message a frontend sends (e.g. a button's click). Returns an unsubscribe function. */
  onCustom(handler: (content: unknown, buffers: Uint8Array[]) => void): () => void {
    this.customHandlers.add(handler);
    return () => void this.customHandlers.delete(handler);
  }

  /** Sends a "custom" message to the frontends' views of this widget. */
  send(content: unknown, buffers: Uint8Array[] = []): void {
    this.comm?.send({ method: "custom", content }, buffers);
  }

  /** Closes the widget: its comm is closed and its views go away. */
  close(): void {
    if (this.closed) return;
    this.comm?.close();
    this.forget();
  }

  /** What display() and a cell's last value show: the widget view, with a text fallback. */
  [JUPYTER_DISPLAY](): Record<string, unknown> {
    return {
      [WIDGET_VIEW_MIME]: { model_id: this.modelId, version_major: 2, version_minor: 0 },
      "text/plain": this.toString(),
    };
  }

  /** A one-line description (the text fallback where widgets do not render). */
  toString(): string {
    const value = this.state.value;
    const shown = value === undefined || isBinary(value) ? "" : `, value=${JSON.stringify(value)}`;
    const description = this.state.description ? `description=${JSON.stringify(this.state.description)}` : "";
    return `${String(this.state._model_name).replace(/Model$/, "")}(${description}${description ? shown : shown.slice(2)})`;
  }

  private forget(): void {
    this.closed = true;
    live.delete(this.modelId);
  }

  private sendState(state: Record<string, unknown>, method: "update" | "echo_update"): void {
    if (!this.comm || this.closed) return;
    const message = serialize(state);
    this.comm.send({ method, state: message.state, buffer_paths: message.buffer_paths }, message.buffers);
  }

  private notify(changes: Change[]): void {
    for (const change of changes) {
      for (const observer of [...this.observers]) {
        if (observer.names !== "all" && !observer.names.has(change.name)) continue;
        runCallback(`an observer of ${String(this.state._model_name)}.${change.name}`, () => observer.callback(change));
      }
    }
  }

  /** A message from a frontend on this widget's comm (also how local clicks are simulated). */
  protected handleMessage(data: unknown, buffers: ArrayBuffer[]): void {
    const message = (data ?? {}) as { method?: unknown; state?: unknown; buffer_paths?: unknown; content?: unknown };
    const log = (line: string) => (host().log ?? ((l: string) => console.error(l)))(`widget ${this.modelId}: ${line}`);
    switch (message.method) {
      case "update":
        return this.applyUpdate(message.state, message.buffer_paths, buffers, log);
      case "request_state": {
        return this.sendState(this.fullState(), "update");
      }
      case "custom":
        for (const handler of [...this.customHandlers]) {
          runCallback(`a custom-message handler of ${String(this.state._model_name)}`, () =>
            handler(message.content, buffers.map((b) => new Uint8Array(b))),
          );
        }
        return;
      default:
        log(`unknown method ${JSON.stringify(message.method)} (ignored)`);
    }
  }

  private applyUpdate(received: unknown, bufferPaths: unknown, buffers: ArrayBuffer[], log: (line: string) => void): void {
    if (typeof received !== "object" || received === null || Array.isArray(received)) return log("an update without a state object (ignored)");
    const state = { ...(received as Record<string, unknown>) };
    try {
      putBuffers(state, bufferPaths, buffers);
    } catch (error) {
      return log(`bad update: ${(error as Error).message} (ignored)`);
    }
    const known = Object.keys(state).filter((name) => name in this.state && !this.localNames.has(name) && !name.startsWith("_model_") && !name.startsWith("_view_"));
    const unknown = Object.keys(state).filter((name) => !known.includes(name));
    if (unknown.length > 0) log(`update of unknown attributes ${unknown.join(", ")} (ignored)`);
    if (known.length === 0) return;
    // Echo first (ipywidgets 8 frontends wait for their own echo), then apply and notify.
    const echoed = known.filter((name) => !this.unechoed.has(name));
    if (echoed.length > 0) this.sendState(Object.fromEntries(echoed.map((name) => [name, state[name]])), "echo_update");
    const changes: Change[] = [];
    const corrected: Record<string, unknown> = {};
    for (const name of known) {
      const received = fromJson(state[name]);
      const value = this.validators.get(name)?.(received) ?? received;
      if (!Object.is(value, received)) corrected[name] = value;
      const old = this.state[name];
      if (Object.is(old, value)) continue;
      this.state[name] = value;
      changes.push({ name, old, new: value, owner: this });
    }
    // A value the kernel coerced goes back to every frontend as a plain update.
    if (Object.keys(corrected).length > 0) this.sendState(corrected, "update");
    this.notify(changes);
  }
}
