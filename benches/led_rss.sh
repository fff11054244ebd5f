#!/usr/bin/env bash
# Resident memory and CPU of `yiping run` on the demo LED screen (192x64 mono) with N items.
#
#   cargo build --release && benches/led_rss.sh            # 1,000 items, 25 fps, 30 s
#   ITEMS=1000 FPS=60 RUN_SECONDS=60 benches/led_rss.sh     # the CPU figure at 60 fps
# Environment: ITEMS (1000), FPS (the demo's 25), RUN_SECONDS (30), YIPING_BIN
# (target/release/yiping), KEEP=1 keeps the temporary folder, SMAPS=FILE copies the
# process's /proc/PID/smaps there at the end (which mapping holds what).
#
# Copies deploy/demo to a temporary folder, adds ITEMS generated items (approved,
# in window, 3-6 Chinese paragraphs each, like the demo's), lights the screen all
# day (so the figure does not depend on the hour), sends the terminal sink to
# /dev/null, starts the release binary with the demo's clock and samples
# /proc/PID/status every 0.5 s. Prints peak VmHWM, the last VmRSS, the
# smaps_rollup split (anonymous vs file-backed) and CPU % of one core after
# the first 5 s. Asserts nothing; a figure, not a test.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
N="${ITEMS:-1000}"
FPS="${FPS:-25}"
SECS="${RUN_SECONDS:-30}"
BIN="${YIPING_BIN:-$ROOT/target/release/yiping}"
[[ -x "$BIN" ]] || { echo "no $BIN: run cargo build --release first" >&2; exit 2; }

TMP="$(mktemp -d)"
cleanup() { [[ -n "${PID:-}" ]] && kill "$PID" 2>/dev/null || true; [[ "${KEEP:-0}" == 1 ]] || rm -rf "$TMP"; }
trap cleanup EXIT
cp -r "$ROOT/deploy/demo/." "$TMP/"
sed -i -e "s|^state_dir = .*|state_dir = \"$TMP/state\"|" -e "s|^fps = .*|fps = $FPS|" \
    -e 's|^on = \[.*|on = ["00:00-24:00"]|' "$TMP/yiping.toml"

python3 - "$TMP/items" "$N" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
cats = ["finance", "village", "party", "notice"]
para = ["因供水主管道维修，定于12月{d}日10:00至16:00第{i}组停水，请村民提前储水。",
        "本月低保金已于{d}日发放到户，共{i}户，如有疑问请到村委会查询。",
        "村道硬化工程第{i}标段已完工，验收合格，总投资{d}万元，明细见公示栏。",
        "冬季防火：严禁在林区、草场用火，发现火情请拨打12119或村委会电话0471-58{i:04d}。",
        "第{i}次村民代表会议决议：同意{d}项惠民工程，会议记录存档备查。",
        "党员活动日：本月{d}日上午九点在村部学习，请第{i}党小组全体党员参加。"]
for i in range(n):
    body = [para[(i + k) % len(para)].format(i=i % 10000, d=1 + (i + k) % 28) for k in range(3 + i % 4)]
    item = {"id": f"gen-{i:05d}", "revision": 1, "category": cats[i % 4], "village": "青山村",
            "title": f"公示第{i}号：{['财务收支', '低保名单', '村务决议', '党务公开'][i % 4]}",
            "body": body, "status": "approved",
            "approval": {"by": "青山村民委员会", "at": "2026-11-01T08:00:00+08:00"},
            "display": {"from": "2026-11-01T00:00:00+08:00", "until": "2027-01-31T00:00:00+08:00"},
            "priority": "normal"}
    with open(f"{out}/gen-{i:05d}.json", "w", encoding="utf-8") as f:
        json.dump(item, f, ensure_ascii=False)
PY

"$BIN" run --config "$TMP/yiping.toml" --at 2026-12-01T09:00:00+08:00 >/dev/null 2>"$TMP/stderr" &
PID=$!
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
peak=0; rss=0; t0=""; c0=0
for ((i = 0; i < SECS * 2; i++)); do
    sleep 0.5
    [[ -r "/proc/$PID/status" ]] || { echo "yiping stopped early:" >&2; cat "$TMP/stderr" >&2; exit 1; }
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$PID/status")
    peak=$(awk '/^VmHWM/ {print $2}' "/proc/$PID/status")
    if [[ -z "$t0" && $i -ge 10 ]]; then t0=$(date +%s.%N); c0=$(ticks); fi
done
t1=$(date +%s.%N); c1=$(ticks)
echo "items=$N fps=$FPS seconds=$SECS load=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "peak VmHWM: $peak kB ($(awk "BEGIN {printf \"%.1f\", $peak / 1024}") MiB); last VmRSS: $rss kB"
grep -E '^(Rss|Pss_Anon|Pss_File|Anonymous|Private_Dirty|Shared_Clean)' "/proc/$PID/smaps_rollup" | tr -s ' ' | paste -sd ' '
awk -v c="$((c1 - c0))" -v hz="$hz" -v t="$(awk "BEGIN {print $t1 - $t0}")" 'BEGIN {printf "cpu: %.2f%% of one core (after the first 5 s)\n", 100 * c / hz / t}'
[[ -n "${SMAPS:-}" ]] && cp "/proc/$PID/smaps" "$SMAPS"
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
grep -ciE "error|panic" "$TMP/stderr" | sed 's/^/stderr lines with error or panic: /'
