/** Small HTML and text helpers shared by the display and viz modules. */
import { inspect } from "node:util";

/** Escapes text for use inside HTML element content or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Formats a number for tables: integers as they are, others with 5 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e6)) return value.toExponential(4);
  return String(Number(value.toPrecision(5)));
}

/** Formats one table cell's value as plain text. */
export function formatCell(value: unknown): string {
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value;
  return inspect(value, { colors: false, depth: 1, breakLength: Infinity });
}

/**
 * An HTML table (thead + tbody) from a header row and body rows of preformatted text cells.
 * Numeric-looking cells are right-aligned, which is how Jupyter's own tables read.
 */
export function htmlTable(header: readonly string[], rows: readonly (readonly string[])[], caption?: string): string {
  const cell = (tag: "th" | "td", text: string) => {
    const numeric = tag === "td" && /^[-+]?[\d.,e+-]+$/i.test(text);
    return `<${tag}${numeric ? ' style="text-align:right"' : ""}>${escapeHtml(text)}</${tag}>`;
  };
  const head = `<thead><tr>${header.map((h) => cell("th", h)).join("")}</tr></thead>`;
  const body = `<tbody>${rows.map((r) => `<tr>${r.map((c) => cell("td", c)).join("")}</tr>`).join("")}</tbody>`;
  const captionHtml = caption ? `<caption style="caption-side:bottom;text-align:left">${escapeHtml(caption)}</caption>` : "";
  return `<table>${captionHtml}${head}${body}</table>`;
}

/** A monospace text table with columns padded to their widest cell. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (c ?? "").padEnd(widths[i]!)).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** Plain text for a value, like Node's REPL shows it (util.inspect, colours off); never throws. */
export function plainText(value: unknown): string {
  try {
    return inspect(value, { colors: false });
  } catch (inspectError) {
    // A Proxy or a getter can throw inside inspect; say so rather than fail the display.
    return `[value that cannot be printed: ${errorMessage(inspectError)}]`;
  }
}

/** The message of a thrown value, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
