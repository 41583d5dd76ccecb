/**
 * A small RFC 4180 CSV parser: quoted fields, "" escapes, delimiters and line
 * breaks inside quotes, CRLF or LF line ends, an optional UTF-8 BOM.
 */
import { DataFileError } from "./errors.js";

/** One parsed row and the line of the file it starts on (1-based). */
export interface CsvRow {
  fields: string[];
  line: number;
}

/**
 * Splits CSV text into rows of fields. Blank lines are skipped. An unclosed
 * quote throws a {@link DataFileError} naming `path` and the line it opened on.
 */
export function parseCsvText(text: string, path: string, delimiter = ",", loader = "loadCsv"): CsvRow[] {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new Error(`${loader}: delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
  }
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let rowLine = 1;
  let inQuotes = false;
  let quoteLine = 0;
  let fieldStarted = false; // distinguishes a blank line from a row of one empty field
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const endRow = (): void => {
    if (fieldStarted || fields.length > 0) {
      fields.push(field);
      rows.push({ fields, line: rowLine });
    }
    fields = [];
    field = "";
    fieldStarted = false;
  };

  for (; i < text.length; i++) {
    const char = text[i]!;
    if (inQuotes) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        if (char === "\n") line++;
        field += char;
      }
      continue;
    }
    if (char === '"') {
      if (field.length > 0) {
        throw new DataFileError(loader, path, `line ${line}: a quote in the middle of an unquoted field (quote the whole field and double inner quotes: "a ""b""")`);
      }
      inQuotes = true;
      quoteLine = line;
      fieldStarted = true;
    } else if (char === delimiter) {
      fields.push(field);
      field = "";
      fieldStarted = true;
    } else if (char === "\n" || char === "\r") {
      endRow();
      if (char === "\r" && text[i + 1] === "\n") i++;
      line++;
      rowLine = line;
    } else {
      if (!fieldStarted && fields.length === 0) rowLine = line;
      field += char;
      fieldStarted = true;
    }
  }
  if (inQuotes) {
    throw new DataFileError(loader, path, `line ${quoteLine}: a quoted field is never closed (add the closing ")`);
  }
  endRow();
  return rows;
}
