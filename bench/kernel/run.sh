#!/usr/bin/env bash
# Installs the kernelspec into a temporary prefix (and Deno's kernel, from the
# npm package `deno`, into a cache folder with a private HOME for its
# kernelspec) and runs the start-up, execute and comm comparison with
# ipykernel and Deno. Needs `npm run build` first. Deno is not a project
# dependency; without the npm registry it is left out and the script says so.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
node "$root/dist/cli.js" install --prefix "$prefix" >/dev/null
jupyter_path="$prefix/share/jupyter"
cache="${TENSORCELL_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tensorcell-bench}/deno"
deno_version=2.9.6
deno="$cache/node_modules/deno/deno"
if [ ! -x "$deno" ]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "deno@$deno_version" >/dev/null 2>&1 || echo "could not install deno@$deno_version from npm"
fi
if [ -x "$deno" ]; then
  mkdir -p "$prefix/deno-home"
  HOME="$prefix/deno-home" "$deno" jupyter --install >/dev/null 2>&1
  jupyter_path="$jupyter_path:$prefix/deno-home/.local/share/jupyter"
  echo "deno: $("$deno" --version | head -1)"
fi
JUPYTER_PATH="$jupyter_path" /usr/bin/python3 "$root/bench/kernel/bench_kernel.py" "$@"
