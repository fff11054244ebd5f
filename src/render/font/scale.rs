//! Rescales a bitmap font to another cell height without losing thin strokes.
//!
//! Scaling is separable: source rows are grouped onto destination rows and
//! source columns onto destination columns, and a destination pixel is the OR
//! of its group (so a 1-px stroke can never vanish, unlike nearest-neighbour).
//! Plain fixed grouping (row `s` -> `s * D / S`) merges neighbouring strokes
//! into blobs, so when shrinking by at most half each glyph gets its own
//! grouping: a small dynamic programme picks which adjacent rows (columns)
//! to merge so that the fewest pixels change and, above all, no 1-px gap
//! between two strokes closes, while no row moves by a whole pixel or more
//! from where fixed grouping would put it (keeps baselines aligned).
//! Larger reductions use fixed grouping; enlargement uses nearest-neighbour.

use super::{BitmapFont, FontBuilder, MAX_WIDTH};

/// Widest/tallest glyph the adaptive grouping handles (bits in a `u64`).
const MAX_ADAPTIVE: usize = 64;

pub(super) fn scaled(font: &BitmapFont, name: &str, height: u32, keep: impl Fn(char) -> bool + Sync) -> BitmapFont {
    let height = height.max(1);
    // Glyphs are independent: large fonts are scaled in slices on several cores.
    let chars: Vec<char> = font.chars().filter(|&c| keep(c)).collect();
    let n = chars.len();
    let threads = if n < 4096 { 1 } else { std::thread::available_parallelism().map_or(1, |p| p.get().min(4)) };
    let slices: Vec<FontBuilder> = if threads == 1 {
        vec![scale_slice(font, name, height, &chars)]
    } else {
        std::thread::scope(|s| {
            let chars = &chars;
            let handles: Vec<_> =
                (0..threads).map(|t| s.spawn(move || scale_slice(font, name, height, &chars[n * t / threads..n * (t + 1) / threads]))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
        })
    };
    let mut all = FontBuilder::new(name, height, 0, 0);
    for b in slices {
        let base = all.bits.len() as u32;
        all.index.extend(b.index.into_iter().map(|mut e| {
            e.offset += base;
            e
        }));
        if all.bits.is_empty() {
            all.bits = b.bits;
        } else {
            all.bits.extend_from_slice(&b.bits);
        }
    }
    all.finish()
}

/// Scales the font's glyphs for `chars`.
fn scale_slice(font: &BitmapFont, name: &str, height: u32, chars: &[char]) -> FontBuilder {
    let src_h = font.height();
    let dst_w = |w: u32| {
        if w == 0 { 0 } else { ((w as u64 * height as u64 + src_h as u64 / 2) / src_h as u64).clamp(1, MAX_WIDTH as u64) as u32 }
    };
    let mut b = FontBuilder::new(name, height, chars.len(), chars.len() * height as usize * 2);
    let mut sc = Scratch::default();
    let (mut rows, mut cols, mut gr, mut gc, mut col_of) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &c in chars {
        let Some(g) = font.glyph(c) else { continue };
        let w = dst_w(g.width);
        let cell = b.push(c as u32, w);
        if w == 0 {
            continue;
        }
        let stride = w.div_ceil(8) as usize;
        if g.width as usize > MAX_ADAPTIVE || src_h as usize > MAX_ADAPTIVE {
            // Rare huge glyphs: fixed grouping, pixel by pixel.
            let (gr, gc) = (fixed_groups(src_h as usize, height as usize), fixed_groups(g.width as usize, w as usize));
            for (dy, &(y0, y1)) in gr.iter().enumerate() {
                for (dx, &(x0, x1)) in gc.iter().enumerate() {
                    if (y0..y1).any(|y| (x0..x1).any(|x| g.is_set(x as u32, y as u32))) {
                        cell[dy * stride + dx / 8] |= 0x80 >> (dx % 8);
                    }
                }
            }
            continue;
        }
        // Rows as masks (bit x = column x), then columns (bit y = row y).
        let src_stride = g.width.div_ceil(8) as usize;
        rows.clear();
        rows.extend(
            g.bits.chunks_exact(src_stride).map(|r| r.iter().enumerate().fold(0u64, |m, (k, &byte)| m | (byte.reverse_bits() as u64) << (8 * k))),
        );
        cols.clear();
        cols.resize(g.width as usize, 0u64);
        for (y, &r) in rows.iter().enumerate() {
            let mut r = r;
            while r != 0 {
                cols[r.trailing_zeros() as usize] |= 1 << y;
                r &= r - 1;
            }
        }
        groups(&rows, height as usize, &mut sc, &mut gr);
        groups(&cols, w as usize, &mut sc, &mut gc);
        // Destination column of each source column.
        col_of.clear();
        for (dx, &(x0, x1)) in gc.iter().enumerate() {
            col_of.resize(x1, dx);
            col_of[x0..x1].fill(dx);
        }
        for (dy, &(y0, y1)) in gr.iter().enumerate() {
            let mut line = rows[y0..y1].iter().fold(0u64, |m, r| m | r);
            while line != 0 {
                let dx = col_of[line.trailing_zeros() as usize];
                cell[dy * stride + dx / 8] |= 0x80 >> (dx % 8);
                line &= line - 1;
            }
        }
    }
    b
}

/// Fixed grouping of `s` source lines onto `d` destination lines: for each
/// destination line the source range `start..end`.
fn fixed_groups(s: usize, d: usize) -> Vec<(usize, usize)> {
    if d >= s {
        // Enlarging (or same size): nearest neighbour.
        return (0..d).map(|i| (i * s / d, i * s / d + 1)).collect();
    }
    (0..d).map(|i| ((i * s).div_ceil(d), ((i + 1) * s).div_ceil(d))).collect()
}

/// Reused buffers for [`groups`].
#[derive(Default)]
struct Scratch {
    cost: Vec<u64>,
    best: Vec<u64>,
    from: Vec<u8>,
}

/// Per-glyph grouping of source lines onto `d` lines (see the module docs),
/// written to `out` as one source range per destination line.
fn groups(lines: &[u64], d: usize, sc: &mut Scratch, out: &mut Vec<(usize, usize)>) {
    let s = lines.len();
    out.clear();
    if d >= s || d * 2 < s {
        out.extend(fixed_groups(s, d));
        return;
    }
    // Cost of merging lines i and i+1: pixels that differ, and heavily each
    // 1-px gap between two inked pixels that the merge would close.
    let at = |i: usize| lines.get(i).copied().unwrap_or(0);
    sc.cost.clear();
    sc.cost.extend((0..s - 1).map(|i| {
        let (a, b) = (lines[i], lines[i + 1]);
        let before = if i > 0 { lines[i - 1] } else { 0 };
        let closes = (a & !b & at(i + 2)) | (!a & b & before);
        (a ^ b).count_ones() as u64 + 16 * closes.count_ones() as u64
    }));
    // Moving a group off its fixed position only breaks ties.
    let weight = (s * d + 1) as u64;
    // best[i * (d + 1) + j]: cheapest way to put the first i source lines on the first j destination lines.
    const NONE: u64 = u64::MAX;
    let idx = |i: usize, j: usize| i * (d + 1) + j;
    sc.best.clear();
    sc.best.resize((s + 1) * (d + 1), NONE);
    sc.from.clear();
    sc.from.resize((s + 1) * (d + 1), 0);
    sc.best[0] = 0;
    for i in 0..s {
        // A group starting at source i may go on destination j only if
        // |i*d/s - j| < 1: j is i*d/s rounded down or up.
        let q = i * d / s;
        for j in q..=(q + 1).min(d - 1) {
            let here = sc.best[idx(i, j)];
            let off = (i * d).abs_diff(j * s);
            if here == NONE || off >= s {
                continue;
            }
            let base = here + off as u64;
            if base < sc.best[idx(i + 1, j + 1)] {
                sc.best[idx(i + 1, j + 1)] = base;
                sc.from[idx(i + 1, j + 1)] = 1;
            }
            if i + 2 <= s {
                let two = base + sc.cost[i] * weight;
                if two < sc.best[idx(i + 2, j + 1)] {
                    sc.best[idx(i + 2, j + 1)] = two;
                    sc.from[idx(i + 2, j + 1)] = 2;
                }
            }
        }
    }
    if sc.best[idx(s, d)] == NONE {
        out.extend(fixed_groups(s, d));
        return;
    }
    out.resize(d, (0, 0));
    let (mut i, mut j) = (s, d);
    while j > 0 {
        let n = sc.from[idx(i, j)] as usize;
        out[j - 1] = (i - n, i);
        i -= n;
        j -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font(text: &str) -> BitmapFont {
        BitmapFont::from_hex("t", text, 16).unwrap()
    }

    fn ascii(f: &BitmapFont, c: char) -> String {
        let g = f.glyph(c).unwrap();
        (0..g.height).map(|y| (0..g.width).map(|x| if g.is_set(x, y) { '#' } else { '.' }).collect::<String>() + "\n").collect()
    }

    #[test]
    fn groups_cover_all_lines_in_order() {
        for (s, d) in [(16, 12), (16, 8), (16, 5), (12, 16), (7, 7), (9, 6)] {
            let lines: Vec<u64> = (0..s).map(|i| (i as u64 * 2654435761) & 0xff).collect();
            let mut g = Vec::new();
            groups(&lines, d, &mut Scratch::default(), &mut g);
            assert_eq!(g.len(), d);
            if d <= s {
                assert_eq!(g[0].0, 0);
                assert_eq!(g[d - 1].1, s);
                assert!(g.windows(2).all(|w| w[0].1 == w[1].0 && w[0].0 < w[0].1), "{s}->{d}: {g:?}");
            }
        }
    }

    #[test]
    fn keeps_one_pixel_strokes_and_gaps_apart() {
        // Horizontal strokes on rows 1, 3, 5, 7, 9, 11, 13 (every other row):
        // 16 -> 12 rows cannot keep all gaps, but must keep every stroke.
        let mut hex = String::from("2261:");
        for y in 0..16 {
            hex.push_str(if y % 2 == 1 && y < 14 { "FF" } else { "00" });
        }
        let f = font(&hex).scaled("t12", 12);
        let s = ascii(&f, '≡');
        assert_eq!(f.glyph('≡').unwrap().width, 6);
        assert!(s.lines().filter(|l| l.contains('#')).count() >= 6, "{s}");
        // And a full-width '中' keeps its frame, bar and stem.
        let f = font("4E2D:01000100010001003FF8210821082108210821083FF821080100010001000100").scaled("t12", 12);
        let s = ascii(&f, '中');
        assert_eq!(f.glyph('中').unwrap().width, 12);
        assert_eq!(
            s,
            "\
.....#......
.....#......
.....#......
.#########..
.#...#...#..
.#...#...#..
.#...#...#..
.#########..
.#...#...#..
.....#......
.....#......
.....#......
",
        );
    }

    #[test]
    fn scaled_where_keeps_only_selected_glyphs() {
        let f = font("0041:0000000018242442427E424242420000\n0042:0000007C4242427C424242427C000000\n");
        let s = f.scaled_where("t12", 12, |c| c == 'B');
        assert_eq!((s.name(), s.height(), s.len()), ("t12", 12, 1));
        assert!(s.glyph('A').is_none());
        assert_eq!(s.glyph('B').unwrap().width, 6);
    }
}
