#!/usr/bin/env bash
# Peer benchmark: luma.core + Pillow vs yiping, same marquee, same run, ratios.
#
# Lives at benches/peers/run.sh in the yiping repo (the repo root is ../..).
#   benches/peers/run.sh
# On a shared machine keep other builds out of the timings, e.g.
#   flock -o /tmp/yiping-build.lock benches/peers/run.sh
# Environment:
#   PEERS_VENV   venv path (default: <repo>/target/peers-venv)
#   PYTHON       interpreter that creates the venv (default: python3, needs >= 3.9)
#   LUMA_REPEAT  runs of each luma job (default 3); the table uses the best (highest fps)
#   YIPING_OUT   a saved `cargo bench --bench render` output to parse instead of running it
#   LUMA_OUT     a saved luma_scroll.py output to parse instead of running it
#   REPO         repo root (default: the directory two levels above this script)
#
# Parsed formats (anything else is ignored):
#   luma   : job=<W>x<H>-<mono|rgb> fps=<N> ...                        (luma_scroll.py)
#   yiping : <label> layout <f> ms draw <f> ms/frame <N> fps           (benches/render.rs)
#            with <label> one of
#              "marquee 16 px, <W>x<H> <mono|rgb>"          -> job <W>x<H>-<mode>
#              "marquee 16 px bitmap, <W>x<H> <mono|rgb>"   -> job <W>x<H>-<mode> (the plain label wins)
#              "marquee, poster design, <W>x<H> <mono|rgb>" -> extra row "<W>x<H>-<mode> poster"
# A job one side lacks prints n/a.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${REPO:-$(cd "$HERE/../.." && pwd)}"
VENV="${PEERS_VENV:-$ROOT/target/peers-venv}"
PY="${PYTHON:-python3}"
REPEAT="${LUMA_REPEAT:-3}"
LUMA_PIN="luma.core==2.6.0"   # newest on PyPI when this was written
PILLOW_PIN="Pillow==13.0.0"   # newest on PyPI when this was written

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# 1. The venv, with pinned versions (pip is a no-op when they are already there).
if [[ ! -x "$VENV/bin/python" ]]; then
    echo "creating venv $VENV" >&2
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$LUMA_PIN" "$PILLOW_PIN" >&2

# 2. Build yiping's bench first, so compiling does not overlap the luma timings.
if [[ -z "${YIPING_OUT:-}" ]]; then
    (cd "$ROOT" && cargo bench --bench render --no-run) >&2
fi

# 3. luma, then yiping, back to back.
echo "== luma.core ($REPEAT runs per job)" >&2
if [[ -n "${LUMA_OUT:-}" ]]; then
    cp "$LUMA_OUT" "$OUT/luma.txt"
else
    "$VENV/bin/python" "$HERE/luma_scroll.py" --fonts "$ROOT/fonts" --repeat "$REPEAT" > "$OUT/luma.txt"
fi
cat "$OUT/luma.txt" >&2
echo "== yiping (cargo bench --bench render)" >&2
if [[ -n "${YIPING_OUT:-}" ]]; then
    cp "$YIPING_OUT" "$OUT/yiping.txt"
else
    (cd "$ROOT" && cargo bench --bench render) > "$OUT/yiping.txt"
fi
cat "$OUT/yiping.txt" >&2

# 4. The table.
echo "machine: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$VENV/bin/python" - "$OUT/luma.txt" "$OUT/yiping.txt" <<'PY'
import re, sys

JOBS = ["192x64-mono", "128x32-mono", "64x32-rgb", "1920x1080-rgb"]
TARGET = {"192x64-mono": 3.0, "128x32-mono": 3.0, "64x32-rgb": 3.0, "1920x1080-rgb": 4.0}

luma = {}
header = ""
for line in open(sys.argv[1]):
    if line.startswith("#"):
        header = line[1:].strip()
    m = re.match(r"job=(\d+x\d+-(?:mono|rgb)) fps=(\d+)", line)
    if m:
        luma.setdefault(m.group(1), []).append(int(m.group(2)))

ROW = re.compile(r"^(?P<label>\S.*?)\s+layout\s+[\d.]+ ms\s+draw\s+[\d.]+ ms/frame\s+(?P<fps>\d+) fps\s*$")
LABEL = re.compile(r"^marquee(?P<kind> 16 px| 16 px bitmap|, poster design), (?P<w>\d+)x(?P<h>\d+) (?P<mode>mono|rgb)$")
yiping, rank = {}, {}
for line in open(sys.argv[2]):
    r = ROW.match(line.rstrip("\n"))
    m = r and LABEL.match(r.group("label"))
    if not m:
        continue
    job = f"{m['w']}x{m['h']}-{m['mode']}"
    kind = m["kind"]
    if kind == ", poster design":
        yiping[job + " poster"] = (int(r["fps"]), r["label"])
        continue
    prio = 0 if kind == " 16 px" else 1
    if job not in yiping or prio < rank[job]:
        yiping[job], rank[job] = (int(r["fps"]), r["label"]), prio

print(f"luma: {header}; best of {max((len(v) for v in luma.values()), default=0)} runs; ratio = yiping fps / best luma fps")
print(f"{'job':<22} {'luma fps (range)':>22} {'yiping fps':>11} {'ratio':>7} {'target':>7}  yiping label")
rows = JOBS + [j + " poster" for j in JOBS if j + " poster" in yiping]
for job in rows:
    base = job.replace(" poster", "")
    l = luma.get(base)
    y = yiping.get(job)
    lr = f"{max(l)} ({min(l)}-{max(l)})" if l else "n/a"
    ys = str(y[0]) if y else "n/a"
    ratio = f"{y[0] / max(l):.2f}" if (l and y) else "n/a"
    tgt = TARGET.get(job)
    ts = f">={tgt:g}" if tgt else ""
    if tgt and ratio != "n/a":
        ts += " ok" if float(ratio) >= tgt else " no"
    note = y[1] if y else 'no yiping line: the bench should add "marquee 16 px, %s"' % base.replace("-", " ")
    print(f"{job:<22} {lr:>22} {ys:>11} {ratio:>7} {ts:>7}  {note}")
PY
