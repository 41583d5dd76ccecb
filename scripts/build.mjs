// Bundles the kernel, its worker threads and the cell library into dist/.
// npm packages stay external: they load from node_modules at run time, so a
// cell's `import "@tensorflow/tfjs"` and the library share one instance.
import { build } from "esbuild";
import { existsSync } from "node:fs";

const entries = {
  cli: "kernel/cli.ts",
  "control-worker": "kernel/channels/control-worker.ts",
  "language-worker": "kernel/language/worker.ts",
  lib: "lib/index.ts",
};
// An entry whose module does not exist yet is skipped, so a partial tree still builds.
const present = Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

await build({
  entryPoints: present,
  outdir: "dist",
  bundle: true,
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
  // Bundled ESM has no `require`; some dependencies' CJS interop expects one.
  banner: { js: "import { createRequire as __tcCreateRequire } from 'node:module'; const require = __tcCreateRequire(import.meta.url);" },
});
