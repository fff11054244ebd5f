#!/usr/bin/env python3
"""Peer benchmark: the 16 px Chinese marquee of `cargo bench --bench render`, done the luma.core way.

Same text, font (GNU Unifont 16 px, read from yiping's fonts/ directory),
screen sizes, colours, vertical position and offset arithmetic as yiping's
benches/render.rs; the pixels come from Pillow and the frame goes to
luma.core's dummy device.

Once per job (not timed): the marquee line is rendered from the Unifont .hex
bitmaps into one wide image (mode "1" for mono, "RGB" for rgb).

Per frame i (timed), with elapsed = i * 40 ms as in yiping:
  off   = floor(elapsed_s * 32) mod (line_width + screen_width)   # yiping's Scene::draw
  x     = screen_width - off
  frame.paste(background)           # clear, like yiping's f.fill(background)
  frame.paste(line, (x, y))         # Pillow clips the wide line to the frame in C
  device.display(frame)             # luma.core.device.dummy: assert size, preprocess
                                    # (identity at rotate=0), Image.copy()
  packed = device.image.tobytes()   # mode "1": 1 bit/px, MSB first, rows padded to a byte;
                                    # RGB: 3 bytes/px (yiping's Frame layout)

Output, one line per job (machine-readable, parsed by run.sh):
  job=192x64-mono fps=30186 frames=5000 seconds=0.1656 line_px=4064 y=24 pack=1
(job=WxH-MODE, MODE mono|rgb; fps = frames / seconds, rounded; pack=0 with --no-pack)

Usage:
  luma_scroll.py [--fonts DIR] [--frames N] [--repeat N] [--no-pack]  # the four standard jobs
  luma_scroll.py --width 192 --height 64 --mode mono [--frames N]  # one job
"""

import argparse
import gzip
import math
import os
import sys
import time

from PIL import Image, __version__ as PIL_VERSION

import luma.core
from luma.core.device import dummy

# benches/render.rs: the notice, repeated 4 times, title "停水通知", label "通知".
TEXT = ("因供水主管道维修，定于12月1日10:00至16:00全村停水。请村民提前储水，停水期间关好水龙头。"
        "如有急事，请拨打村委会电话0471-5823016。") * 4
TITLE = "停水通知"
LABEL = "通知"
SPEED = 32.0          # px/s, Effect::Marquee { speed: 32.0 }
STEP_MS = 40          # scene.draw(&mut f, Duration::from_millis(i * 40), ..)
FONT_PX = 16          # Unifont cell height
SMALL_PX = 12         # header/footer font height (only used for the body position)

# name, width, height, mode
JOBS = [
    (192, 64, "mono"),
    (128, 32, "mono"),
    (64, 32, "rgb"),
    (1920, 1080, "rgb"),
]

# yiping's theme (src/render/theme.rs): mono = lit on black; rgb = (240,240,240) on (8,12,24).
RGB_BG = (8, 12, 24)
RGB_BODY = (240, 240, 240)


def default_frames(width):
    # benches/render.rs: `if r.width() > 1000 { 300 } else { 5000 }`
    return 300 if width > 1000 else 5000


def find_hex(fonts_dir):
    cands = []
    if fonts_dir:
        cands.append(fonts_dir)
    if os.environ.get("YIPING_FONTS"):
        cands.append(os.environ["YIPING_FONTS"])
    here = os.path.dirname(os.path.abspath(__file__))
    cands.append(os.path.join(here, "..", "..", "fonts"))  # benches/peers/ -> repo root
    for d in cands:
        for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            if name.startswith("unifont") and (name.endswith(".hex.gz") or name.endswith(".hex")):
                return os.path.join(d, name)
    sys.exit(f"luma_scroll.py: no unifont*.hex(.gz) in {cands}; pass --fonts DIR (yiping's fonts/)")


