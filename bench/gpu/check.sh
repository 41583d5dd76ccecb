#!/usr/bin/env bash
# Proves tensorcell's webgpu backend on a machine with an NVIDIA GPU and no
# network. Needs .gpu/ built by bench/gpu/prepare.sh (Node binary, pruned
# node_modules, Vulkan loader .deb, bundled check). From the repository root:
#   bash .gpu/check.sh        (writes $OUT/webgpu-check.log when OUT is set)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -f "$here/check.mjs" ] || here="$(cd "$here/../../.gpu" && pwd)"
node_bin=/tmp/tensorcell-node
if ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] < 20)'; then
  if command -v xz >/dev/null; then xz -dc "$here/node.xz" > "$node_bin"
  else python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$here/node.xz" "$node_bin"; fi
  chmod +x "$node_bin"
else
  node_bin=$(command -v node)
fi
if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
  for f in "$here"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
# NVIDIA's Vulkan ICD lives here on the lent GPU machines (see the device notes).
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; fi
done
echo "node $("$node_bin" --version); VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}; $(nvidia-smi -L 2>/dev/null | head -1)"
log=/dev/null
[ -n "${OUT:-}" ] && log="$OUT/webgpu-check.log"
cd "$here" && timeout 420 "$node_bin" check.mjs 2>&1 | tee "$log"
exit "${PIPESTATUS[0]}"
