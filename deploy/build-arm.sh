#!/usr/bin/env bash
# Builds yiping for Raspberry Pi class boards and, with --deb, their Debian packages.
#
#   deploy/build-arm.sh [--deb] [aarch64|armv7 ...]     (default: both)
#
# Binaries: target/<triple>/release/yiping; packages: target/debian/yiping_*_{arm64,armhf}.deb
#
# Why cargo-zigbuild: Debian 12's cross compilers (gcc-aarch64-linux-gnu) link against
# glibc 2.36, so their binaries refuse to start on Raspberry Pi OS Bullseye (glibc 2.31).
# Zig carries the headers and stub libraries of every glibc version, and the `.2.31`
# suffix makes the linker bind only symbols that glibc 2.31 has: one binary runs on
# Bullseye and Bookworm. Both tools come from PyPI: pip install cargo-zigbuild ziglang.
# This script checks the result: it fails if any symbol needs a glibc newer than 2.31.
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC=2.31
deb=0
arches=()
for a in "$@"; do
    case "$a" in
        --deb) deb=1 ;;
        aarch64 | armv7) arches+=("$a") ;;
        *) echo "usage: $0 [--deb] [aarch64|armv7 ...]" >&2; exit 2 ;;
    esac
done
[ ${#arches[@]} -gt 0 ] || arches=(aarch64 armv7)

triple() { case "$1" in aarch64) echo aarch64-unknown-linux-gnu ;; armv7) echo armv7-unknown-linux-gnueabihf ;; esac; }

command -v cargo-zigbuild >/dev/null || { echo "build-arm: cargo-zigbuild missing: pip install cargo-zigbuild ziglang" >&2; exit 2; }
if [ "$deb" = 1 ]; then
    command -v cargo-deb >/dev/null || { echo "build-arm: cargo-deb missing: cargo install --locked cargo-deb" >&2; exit 2; }
fi

for a in "${arches[@]}"; do
    t=$(triple "$a")
    rustup target list --installed 2>/dev/null | grep -qx "$t" || rustup target add "$t"
    echo "== building $t against glibc $GLIBC"
    cargo zigbuild --locked --release --target "$t.$GLIBC"
    bin="target/$t/release/yiping"
    # The newest glibc symbol version the binary asks for must not exceed $GLIBC.
    newest=$(readelf --dyn-syms --wide "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
    if [ "$(printf '%s\n%s\n' "$newest" "$GLIBC" | sort -V | tail -1)" != "$GLIBC" ]; then
        echo "build-arm: $bin needs glibc $newest, newer than $GLIBC" >&2
        exit 1
    fi
    echo "$bin: $(stat -c %s "$bin") bytes, needs glibc >= $newest, interpreter $(readelf -l "$bin" | grep -o '/lib[^]]*ld-linux[^]]*')"
    if [ "$deb" = 1 ]; then
        # The binary is stripped by the release profile; cargo-deb must not rebuild it with plain cargo.
        cargo deb --no-build --no-strip --target "$t"
    fi
done
