//! Finds the font files on disk and builds the font sets the renderer uses, by pixel size.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::{BitmapFont, FontError, FontSet};
use crate::render::mongol::MongolFont;
use crate::render::outline::OutlineFont;

/// WenQuanYi Bitmap Song, 12 px (BDF from Debian xfonts-wqy, see fonts/README.md).
pub(crate) const WQY_12_FILE: &str = "wqy-bitmapsong-12.bdf.gz";
/// GNU Unifont 15.0.01, 16 px.
pub(crate) const UNIFONT_FILE: &str = "unifont-15.0.01.hex.gz";

/// All fonts the renderer uses, by pixel size.
#[derive(Clone, Debug)]
pub struct FontLibrary {
    /// Sorted by size.
    sets: Vec<(u32, FontSet)>,
    /// The outline font for HD (poster) screens, when its file is in the search path.
    outline: Option<Arc<OutlineFont>>,
    /// The Mongolian font (with its shaper) for bilingual items, when its file is there.
    mongol: Option<Arc<MongolFont>>,
}

impl FontLibrary {
    /// Looks for the font files in `dirs` in order (first dir that has the
    /// file wins) and builds: size 16 = [unifont]; size 12 = [wqy 12,
    /// unifont scaled to 12 for what wqy lacks, e.g. the 52 ideographs
    /// U+9FCC..U+9FFF]. Missing files -> an error naming the dirs searched.
    pub fn load(dirs: &[PathBuf]) -> Result<FontLibrary, FontError> {
        let started = Instant::now();
        let wqy_path = find(dirs, WQY_12_FILE)?;
        let unifont_path = find(dirs, UNIFONT_FILE)?;
        // The two files are independent: read them on two cores.
        let (wqy, unifont) = std::thread::scope(|s| {
            let wqy = s.spawn(|| BitmapFont::load(&wqy_path));
            let unifont = BitmapFont::load(&unifont_path);
            (wqy.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), unifont)
        });
        let (wqy, unifont) = (wqy?, unifont?);
        let fallback = unifont.scaled_where("unifont-12", 12, |c| wqy.glyph(c).is_none());
        // Deflated per block once scaling (which reads every glyph) is done: a screen uses
        // a few blocks, so most of the 3.8 MB of bitmaps is never inflated.
        let (wqy, unifont, fallback) = (Arc::new(wqy.compressed()), Arc::new(unifont.compressed()), Arc::new(fallback.compressed()));
        let bytes = wqy.memory_bytes() + unifont.memory_bytes() + fallback.memory_bytes();
        tracing::info!(
            wqy = %wqy_path.display(),
            unifont = %unifont_path.display(),
            glyphs_12 = wqy.len() + fallback.len(),
            glyphs_16 = unifont.len(),
            kib = bytes / 1024,
            ms = started.elapsed().as_millis() as u64,
            "fonts loaded"
        );
        // The outline font is only mapped here (nothing is parsed up front); LED-only setups may lack it.
        let outline = match OutlineFont::find(dirs) {
            Some(p) => {
                let f = OutlineFont::load(&p)?.with_fallback(FontSet::new(16, vec![Arc::clone(&unifont)]));
                tracing::info!(outline = %p.display(), "outline font mapped");
                Some(Arc::new(f))
            }
            None => None,
        };
        let mongol = match MongolFont::find(dirs) {
            Some(p) => {
                let f = MongolFont::load(&p)?;
                tracing::info!(mongolian = %p.display(), "Mongolian font mapped");
                Some(Arc::new(f))
            }
            None => None,
        };
        Ok(FontLibrary { sets: vec![(12, FontSet::new(12, vec![wqy, fallback])), (16, FontSet::new(16, vec![unifont]))], outline, mongol })
    }

    /// The outline font for HD screens, if `fonts/` has it.
    pub fn outline(&self) -> Option<&Arc<OutlineFont>> {
        self.outline.as_ref()
    }

    /// The Mongolian font for items with `mn` text, if `fonts/` has it.
    pub fn mongol(&self) -> Option<&Arc<MongolFont>> {
        self.mongol.as_ref()
    }

    /// The font set for a pixel size (12 or 16).
    pub fn set(&self, size: u32) -> Option<&FontSet> {
        self.sets.iter().find(|(s, _)| *s == size).map(|(_, set)| set)
    }

    /// The pixel sizes available, ascending.
    pub fn sizes(&self) -> Vec<u32> {
        self.sets.iter().map(|(s, _)| *s).collect()
    }

    /// Default search path: each dir in $YIPING_FONTS (a path list), the
    /// config-given dir, /usr/share/yiping/fonts, then this source tree's fonts/.
    pub fn default_dirs(extra: Option<&Path>) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(v) = std::env::var_os("YIPING_FONTS") {
            dirs.extend(std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()));
        }
        dirs.extend(extra.map(Path::to_path_buf));
        dirs.push(PathBuf::from("/usr/share/yiping/fonts"));
        dirs.push(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts")));
        dirs
    }
}

