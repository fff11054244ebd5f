#!/bin/sh
# Regenerates the font files and licence texts in this directory from the
# Debian 12 packages xfonts-wqy (1.0.0~rc1-7), unifont (1:15.0.01-2) and
# pcf2bdf (1.07-1):
#   apt-get install xfonts-wqy unifont pcf2bdf
# The output is byte-for-byte reproducible (gzip -n stores no name or time).
set -eu
cd "$(dirname "$0")"

WQY_PCF=/usr/share/fonts/X11/misc/wenquanyi_9pt.pcf # PIXEL_SIZE 12
UNIFONT_HEX=/usr/share/unifont/unifont.hex
GPL2=/usr/share/common-licenses/GPL-2

# WenQuanYi Bitmap Song 12 px: PCF -> BDF (text), gzipped.
pcf2bdf "$WQY_PCF" | gzip -9n > wqy-bitmapsong-12.bdf.gz

# GNU Unifont 15.0.01: the .hex file as shipped, gzipped.
gzip -9n < "$UNIFONT_HEX" > unifont-15.0.01.hex.gz

# Licence texts: the copyright and licence paragraphs of each package's
# Debian copyright file, followed by the full GPL version 2.
{
    echo "WenQuanYi Bitmap Song (wqy-bitmapsong-12.bdf.gz)"
    echo "Copyright (C) 2004-2007, WenQuanYi's Board of Trustees and Qianqian Fang"
    echo "Taken from /usr/share/doc/xfonts-wqy/copyright (Debian xfonts-wqy 1.0.0~rc1-7)."
    echo
    # The "License: GPL-2-with-font-embedding-exception" paragraph, unindented.
    # (The stand-alone paragraph follows a blank line; the earlier match is a field.)
    awk 'prev == "" && /^License: GPL-2-with-font-embedding-exception$/ { on = 1; prev = $0; next }
         { prev = $0 }
         on && !/^ / { on = 0 }
         on { sub(/^ /, ""); if ($0 == ".") $0 = ""; print }' /usr/share/doc/xfonts-wqy/copyright
    echo
    echo "========================================================================"
    echo
    cat "$GPL2"
} > LICENSE-wqy-bitmapsong

{
    echo "GNU Unifont 15.0.01 (unifont-15.0.01.hex.gz)"
    echo "Taken from /usr/share/doc/unifont/copyright (Debian unifont 1:15.0.01-2)."
    echo
    cat /usr/share/doc/unifont/copyright
    echo
    echo "========================================================================"
    echo
    cat "$GPL2"
} > LICENSE-unifont
