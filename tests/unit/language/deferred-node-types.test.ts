// The first program goes without @types/node (a stand-in covers console, timers...) and the library-internal
// packages (vega, WebGPU types); they are loaded right after.
import { describe, expect, it } from "vitest";
import { SessionLanguageService } from "../../../kernel/language/service.js";

describe("deferred Node types", () => {
  it("answers from the stand-in first, then from @types/node once loaded; checking always loads it", () => {
    const service = new SessionLanguageService({ deferNodeTypes: true });
    expect(service.complete("console.lo", 10).matches).toEqual(["log"]);
    // Library-internal packages are deferred too, but a cell that imports one still gets its types.
    const vegaCell = 'import * as vl from "vega-lite";\nvl.compi';
    expect(service.complete(vegaCell, vegaCell.length).matches).toEqual(["compile"]);
    expect(service.complete("process.versi", 13).matches).toEqual([]);
    expect(service.loadDeferredTypes()).toBe(true);
    expect(service.loadDeferredTypes()).toBe(false);
    expect(service.complete("process.versi", 13).matches).toEqual(["version", "versions"]);
    expect(service.complete("console.tim", 11).matches).toEqual(expect.arrayContaining(["time", "timeEnd", "timeLog"]));

    expect(service.check('import * as vl from "vega-lite";\nconst n: number = vl.compile;').map((d) => [d.line, d.code])).toEqual([[2, 2322]]);

    const checking = new SessionLanguageService({ deferNodeTypes: true });
    expect(checking.check("const v: number = process.version;").map((d) => d.code)).toEqual([2322]);
  });
});
