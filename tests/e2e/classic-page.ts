/**
 * Functions that run inside the classic Notebook page (passed to Playwright's
 * page.evaluate / waitForFunction, which serialise them: they must not use
 * anything from this module's scope). The project compiles without the DOM
 * library, so the few DOM and Jupyter shapes they touch are declared here.
 */

/** The part of a DOM element these functions use. */
interface PageElement {
  tagName: string;
  innerText: string;
  textContent: string | null;
  scrollHeight: number;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  getBoundingClientRect(): { height: number };
}

/** An <img>, as far as these functions read it. */
interface PageImage extends PageElement {
  naturalWidth: number;
  naturalHeight: number;
  complete: boolean;
}

/** A cell of classic Notebook's JS model (notebook/js/cell.js). */
interface ClassicCell {
  id?: string;
  cell_type: string;
  /** The execution count, "*" while queued or running, null/undefined before. */
  input_prompt_number?: number | string | null;
  element: ArrayLike<PageElement>;
}

/** The globals of a classic Notebook page these functions use. */
interface ClassicPage {
  Jupyter?: {
    notebook?: {
      kernel?: { name: string; is_connected(): boolean; info_reply?: { language_info?: { name: string } } };
      get_cells(): ClassicCell[];
      clear_all_output(): void;
      execute_all_cells(): void;
      save_notebook(): Promise<unknown>;
    };
  };
  document: { querySelector(selector: string): PageElement | null; querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement> };
  MutationObserver: new (callback: (records: Array<{ addedNodes: ArrayLike<PageElement | { nodeType: number }> }>) => void) => {
    observe(target: PageElement, options: { childList: boolean; subtree: boolean }): void;
  };
  __svgInsertions?: number;
}

/** What the page looks like after Run All, gathered in one evaluate. */
export interface PageReport {
  codeCells: number;
  prompts: (number | string | null)[];
  errorOutputs: string[];
  stderrOutputs: string[];
  /** Per code cell (by its nbformat id): facts of its output area. */
  cells: Record<string, CellReport>;
  /** <svg> elements inserted into the watched cell's output area while it ran. */
  svgInsertions: number;
}

/** One code cell's output area as the browser shows it. */
export interface CellReport {
  svgs: number;
  svgText: string;
  pngs: { width: number; height: number; complete: boolean }[];
  text: string;
  tables: number;
}

/** True once the page's kernel is connected and has answered kernel_info as TypeScript. */
export function kernelReady(): boolean {
  const kernel = (globalThis as unknown as ClassicPage).Jupyter?.notebook?.kernel;
  return kernel?.is_connected() === true && kernel.info_reply?.language_info?.name === "typescript";
}

/** The kernel name the page's notebook uses. */
export function kernelName(): string | undefined {
  return (globalThis as unknown as ClassicPage).Jupyter?.notebook?.kernel?.name;
}

/**
 * Counts <svg> elements inserted into the output area of the cell with this id
 * (each chart update re-renders it), from now on; returns false if there is no such cell.
 */
export function watchSvgInsertions(cellId: string): boolean {
  const page = globalThis as unknown as ClassicPage;
  const cell = page.Jupyter!.notebook!.get_cells().find((c) => c.id === cellId);
  const area = cell?.element[0]?.querySelector(".output");
  if (!area) return false;
  page.__svgInsertions = 0;
  new page.MutationObserver((records) => {
    for (const record of records) {
      for (const node of Array.from(record.addedNodes)) {
        if (!("tagName" in node)) continue; // text and comment nodes
        page.__svgInsertions! += (node.tagName.toLowerCase() === "svg" ? 1 : 0) + node.querySelectorAll("svg").length;
      }
    }
  }).observe(area, { childList: true, subtree: true });
  return true;
}

/** Clears every output and runs all cells (Cell > Run All). */
export function runAll(): void {
  const notebook = (globalThis as unknown as ClassicPage).Jupyter!.notebook!;
  notebook.clear_all_output();
  notebook.execute_all_cells();
}

/** True when every code cell shows an execution count (none queued or running) and the kernel indicator is idle. */
export function allCellsDone(): boolean {
  const page = globalThis as unknown as ClassicPage;
  const cells = page.Jupyter!.notebook!.get_cells().filter((c) => c.cell_type === "code");
  return cells.every((c) => typeof c.input_prompt_number === "number") && page.document.querySelector("#kernel_indicator_icon.kernel_idle_icon") !== null;
}

/** Reads what the page shows: prompts, error and stderr outputs, and per cell its SVGs, PNGs, tables and text. */
export function readPage(): PageReport {
  const page = globalThis as unknown as ClassicPage;
  const code = page.Jupyter!.notebook!.get_cells().filter((c) => c.cell_type === "code");
  const cells: Record<string, CellReport> = {};
  for (const cell of code) {
    const output = cell.element[0]!.querySelector(".output")!;
    const svgs = Array.from(output.querySelectorAll("svg"));
    const images = Array.from(output.querySelectorAll('img[src^="data:image/png"]')) as PageImage[];
    cells[cell.id ?? String(cell.input_prompt_number)] = {
      svgs: svgs.length,
      svgText: svgs.map((s) => s.textContent ?? "").join(" "),
      pngs: images.map((img) => ({ width: img.naturalWidth, height: img.naturalHeight, complete: img.complete })),
      text: output.innerText,
      tables: output.querySelectorAll("table").length,
    };
  }
  return {
    codeCells: code.length,
    prompts: code.map((c) => c.input_prompt_number ?? null),
    errorOutputs: Array.from(page.document.querySelectorAll(".output_error")).map((e) => e.innerText),
    stderrOutputs: Array.from(page.document.querySelectorAll(".output_stderr")).map((e) => e.innerText),
    cells,
    svgInsertions: page.__svgInsertions ?? 0,
  };
}

/** Height of the whole notebook (header plus content), in CSS pixels. */
export function notebookHeight(): number {
  const doc = (globalThis as unknown as ClassicPage).document;
  const header = doc.querySelector("#header")?.getBoundingClientRect().height ?? 0;
  return Math.ceil(header + (doc.querySelector("#notebook")?.scrollHeight ?? 900));
}

/** Saves the notebook through the page (File > Save). */
export function saveNotebook(): Promise<unknown> {
  return (globalThis as unknown as ClassicPage).Jupyter!.notebook!.save_notebook();
}
