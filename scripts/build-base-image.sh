#!/usr/bin/env bash
# Builds a local container base image from this machine's own `node` binary and the shared
# libraries it links against (FROM scratch), because no container registry is reachable here.
# Usage: scripts/build-base-image.sh [TAG]   (default tag: shoal-node-base:local)
set -euo pipefail
tag="${1:-shoal-node-base:local}"
node_bin="$(readlink -f "$(command -v node)")"
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
rootfs="$context/rootfs"
mkdir -p "$rootfs/usr/local/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/data" "$rootfs/home/shoal"
cp "$node_bin" "$rootfs/usr/local/bin/node"
# Every library the binary loads, including the dynamic loader itself.
ldd "$node_bin" | awk '/=>/ { print $3 } /^[[:space:]]*\// { print $1 }' | while read -r lib; do
  [[ -n "$lib" && -e "$lib" ]] && cp --parents -L "$lib" "$rootfs/"
done
printf 'root:x:0:0:root:/root:/sbin/nologin\nshoal:x:1000:1000:shoal:/home/shoal:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nshoal:x:1000:\n' >"$rootfs/etc/group"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
cat >"$context/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin
DOCKERFILE
chmod 1777 "$rootfs/tmp"
docker build --quiet -t "$tag" "$context" >/dev/null
echo "$tag"
