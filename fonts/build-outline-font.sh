#!/bin/sh
# Builds yiping-sans-cjk-sc-regular.otf, the outline font of the HD (poster)
# layout: a renamed subset of Noto Sans CJK SC Regular 2.004 (SIL OFL 1.1)
# from Debian 12's fonts-noto-cjk (1:20220127+repack1-1), and LICENSE-yiping-sans-cjk.
#   apt-get install fonts-noto-cjk
#   pip install fonttools==4.68.0      # pyftsubset
# Covers: ASCII and Latin-1, general punctuation, letterlike symbols (℃ №),
# arrows, enclosed numbers (①), box and geometric shapes (■ ● ○), CJK symbols
# and punctuation, CJK Unified Ideographs Extension A (䶮) and the whole CJK
# Unified Ideographs block, CJK compatibility forms, half- and full-width forms.
set -eu
# fontTools stamps head.modified with this, so the output is reproducible.
export SOURCE_DATE_EPOCH=1643241600 # 2022-01-27, the upstream release
cd "$(dirname "$0")"

TTC=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
OUT=yiping-sans-cjk-sc-regular.otf

# Face 2 of the collection is Noto Sans CJK SC. No hinting (yiping draws
# anti-aliased and unhinted) and no OpenType layout tables (yiping does not shape).
pyftsubset "$TTC" --font-number=2 \
    --unicodes="U+0020-007E,U+00A0-00FF,U+2010-2027,U+2030-203B,U+2100-2122,U+2160-216B,U+2190-2193,U+2460-2473,U+2500-257F,U+25A0-25FF,U+2605-2606,U+3000-303F,U+3400-4DBF,U+4E00-9FFF,U+FE30-FE4F,U+FF01-FFEF" \
    --no-hinting --layout-features='' --drop-tables+=GSUB,GPOS,GDEF,BASE,VORG,vhea,vmtx \
    --name-IDs='*' --name-languages='*' \
    --output-file="$OUT.tmp"

# The OFL asks that modified versions not use the original's Reserved Font
# Names: rename the family (name IDs 1, 3, 4, 6, 16, 17 and the CFF names).
python3 - "$OUT.tmp" "$OUT" <<'PY'
import sys
from fontTools.ttLib import TTFont
f = TTFont(sys.argv[1])
family, full, ps = "Yiping Sans CJK SC", "Yiping Sans CJK SC Regular", "YipingSansCJKsc-Regular"
names = f["name"]
for rec in list(names.names):
    if rec.nameID in (1, 16):
        rec.string = family
    elif rec.nameID == 4:
        rec.string = full
    elif rec.nameID == 6:
        rec.string = ps
    elif rec.nameID == 3:
        rec.string = "2.004;yiping;" + ps
    elif rec.nameID == 17:
        rec.string = "Regular"
    elif rec.nameID == 5:
        rec.string = str(rec.toUnicode()) + "; subset for yiping"
names.names = [r for r in names.names if r.nameID not in (18, 20, 21, 22)]
cff = f["CFF "].cff
cff.fontNames = [ps]
top = cff.topDictIndex[0]
top.FullName, top.FamilyName = full, family
if hasattr(top, "CIDFontName"):
    top.CIDFontName = ps
f.save(sys.argv[2])
PY
rm -f "$OUT.tmp"

# Licence: the font's copyright notice (name ID 0) and the SIL OFL 1.1
# paragraph of Debian's copyright file, unindented.
{
    echo "Yiping Sans CJK SC ($OUT) is a Modified Version (subset, renamed) of"
    echo "Noto Sans CJK SC Regular 2.004, from Debian 12 fonts-noto-cjk"
    echo "1:20220127+repack1-1 (/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc)."
    echo
    python3 -c 'import sys; from fontTools.ttLib import TTFont; print(TTFont(sys.argv[1])["name"].getDebugName(0))' "$OUT"
    echo "Debian's copyright file: Files: * Copyright: 2010-2012, Google Corporation; License: SIL-1.1"
    echo
    awk '/^License: SIL-1.1$/ && prev == "" { on = 1; prev = $0; next }
         { prev = $0 }
         on && !/^ / { on = 0 }
         on { sub(/^ /, ""); if ($0 == ".") $0 = ""; print }' /usr/share/doc/fonts-noto-cjk/copyright
} > LICENSE-yiping-sans-cjk
