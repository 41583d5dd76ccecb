/** What the JupyterLab output page (page.ts) exposes as `window.tensorcellLab`, shared with the test. */

/** One renderModel call of the Vega renderer. */
export interface VegaRender {
  /** Which renderer widget (numbered in creation order). */
  renderer: number;
  /** True when the model holds the kernel's bundle (false: the renderer's own PNG was added to it). */
  fromKernel: boolean;
  /** Rows of the spec's inline data (-1: none). */
  rows: number;
  /** True once the call resolved or threw. */
  settled: boolean;
  /** The error it threw, if any. */
  error: string | null;
}

/** A cell run into its own OutputArea. */
export interface CellRun {
  status: string;
  executionCount: number | null;
  ename: string | null;
  /** iopub messages of the request, by msg_type. */
  counts: Record<string, number>;
  /** Sizes of the PNGs the kernel sent (from each PNG's header), in order. */
  pngs: { width: number; height: number }[];
  /** Data rows of the last Vega-Lite spec the kernel sent (-1: none). */
  lastVegaRows: number;
  /** Outputs in the area's model once the reply came. */
  outputs: number;
}

/** What one output area shows, read from the DOM. */
export interface AreaReport {
  /** The area's text as the browser lays it out. */
  text: string;
  /**
   * Rendered outputs (the output nodes), in order: the mime type JupyterLab's renderer
   * marked (data-mime-type; "" for renderers that set none, such as Vega's), class and text.
   */
  outputs: { mimeType: string; className: string; text: string }[];
  /**
   * Vega renderer widgets in the area (their data-tc-renderer numbers); the canvases vega-embed
   * drew (size, and how many pixels are not blank); SVG elements in them; vega-embed action menus.
   */
  vega: { renderers: number[]; canvases: { width: number; height: number; inked: number }[]; svgs: number; embedActions: number };
  /** <img> elements, decoded (img.decode() awaited): their natural size and src's mime type. */
  images: { naturalWidth: number; naturalHeight: number; mime: string }[];
  /** Tables: each one's header cells and number of body rows. */
  tables: { header: string[]; rows: number }[];
  /** Coloured spans of rendered ANSI text: class and text. */
  ansi: { className: string; text: string }[];
  /** Pending stdin boxes (input elements of OutputArea's Stdin widget). */
  stdinBoxes: number;
}

/** The page's API. */
export interface LabPage {
  /** Resolves with the kernel's name once a session is started and kernel_info answered. */
  ready: Promise<string>;
  /** Runs code into a new OutputArea in `<section data-cell="id">`. */
  run(id: string, code: string): Promise<CellRun>;
  /** Reads what the area of cell `id` shows (throws when there is none). */
  report(id: string): Promise<AreaReport>;
  /** Every Vega renderModel call so far. */
  vegaRenders(): VegaRender[];
  /** Creates models for every widget the kernel holds (jupyter.widget.control's request_states), as a page opened later does. */
  restoreWidgets(): Promise<{ viaControlComm: boolean }>;
  /** Shows the widget view of `modelId` in a new output area `id`. */
  showWidget(id: string, modelId: string): void;
  /** Shuts the session (and its kernel) down. */
  shutdown(): Promise<void>;
}
