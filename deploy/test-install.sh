#!/usr/bin/env bash
# Installs a yiping .deb into a scratch root (dpkg --root, scripts run chrootless with
# DPKG_ROOT), then upgrades it, and checks: the system user exists, the unit is enabled,
# the operator's edits to /etc/yiping survive the upgrade, removal keeps them, purge drops them.
# Files land only in the scratch root (on a machine running systemd the generated scripts also
# run `systemctl daemon-reload` there, which is harmless). Needs root.
#   deploy/test-install.sh target/debian/yiping_0.1.0-1_arm64.deb
set -euo pipefail
deb=$(realpath "$1")
fail() { echo "test-install: $*" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
: >"$root/etc/passwd"; : >"$root/etc/group"; : >"$root/etc/shadow"; : >"$root/etc/gshadow"
# A foreign-architecture package on the build machine: dependencies are not in the scratch root.
dpkg_() { dpkg --root="$root" --force-script-chrootless --force-architecture --force-depends --force-confdef --force-confold "$@" >/dev/null 2>&1 || { dpkg --root="$root" --force-script-chrootless --force-architecture --force-depends "$@"; exit 1; }; }

dpkg_ -i "$deb"
grep -q '^yiping:x:[0-9]*:[0-9]*:.*:/var/lib/yiping:/usr/sbin/nologin$' "$root/etc/passwd" || fail "user yiping not created"
[ -L "$root/etc/systemd/system/multi-user.target.wants/yiping.service" ] || fail "unit not enabled"

# The operator edits the config and a playlist.
sed -i 's/^village = "本村"/village = "青山村"/' "$root/etc/yiping/yiping.toml"
echo '# edited by the clerk' >>"$root/etc/yiping/playlists/main.toml"

# Upgrade: the same package under a newer version (what an upgrade with unchanged defaults does).
repack=$(mktemp -d)
dpkg-deb --raw-extract "$deb" "$repack/p"
sed -i 's/^Version: .*/Version: 999.0.0-1/' "$repack/p/DEBIAN/control"
dpkg-deb --build --root-owner-group "$repack/p" "$repack/new.deb" >/dev/null
dpkg_ -i "$repack/new.deb"
grep -q '^Version: 999.0.0-1' <(dpkg --root="$root" -s yiping) || fail "upgrade not installed"
grep -q '^village = "青山村"' "$root/etc/yiping/yiping.toml" || fail "upgrade lost the edited config"
grep -q 'edited by the clerk' "$root/etc/yiping/playlists/main.toml" || fail "upgrade lost the edited playlist"

dpkg_ -r yiping
[ -f "$root/etc/yiping/yiping.toml" ] || fail "remove deleted the config"
[ ! -e "$root/usr/bin/yiping" ] || fail "remove left the binary"
dpkg_ -P yiping
[ ! -e "$root/etc/yiping/yiping.toml" ] || fail "purge left the config"
rm -rf "$repack"
echo "test-install: $(basename "$deb"): install, user, enable, upgrade keeps edits, remove, purge ok"
