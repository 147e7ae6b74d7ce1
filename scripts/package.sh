#!/usr/bin/env bash
# Builds the release tarball: dist/latchkey-VERSION-linux-ARCH.tar.gz, one directory holding
#   latchkey                              the binary, the Swift runtime linked statically
#   latchkey_LatchkeyServer.resources/    its templates, assets and OpenAPI document (beside it)
#   LICENSE, README.md, docs/             the documentation (docs/operations.md: the handbook)
#   latchkey.env.sample, latchkey.service the environment file and systemd unit
#   nginx/latchkey.conf, prometheus/alerts.yml
# Unpacked anywhere, `./latchkey serve` runs; of the host it needs only the C and C++ runtime
# libraries every Linux has (libc, libm, libstdc++, libgcc_s).
#
#   scripts/package.sh            (prints the tarball's path)
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^public let latchkeyVersion = "\(.*\)"$/\1/p' Sources/LatchkeyServer/Version.swift)
arch=$(uname -m)
name="latchkey-$version-linux-$arch"

swift build -c release --static-swift-stdlib --product latchkey >&2
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/nginx" "$root/prometheus"
install -m 0755 "$bin/latchkey" "$root/latchkey"
strip "$root/latchkey" 2>/dev/null || true
cp -R "$bin/latchkey_LatchkeyServer.resources" "$root/"
cp LICENSE README.md "$root/"
cp -R docs "$root/docs"
install -m 0644 deploy/latchkey.service deploy/latchkey.env.sample "$root/"
install -m 0644 deploy/nginx/latchkey.conf "$root/nginx/"
install -m 0644 deploy/prometheus/alerts.yml "$root/prometheus/"

mkdir -p dist
tar -C "$stage" --owner=0 --group=0 -czf "dist/$name.tar.gz" "$name"
echo "dist/$name.tar.gz"
