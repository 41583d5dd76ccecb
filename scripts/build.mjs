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

// tensorcell's own wasm SIMD kernels (AssemblyScript sources in lib/backend/wasm/asm/),
// compiled to dist/asm/ twice: kernels.wasm imports a shared memory (tfjs's threaded build
// and the worker threads), kernels-local.wasm a plain one (tfjs's one-thread build). No
// runtime, no data segments.
const asc = (await import("assemblyscript/asc")).default;
for (const [output, memoryFlags] of [
  ["kernels", ["--enable", "threads", "--sharedMemory", "--maximumMemory", "65536"]],
  ["kernels-local", []],
]) {
  const { error, stderr } = await asc.main([
    "lib/backend/wasm/asm/kernels.ts", "-o", `dist/asm/${output}.wasm`, "-O3",
    "--runtime", "stub", "--use", "abort=", "--enable", "simd", "--importMemory", "--initialMemory", "1", ...memoryFlags,
  ]);
  if (error) {
    console.error(stderr.toString());
    throw new Error(`asc could not compile lib/backend/wasm/asm/kernels.ts into ${output}.wasm: ${error.message}`);
  }
}