def load_glyphs(path, chars):
    """The Unifont bitmaps of `chars`: {char: (width, bytes)}; rows of whole bytes, MSB = leftmost."""
    want = {f"{ord(c):04X}": c for c in chars}
    out = {}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="ascii") as f:
        for line in f:
            cp, _, bits = line.strip().partition(":")
            c = want.get(cp)
            if c is not None:
                out[c] = (len(bits) // FONT_PX * 4, bytes.fromhex(bits))
    missing = [c for c in chars if c not in out]
    if missing:
        sys.exit(f"luma_scroll.py: {path} lacks {missing}")
    return out


def marquee_text(height):
    # yiping (src/config/mod.rs): screens under 48 px high have no header, and the
    # header is then put in front of the body: "【label】title" + "　" + text (body::one_line).
    if height < 48:
        return f"【{LABEL}】{TITLE}　{TEXT}"
    return TEXT


def body_y(height):
    # src/render/mod.rs + scene.rs: header = 12 px + 1 px rule, footer = 12 px when height >= 48;
    # the marquee line is centred in the body.
    if height >= 48:
        top, body_h = SMALL_PX + 1, height - (SMALL_PX + 1) - SMALL_PX
    else:
        top, body_h = 0, height
    return top + (body_h - FONT_PX) // 2


def render_line(text, glyphs, mode):
    """The whole marquee line, rendered once: mode "1" (mono) or "RGB"."""
    width = sum(glyphs[c][0] for c in text)
    line = Image.new("1", (width, FONT_PX), 0)
    x = 0
    for c in text:
        w, bits = glyphs[c]
        line.paste(Image.frombytes("1", (w, FONT_PX), bits), (x, 0))
        x += w
    if mode == "mono":
        return line
    rgb = Image.new("RGB", line.size, RGB_BG)
    rgb.paste(RGB_BODY, (0, 0) + line.size, line)
    return rgb


def run_job(width, height, mode, frames, glyphs_for, pack=True):
    text = marquee_text(height)
    line = render_line(text, glyphs_for(text), mode)
    pil_mode, bg = ("1", 0) if mode == "mono" else ("RGB", RGB_BG)
    device = dummy(width=width, height=height, mode=pil_mode)
    frame = Image.new(pil_mode, (width, height), bg)
    y = body_y(height)
    pass_px = max(line.width + width, 1)
    box = (0, 0, width, height)
    nbytes = 0
    paste, display = frame.paste, device.display
    t0 = time.perf_counter()
    for i in range(frames):
        ms = i * STEP_MS
        t = ms // 1000 + (ms % 1000) * 1_000_000 / 1e9  # Duration::as_secs_f64
        off = math.floor(t * SPEED) % pass_px
        paste(bg, box)
        paste(line, (width - off, y))
        display(frame)
        if pack:
            nbytes += len(device.image.tobytes())
    el = time.perf_counter() - t0
    expect = (width + 7) // 8 * height if mode == "mono" else width * height * 3
    assert nbytes == (expect * frames if pack else 0), (nbytes, expect, frames)
    return frames / el, el, line.width, y


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--width", type=int)
    ap.add_argument("--height", type=int)
    ap.add_argument("--mode", choices=["mono", "rgb"])
    ap.add_argument("--frames", type=int, help="frames per job (default: yiping's, 5000, or 300 above 1000 px wide)")
    ap.add_argument("--repeat", type=int, default=1, help="run each job N times, one line each")
    ap.add_argument("--no-pack", action="store_true",
                    help="skip device.image.tobytes() (to see what packing costs; run.sh never uses this)")
    ap.add_argument("--fonts", help="directory with unifont*.hex.gz (default: $YIPING_FONTS, then ../../fonts)")
    a = ap.parse_args()
    given = [a.width, a.height, a.mode]
    if any(v is not None for v in given) and not all(v is not None for v in given):
        ap.error("--width, --height and --mode go together")
    jobs = [(a.width, a.height, a.mode)] if a.width else JOBS

    hex_path = find_hex(a.fonts)
    cache = {}

    def glyphs_for(text):
        need = set(text) - cache.keys()
        if need:
            cache.update(load_glyphs(hex_path, need))
        return cache

    print(f"# luma.core {luma.core.__version__}, Pillow {PIL_VERSION}, Python {sys.version.split()[0]}, "
          f"font {os.path.basename(hex_path)}", flush=True)
    for _ in range(a.repeat):
        for w, h, m in jobs:
            n = a.frames or default_frames(w)
            fps, el, lw, y = run_job(w, h, m, n, glyphs_for, pack=not a.no_pack)
            print(f"job={w}x{h}-{m} fps={fps:.0f} frames={n} seconds={el:.4f} line_px={lw} y={y} "
                  f"pack={0 if a.no_pack else 1}", flush=True)


if __name__ == "__main__":
    main()
