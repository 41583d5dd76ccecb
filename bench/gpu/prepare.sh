#!/usr/bin/env bash
# Builds .gpu/ (git-ignored): everything bench/gpu/check.sh needs on a GPU
# machine with no network: a Node binary (xz), a pruned node_modules with
# tfjs 4.22 + tfjs-backend-wasm + tfjs-backend-webgpu + Dawn's `webgpu`
# (linux-x64 only), the Vulkan loader .deb, and the bundled check script.
# Run here (needs npm registry access once, for the two WebGPU packages).
set -euo pipefail
cd "$(dirname "$0")/../.."
for d in /.gpu/ /.gpu-stage/; do grep -qx "$d" .git/info/exclude || echo "$d" >> .git/info/exclude; done
mkdir -p .gpu-stage .gpu/debs
# 1. The two optional WebGPU packages, without a second tfjs-core (peer deps off).
if [ ! -d .gpu-stage/node_modules/webgpu ]; then
  echo '{"name":"tensorcell-gpu-stage","private":true}' > .gpu-stage/package.json
  (cd .gpu-stage && flock /tmp/npm.lock npm install --no-audit --no-fund --legacy-peer-deps @tensorflow/tfjs-backend-webgpu@4.22.0 webgpu@0.6.2)
fi
# 2. A pruned node_modules: package.json + the Node (CJS) bundle of each package.
rm -rf .gpu/node_modules && mkdir -p .gpu/node_modules/@tensorflow
copy_pkg() { # copy_pkg SRC_DIR DEST_NAME FILES...
  local src=$1 name=$2; shift 2
  mkdir -p ".gpu/node_modules/$name"
  cp "$src/package.json" ".gpu/node_modules/$name/"
  for f in "$@"; do mkdir -p ".gpu/node_modules/$name/$(dirname "$f")"; cp -r "$src/$f" ".gpu/node_modules/$name/$f"; done
}
for p in tfjs tfjs-core tfjs-layers tfjs-converter tfjs-data tfjs-backend-cpu tfjs-backend-webgl; do
  main=$(node -p "require('./node_modules/@tensorflow/$p/package.json').main")
  copy_pkg "node_modules/@tensorflow/$p" "@tensorflow/$p" "$main"
done
copy_pkg node_modules/@tensorflow/tfjs-backend-wasm @tensorflow/tfjs-backend-wasm dist/tf-backend-wasm.node.js dist/tfjs-backend-wasm.wasm dist/tfjs-backend-wasm-simd.wasm dist/tfjs-backend-wasm-threaded-simd.wasm
copy_pkg .gpu-stage/node_modules/@tensorflow/tfjs-backend-webgpu @tensorflow/tfjs-backend-webgpu dist/tf-backend-webgpu.node.js
copy_pkg .gpu-stage/node_modules/webgpu webgpu index.js dist/linux-x64
for p in seedrandom long string_decoder safe-buffer node-fetch whatwg-url tr46 webidl-conversions; do
  [ -d "node_modules/$p" ] && cp -r "node_modules/$p" .gpu/node_modules/
done
# 3. Node itself (the GPU image has none) and the Vulkan loader Dawn links at run time.
[ -f .gpu/node.xz ] || xz -T1 -6 -c "$(readlink -f "$(command -v node)")" > .gpu/node.xz
if ! ls .gpu/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  (cd .gpu/debs && apt-get download libvulkan1)
fi
# 4. The check itself, bundled with tensorcell's backend code (packages stay external).
npx esbuild bench/gpu/check.ts --bundle --platform=node --format=esm --target=node20 --packages=external --outfile=.gpu/check.mjs --log-level=warning
cp bench/gpu/check.sh .gpu/check.sh
du -sh .gpu/node.xz .gpu/node_modules .gpu/debs .gpu/check.mjs
echo "total without the npm staging folder: $(du -sc .gpu/node.xz .gpu/node_modules .gpu/debs .gpu/check.mjs .gpu/check.sh | tail -1 | cut -f1) KiB"
