/**
 * `loadCsv`: a CSV file (or a folder of CSV files with the same header) as
 * records and as feature/label tensors.
 */
import * as tf from "@tensorflow/tfjs";
import { readdirSync } from "node:fs";
import { extname, join, resolve } from "node:path";
import { parseCsvText, type CsvRow } from "./csv_parse.js";
import { DataFileError, fileSystemError, isFolder, readDataFile } from "./errors.js";

/** Options for {@link loadCsv}. */
export interface LoadCsvOptions {
  /** Field separator, one character (default ","). */
  delimiter?: string;
  /** Whether the first row names the columns (default true); without one, columns are named "column1", "column2" ... */
  header?: boolean;
  /** The column to return as labels `y`. Numeric labels stay numbers; text labels become class indices. */
  label?: string;
  /** Columns to put in `x`, in this order. Default: every numeric column except the label. */
  features?: string[];
}

/** One CSV row: numeric columns as numbers (NaN where empty), the others as strings. */
export type CsvRecord = Record<string, number | string>;

/** What {@link loadCsv} returns. */
export interface CsvTable {
  /** The file (or folder) read, absolute. */
  path: string;
  /** Column names, in file order. */
  columns: string[];
  /** Columns whose every non-empty value is a number. */
  numericColumns: string[];
  /** One record per data row. */
  records: CsvRecord[];
  /** The columns in `x`, in order. */
  features: string[];
  /** Feature matrix, [rows, features.length] float32 (empty cells are NaN). */
  x: tf.Tensor2D;
  /** Labels, [rows]: int32 class indices (text labels, or whole-number labels), else float32; null without `label`. */
  y: tf.Tensor1D | null;
  /** For text labels, the class names (sorted) that `y` indexes; otherwise null. */
  classNames: string[] | null;
  /** Frees `x` and `y`. */
  dispose(): void;
}

const LOADER = "loadCsv";
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(Infinity|NaN)$/;

function readText(path: string): string {
  return new TextDecoder("utf-8").decode(readDataFile(LOADER, path));
}

/** The CSV files to read: the file itself, or every *.csv in a folder, sorted. */
function csvFiles(path: string): string[] {
  if (!isFolder(LOADER, path)) return [path];
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (error) {
    throw fileSystemError(LOADER, path, error);
  }
  const files = names
    .filter((name) => extname(name).toLowerCase() === ".csv")
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw new DataFileError(LOADER, path, "is a folder with no .csv files");
  return files;
}

/** Reads one file's header and data rows, checking every row has the header's field count. */
function readRows(file: string, options: LoadCsvOptions): { columns: string[]; rows: CsvRow[] } {
  const rows = parseCsvText(readText(file), file, options.delimiter ?? ",", LOADER);
  if (rows.length === 0) throw new DataFileError(LOADER, file, "is empty (expected a header row and data rows)");
  const hasHeader = options.header ?? true;
  const width = rows[0]!.fields.length;
  const columns = hasHeader ? rows[0]!.fields.map((name) => name.trim()) : Array.from({ length: width }, (_, i) => `column${i + 1}`);
  if (hasHeader) {
    const seen = new Set<string>();
    for (const name of columns) {
      if (name === "") throw new DataFileError(LOADER, file, `line ${rows[0]!.line}: the header has an empty column name`);
      if (seen.has(name)) throw new DataFileError(LOADER, file, `line ${rows[0]!.line}: the header names column "${name}" twice`);
      seen.add(name);
    }
  }
  const dataRows = hasHeader ? rows.slice(1) : rows;
  for (const row of dataRows) {
    if (row.fields.length !== width) {
      throw new DataFileError(LOADER, file, `line ${row.line}: ${row.fields.length} fields, but the ${hasHeader ? "header has" : "first row has"} ${width} (check the delimiter and quoting)`);
    }
  }
  return { columns, rows: dataRows };
}

function isNumeric(value: string): boolean {
  const trimmed = value.trim();
  return trimmed === "" || NUMBER.test(trimmed);
}

