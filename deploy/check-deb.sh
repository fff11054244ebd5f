#!/usr/bin/env bash
# Checks a yiping .deb: the files it installs, its conffiles, the system user and the unit.
#   deploy/check-deb.sh target/debian/yiping_0.1.0-1_arm64.deb
set -euo pipefail
deb=$1
fail() { echo "check-deb: $deb: $*" >&2; exit 1; }
contents=$(dpkg-deb --contents "$deb" | awk '{print $NF}')
for f in ./usr/bin/yiping \
    ./usr/share/yiping/fonts/unifont-15.0.01.hex.gz ./usr/share/yiping/fonts/wqy-bitmapsong-12.bdf.gz \
    ./usr/share/yiping/fonts/LICENSE-unifont ./usr/share/yiping/fonts/LICENSE-wqy-bitmapsong \
    ./usr/share/yiping/fonts/yiping-sans-cjk-sc-regular.otf ./usr/share/yiping/fonts/LICENSE-yiping-sans-cjk \
    ./usr/share/yiping/fonts/noto-sans-mongolian-3.002.ttf ./usr/share/yiping/fonts/LICENSE-noto-sans-mongolian \
    ./etc/yiping/yiping.toml ./etc/yiping/playlists/main.toml \
    ./usr/lib/systemd/system/yiping.service ./usr/lib/sysusers.d/yiping.conf ./usr/lib/tmpfiles.d/yiping.conf \
    ./usr/share/doc/yiping/操作手册.md ./usr/share/doc/yiping/README.md ./usr/share/doc/yiping/copyright \
    ./usr/share/doc/yiping/examples/playlists/standard.toml ./usr/share/doc/yiping/examples/hdmi-1920x1080-fbdev.toml; do
    grep -qxF "$f" <<<"$contents" || fail "missing $f"
done
ctl=$(mktemp -d)
dpkg-deb --control "$deb" "$ctl"
# Upgrades keep the operator's edits: every file under /etc is a conffile.
for f in /etc/yiping/yiping.toml /etc/yiping/playlists/main.toml; do
    grep -qxF "$f" "$ctl/conffiles" || fail "$f is not a conffile"
done
grep -q 'systemd-sysusers' "$ctl/postinst" || fail "postinst does not create the yiping user"
grep -q 'deb-systemd-helper enable yiping.service' "$ctl/postinst" || fail "postinst does not enable the unit"
grep -Eq '^Depends: .*libc6 \(>= 2.31\)' "$ctl/control" || fail "no libc6 (>= 2.31) dependency"
# The unit in the package is the one in the repository.
x=$(mktemp -d)
dpkg-deb --extract "$deb" "$x"
cmp "$x/usr/lib/systemd/system/yiping.service" "$(dirname "$0")/systemd/yiping.service" || fail "unit differs from deploy/systemd"
grep -q '^u yiping ' "$x/usr/lib/sysusers.d/yiping.conf" || fail "sysusers entry missing"
echo "check-deb: $deb ok ($(stat -c %s "$deb") bytes; installed size $(grep '^Installed-Size' "$ctl/control" | cut -d' ' -f2) KiB)"
rm -rf "$ctl" "$x"