fn find(dirs: &[PathBuf], file: &str) -> Result<PathBuf, FontError> {
    dirs.iter().map(|d| d.join(file)).find(|p| p.is_file()).ok_or_else(|| FontError::NotFound { file: file.to_string(), searched: dirs.to_vec() })
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use embedded_graphics::pixelcolor::Rgb888;

    use super::*;
    use crate::render::Frame;

    fn repo_fonts() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fonts"))
    }

    fn library() -> &'static FontLibrary {
        static LIB: OnceLock<FontLibrary> = OnceLock::new();
        LIB.get_or_init(|| FontLibrary::load(&[repo_fonts()]).expect("fonts/ holds the font files"))
    }

    fn drawn(size: u32, s: &str) -> String {
        let set = library().set(size).unwrap();
        let mut f = Frame::new(set.measure(s), size);
        let mut x = 0;
        for c in s.chars() {
            x += set.draw(c, &mut f, x, 0, Rgb888::new(255, 0, 0)) as i32;
        }
        f.to_ascii()
    }

    #[test]
    fn real_fonts_load_past_a_missing_dir() {
        // Load time is measured by `cargo bench --bench render`, never asserted in tests.
        let lib = FontLibrary::load(&[PathBuf::from("/nonexistent"), repo_fonts()]).unwrap();
        assert_eq!(lib.sizes(), vec![12, 16]);
        assert!(lib.set(14).is_none());
        let twelve = lib.set(12).unwrap().fonts();
        assert_eq!(twelve[0].len(), 30503);
        assert!(lib.mongol().is_some_and(|m| m.covers('ᠮ')), "the Mongolian font is found with the others");
        assert_eq!(lib.set(16).unwrap().fonts()[0].len(), 57086);
    }

    #[test]
    fn missing_files_name_the_dirs_searched() {
        let e = FontLibrary::load(&[PathBuf::from("/nonexistent/a"), PathBuf::from("/nonexistent/b")]).unwrap_err().to_string();
        assert!(e.contains(WQY_12_FILE) && e.contains("/nonexistent/a, /nonexistent/b") && e.contains("YIPING_FONTS"), "{e}");
    }

    #[test]
    fn default_dirs_end_with_the_source_tree() {
        let dirs = FontLibrary::default_dirs(Some(Path::new("/etc/yiping/fonts")));
        assert_eq!(dirs.last().unwrap(), &repo_fonts());
        let i = dirs.iter().position(|d| d == Path::new("/etc/yiping/fonts")).unwrap();
        assert_eq!(dirs[i + 1], Path::new("/usr/share/yiping/fonts"));
    }

    #[test]
    fn names_outside_gb2312_are_covered_at_both_sizes() {
        for size in [12, 16] {
            let set = library().set(size).unwrap();
            for c in "喆堃昇珺玥赟犇䶮镕".chars() {
                assert!(set.covers(c), "{c} at {size} px");
                assert_eq!(set.advance(c), size, "{c} at {size} px");
                assert!(matches!(set.glyph(c), crate::render::font::GlyphRef::Font(_)));
            }
        }
    }

    #[test]
    fn every_cjk_unified_ideograph_is_covered() {
        for size in [12, 16] {
            let set = library().set(size).unwrap();
            let missing: Vec<char> = ('\u{4E00}'..='\u{9FFF}').filter(|&c| !set.covers(c)).collect();
            assert!(missing.is_empty(), "{size} px lacks {missing:?}");
        }
        // The ones wqy lacks come from the scaled Unifont.
        let twelve = library().set(12).unwrap().fonts();
        assert!(twelve[0].glyph('\u{9FCC}').is_none() && twelve[1].glyph('\u{9FCC}').is_some());
        assert_eq!(twelve[1].glyph('\u{9FFF}').unwrap().width, 12);
    }

    #[test]
    fn widths_half_and_full() {
        let set = library().set(16).unwrap();
        assert_eq!((set.advance('A'), set.advance('中'), set.advance('，')), (8, 16, 16));
        let set = library().set(12).unwrap();
        assert_eq!((set.advance('中'), set.advance('\u{3000}'), set.advance('\u{200B}')), (12, 12, 0));
        assert_eq!(set.measure("第1号"), 12 + set.advance('1') + 12);
    }

    #[test]
    fn unassigned_char_gets_a_visible_box() {
        for size in [12, 16] {
            let set = library().set(size).unwrap();
            assert!(!set.covers('\u{E000}'));
            assert!(set.glyph('\u{E000}').is_missing());
            assert_eq!(set.advance('\u{E000}'), size);
            let art = drawn(size, "\u{E000}");
            assert!(art.matches('#').count() > 2 * size as usize, "{art}");
        }
    }

    /// 喆 (two 吉 side by side, not in GB2312) and a descender letter.
    #[test]
    fn snapshot_12px() {
        // WenQuanYi 12 px: the ideograph on rows 1..=11; 'g' lifted one row
        // so that its hook stays inside the cell.
        assert_eq!(
            drawn(12, "喆g"),
            "\
..................
..#.....#.........
..#.....#.........
#####.#####.......
..#.....#....####.
..#.....#...#...#.
#####.#####.#...#.
............#...#.
#####.#####.#...#.
#...#.#...#..####.
#...#.#...#.....#.
#####.#####..###..
"
        );
    }

    #[test]
    fn snapshot_16px() {
        // Unifont draws the 口 of 吉 with short legs on the last row.
        assert_eq!(
            drawn(16, "喆g"),
            "\
...#.......#............
...#.......#............
...#.......#............
#######.#######.........
...#.......#............
...#.......#..........#.
.#####...#####....###.#.
.................#...#..
.................#...#..
.#####...#####...#...#..
.#...#...#...#....###...
.#...#...#...#....#.....
.#...#...#...#....####..
.#...#...#...#...#....#.
.#####...#####...#....#.
.#...#...#...#....####..
"
        );
    }
}
