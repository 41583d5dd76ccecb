import * as tf from "@tensorflow/tfjs";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { expectOneLineError } from "../../helpers/one-line-error.js";
import { DataFileError, data } from "../../../lib/data/index.js";
import { clearRecordedDataFiles, recordedDataFiles } from "../../../lib/repro/index.js";

let dir: string;
const file = (name: string): string => join(dir, name);

beforeAll(async () => {
  await tf.setBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "tc-csv-"));
  writeFileSync(
    file("iris.csv"),
    "\ufeffsepal,petal,name,species\r\n5.1,1.4,\"Setosa, first\",setosa\r\n7.0,4.7,\"say \"\"hi\"\"\",versicolor\r\n\r\n6.3,,\"two\nlines\",virginica\r\n4.9,1.4e0,x,setosa\r\n",
  );
  writeFileSync(file("numbers.tsv"), "1\t2\t0\n3\t4\t1\n");
  writeFileSync(file("regression.csv"), "a,target\n1,0.5\n2,1.5\n");
  writeFileSync(file("ragged.csv"), "a,b,c\n1,2,3\n4,5\n");
  writeFileSync(file("unclosed.csv"), "a,b\n1,\"oops\n2,3\n");
  writeFileSync(file("empty.csv"), "");
  writeFileSync(file("words.csv"), "a,b\n1,x\n2,y\n");
  mkdirSync(file("parts"));
  writeFileSync(join(dir, "parts", "1.csv"), "x,y\n1,2\n");
  writeFileSync(join(dir, "parts", "2.csv"), "x,y\n3,4\n5,6\n");
  mkdirSync(file("mismatch"));
  writeFileSync(join(dir, "mismatch", "1.csv"), "x,y\n1,2\n");
  writeFileSync(join(dir, "mismatch", "2.csv"), "x,z\n3,4\n");
});

describe("loadCsv", () => {
  it("parses quotes, CRLF, BOM and blank lines into records, x and text labels", () => {
    clearRecordedDataFiles();
    const iris = data.loadCsv(file("iris.csv"), { label: "species" });
    expect(iris.columns).toEqual(["sepal", "petal", "name", "species"]);
    expect(iris.numericColumns).toEqual(["sepal", "petal"]);
    expect(iris.records[0]).toEqual({ sepal: 5.1, petal: 1.4, name: "Setosa, first", species: "setosa" });
    expect(iris.records[1]!.name).toBe('say "hi"');
    expect(iris.records[2]!.name).toBe("two\nlines");
    expect(Number.isNaN(iris.records[2]!.petal)).toBe(true);
    expect(iris.features).toEqual(["sepal", "petal"]);
    expect(iris.x.shape).toEqual([4, 2]);
    expect(Array.from(iris.x.dataSync())).toEqual([5.1, 1.4, 7, 4.7, 6.3, NaN, 4.9, 1.4].map(Math.fround));
    expect(iris.classNames).toEqual(["setosa", "versicolor", "virginica"]);
    expect(iris.y!.dtype).toBe("int32");
    expect(Array.from(iris.y!.dataSync())).toEqual([0, 1, 2, 0]);
    expect(recordedDataFiles().map((record) => record.path)).toEqual([file("iris.csv")]);
    iris.dispose();
  });

  it("handles no header, other delimiters, numeric labels, chosen features and folders", () => {
    const tsv = data.loadCsv(file("numbers.tsv"), { header: false, delimiter: "\t", label: "column3" });
    expect(tsv.columns).toEqual(["column1", "column2", "column3"]);
    expect(Array.from(tsv.x.dataSync())).toEqual([1, 2, 3, 4]);
    expect(tsv.y!.dtype).toBe("int32");
    const regression = data.loadCsv(file("regression.csv"), { label: "target" });
    expect(regression.y!.dtype).toBe("float32");
    expect(Array.from(regression.y!.dataSync())).toEqual([0.5, 1.5]);
    const chosen = data.loadCsv(file("iris.csv"), { features: ["petal"] });
    expect(chosen.x.shape).toEqual([4, 1]);
    expect(chosen.y).toBeNull();
    const folder = data.loadCsv(file("parts"));
    expect(Array.from(folder.x.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    for (const table of [tsv, regression, chosen, folder]) table.dispose();
  });

  it("fails with one line naming the file, the line and the problem", () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => data.loadCsv(file("absent.csv")), /^loadCsv: .*absent\.csv: no such file or folder/],
      [() => data.loadCsv(file("ragged.csv")), /^loadCsv: .*ragged\.csv: line 3: 2 fields, but the header has 3/],
      [() => data.loadCsv(file("unclosed.csv")), /^loadCsv: .*unclosed\.csv: line 2: a quoted field is never closed/],
      [() => data.loadCsv(file("empty.csv")), /^loadCsv: .*empty\.csv: is empty/],
      [() => data.loadCsv(file("words.csv"), { label: "c" }), /^loadCsv: .*words\.csv: has no column "c" \(asked for as label\); its columns are a, b/],
      [() => data.loadCsv(file("words.csv"), { features: ["b"] }), /^loadCsv: .*words\.csv: line 2: feature column "b" holds "x", not a number/],
      [() => data.loadCsv(file("mismatch")), /^loadCsv: .*2\.csv: has columns \[x, z\] but .*1\.csv has \[x, y\]/],
    ];
    for (const [load, expected] of cases) {
      expectOneLineError(load, expected, DataFileError);
    }
  });
});