/**
 * Loads a CSV file, or every .csv file in a folder (same header required, rows
 * concatenated in file-name order). Returns the records and, for learning,
 * `x` (numeric feature columns) and `y` (the `label` column). Each file read is
 * recorded for `environmentInfo()`. A missing file, a row with the wrong
 * number of fields, an unclosed quote, an unknown column or a non-numeric
 * feature throws a one-line `DataFileError` naming the file (and line).
 *
 * @example
 * const iris = data.loadCsv("iris.csv", { label: "species" });
 * iris.x.shape; // [150, 4]; iris.classNames: ["setosa", "versicolor", "virginica"]
 */
export function loadCsv(path: string, options: LoadCsvOptions = {}): CsvTable {
  const root = resolve(path);
  const files = csvFiles(root);
  let columns: string[] = [];
  const rows: Array<CsvRow & { file: string }> = [];
  files.forEach((file, index) => {
    const table = readRows(file, options);
    if (index === 0) columns = table.columns;
    else if (table.columns.join("\u0000") !== columns.join("\u0000")) {
      throw new DataFileError(LOADER, file, `has columns [${table.columns.join(", ")}] but ${files[0]} has [${columns.join(", ")}]; files in one folder must share a header`);
    }
    for (const row of table.rows) rows.push({ ...row, file });
  });

  const numeric = columns.map((_, c) => rows.every((row) => isNumeric(row.fields[c]!)));
  const numericColumns = columns.filter((_, c) => numeric[c]);
  const records: CsvRecord[] = rows.map((row) => {
    const record: CsvRecord = {};
    columns.forEach((name, c) => {
      const raw = row.fields[c]!;
      record[name] = numeric[c] ? (raw.trim() === "" ? NaN : Number(raw)) : raw;
    });
    return record;
  });

  const columnIndex = (name: string, role: string): number => {
    const index = columns.indexOf(name);
    if (index < 0) throw new DataFileError(LOADER, root, `has no column "${name}" (asked for as ${role}); its columns are ${columns.join(", ")}`);
    return index;
  };
  const labelIndex = options.label === undefined ? -1 : columnIndex(options.label, "label");
  const features = options.features ?? numericColumns.filter((name) => name !== options.label);
  const featureIndices = features.map((name) => columnIndex(name, "a feature"));
  for (const c of featureIndices) {
    if (!numeric[c]) {
      const bad = rows.find((row) => !isNumeric(row.fields[c]!))!;
      throw new DataFileError(LOADER, bad.file, `line ${bad.line}: feature column "${columns[c]}" holds "${bad.fields[c]}", not a number (leave it out of features, or use it as the label)`);
    }
  }

  const matrix = new Float32Array(rows.length * features.length);
  rows.forEach((row, r) => {
    featureIndices.forEach((c, f) => {
      const raw = row.fields[c]!.trim();
      matrix[r * features.length + f] = raw === "" ? NaN : Number(raw);
    });
  });
  const x = tf.tensor2d(matrix, [rows.length, features.length], "float32");

  let y: tf.Tensor1D | null = null;
  let classNames: string[] | null = null;
  if (labelIndex >= 0) {
    const values = rows.map((row) => row.fields[labelIndex]!.trim());
    if (numeric[labelIndex]) {
      const numbers = values.map((value) => (value === "" ? NaN : Number(value)));
      const whole = numbers.every((value) => Number.isInteger(value));
      y = tf.tensor1d(numbers, whole ? "int32" : "float32");
    } else {
      classNames = [...new Set(values)].sort();
      const indexOf = new Map(classNames.map((name, i) => [name, i]));
      y = tf.tensor1d(values.map((value) => indexOf.get(value)!), "int32");
    }
  }
  const labels = y;
  return {
    path: root,
    columns,
    numericColumns,
    records,
    features,
    x,
    y,
    classNames,
    dispose: () => {
      x.dispose();
      labels?.dispose();
    },
  };
}
