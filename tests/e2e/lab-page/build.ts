/**
 * Bundles the JupyterLab output page (page.ts, with the CSS of the packages it
 * uses) with esbuild into `outDir`, next to an index.html that loads it.
 */
import { build } from "esbuild";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));

/** Builds page.js, page.css and index.html into `outDir`; returns the file names written. */
export async function buildLabPage(outDir: string): Promise<string[]> {
  const result = await build({
    entryPoints: { page: join(HERE, "page.ts") },
    outdir: outDir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    minify: false,
    sourcemap: false,
    logLevel: "error",
    metafile: true,
    // JupyterLab's CSS imports other packages' CSS with webpack's "~" prefix; its icons are SVG strings.
    loader: { ".svg": "text", ".woff": "dataurl", ".woff2": "dataurl", ".ttf": "dataurl", ".eot": "dataurl", ".png": "dataurl", ".gif": "dataurl" },
    plugins: [
      {
        name: "tilde-imports",
        setup(builder) {
          builder.onResolve({ filter: /^~/ }, async (args) => builder.resolve(args.path.slice(1), { kind: args.kind, resolveDir: args.resolveDir }));
        },
      },
    ],
    define: { "process.env.NODE_ENV": '"production"' },
  });
  writeFileSync(
    join(outDir, "index.html"),
    [
      "<!doctype html>",
      '<html><head><meta charset="utf-8"><title>tensorcell in JupyterLab\'s output area</title>',
      '<link rel="stylesheet" href="page.css">',
      "<style>body{font-family:sans-serif;margin:16px;background:#fff} section{border-top:1px solid #ccc;padding:8px 0} .tc-code{background:#f5f5f5;padding:6px;font-size:12px;max-height:200px;overflow:auto}</style>",
      '</head><body data-jp-theme-light="true"><h1>tensorcell outputs in JupyterLab\'s OutputArea</h1><div id="cells"></div>',
      '<script type="module" src="page.js"></script></body></html>',
    ].join("\n"),
  );
  return Object.keys(result.metafile.outputs);
}
