/**
 * How cells load code: `import` (rewritten to runtime.import by the transformer)
 * and `require`. Packages resolve from the working directory first, then from
 * the kernel's own node_modules; ESM-only packages work because everything goes
 * through real dynamic import().
 */
import { builtinModules, createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { resolve as resolveSpecifier } from "import-meta-resolve";

/** Loads a module namespace for a specifier the way a cell expects; `options` carries import attributes. */
export type Importer = (specifier: string, options?: ImportCallOptions) => Promise<unknown>;

/** Creates the importer for cells; `aliases` serve specifiers like "tensorcell" from the running kernel. */
export function createImporter(kernelUrl: string, aliases: Record<string, () => Promise<unknown>>): Importer {
  return async (specifier: string, options?: ImportCallOptions) => {
    if (typeof specifier !== "string") throw new TypeError(`import() needs a string specifier, got ${typeof specifier}`);
    const alias = aliases[specifier];
    if (alias) return alias();
    if (specifier.startsWith("node:") || builtinModules.includes(specifier)) return import(specifier);
    const url = resolveForCell(specifier, kernelUrl);
    // Import attributes: Node 20 knows one, JSON modules (`with { type: "json" }`); the
    // bundler needs the attribute object spelled out to leave the import alone.
    const type = (options?.with as Record<string, string> | undefined)?.type;
    if (type === "json") return import(url, { with: { type: "json" } });
    if (type !== undefined) throw new Error(`import attribute type "${type}" is not supported (only "json")`);
    return import(url);
  };
}

function resolveForCell(specifier: string, kernelUrl: string): string {
  const cwdUrl = pathToFileURL(`${process.cwd()}/`).href;
  try {
    return resolveSpecifier(specifier, cwdUrl);
  } catch (fromCwd) {
    if (specifier.startsWith(".") || specifier.startsWith("/")) throw fromCwd;
    try {
      return resolveSpecifier(specifier, kernelUrl);
    } catch {
      throw new Error(
        `Cannot find package "${specifier}" in ${process.cwd()}/node_modules or the kernel's own packages. Install it with: npm install ${specifier}`,
      );
    }
  }
}

/** A `require` for cells: the working directory's packages first, then the kernel's. */
export function createCellRequire(kernelUrl: string): NodeJS.Require {
  const fromCwd = createRequire(`${process.cwd()}/`);
  const fromKernel = createRequire(kernelUrl);
  const cellRequire = ((id: string) => {
    try {
      return fromCwd(id);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
      return fromKernel(id);
    }
  }) as NodeJS.Require;
  return Object.assign(cellRequire, { resolve: fromCwd.resolve, cache: fromCwd.cache, main: undefined, extensions: fromCwd.extensions });
}
