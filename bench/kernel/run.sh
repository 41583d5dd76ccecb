#!/usr/bin/env bash
# Installs the kernelspec into a temporary prefix and runs the start-up and
# round-trip comparison with ipykernel. Needs `npm run build` first.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
node "$root/dist/cli.js" install --prefix "$prefix" >/dev/null
JUPYTER_PATH="$prefix/share/jupyter" /usr/bin/python3 "$root/bench/kernel/bench_kernel.py" "$@"
