//! Replacing a file atomically and durably: the one helper every writer of a whole file uses.
//!
//! `write_atomic` writes a temp file beside the target, fsyncs it, renames it
//! over the target and fsyncs the directory. A reader polling the file sees the
//! old contents or the new ones, never half a file; a power cut at any moment
//! (the box beside the screen has an SD card and no battery) leaves one or the
//! other after the reboot. It never creates directories and never leaves its
//! temp file behind on an error it sees; `clean_temps` removes those a crash left.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temp files of several writers in one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Replaces `path` with `bytes`: temp file in the same directory
/// (`.<name>.<pid>.<n>.tmp`), write, fsync, rename over `path`, fsync the directory.
///
/// On an error before the rename the temp file is removed and `path` is left as it was.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_mode(path, bytes, 0o666)
}

/// `write_atomic` for secrets (password hashes): the file is created with mode 0600, so it
/// is never readable by others, not even for a moment before a chmod.
pub(crate) fn write_atomic_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_mode(path, bytes, 0o600)
}

/// `mode` is filtered by the umask, as for any new file.
fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = temp_path(path)?;
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create_new(true).mode(mode).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(&dir_of(path))
    })();
    if result.is_err() {
        // The temp file may not exist (e.g. the directory is missing): ignore that.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Makes a rename or a new file in `dir` durable (fsync of the directory itself).
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Removes temp files `write_atomic` left beside `path` when a crash interrupted it; returns how many.
pub(crate) fn clean_temps(path: &Path) -> usize {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return 0 };
    let prefix = format!(".{name}.");
    let ours = |n: &str| n.strip_prefix(&prefix).is_some_and(|rest| rest.ends_with(".tmp"));
    let Ok(rd) = fs::read_dir(dir_of(path)) else { return 0 };
    rd.flatten().filter(|e| e.file_name().to_str().is_some_and(ours)).filter(|e| fs::remove_file(e.path()).is_ok()).count()
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn temp_path(path: &Path) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    Ok(dir_of(path).join(format!(".{}.{}.{}.tmp", name.to_string_lossy(), std::process::id(), n)))
}

/// Reads an operator's text file: a UTF-8 byte-order mark (Windows Notepad writes one)
/// is dropped; a file in another encoding (GBK/GB18030 from a Windows PC) is refused
/// with its position and how to save it as UTF-8, never mangled.
pub(crate) fn read_text(path: &Path) -> Result<String, crate::diag::Diag> {
    use crate::diag::Diag;
    let bytes = fs::read(path).map_err(|e| Diag::file(path, format!("无法读取文件：{e}"), format!("cannot read file: {e}")))?;
    decode_text(path, &bytes).map(str::to_string)
}

/// `read_text` for bytes already in memory (a feed body, which must stay byte for byte as
/// signed): the text without its byte-order mark, or the same refusal, `path` naming it.
pub(crate) fn decode_text<'b>(path: &Path, bytes: &'b [u8]) -> Result<&'b str, crate::diag::Diag> {
    use crate::diag::Diag;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s),
        Err(e) => {
            let good = std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default();
            let rest = &body[e.valid_up_to()..];
            // GBK/GB18030: a lead byte 0x81..=0xFE, then a trail byte 0x40..=0xFE (or a digit for four-byte codes).
            let gbk = rest.len() >= 2 && (0x81..=0xFE).contains(&rest[0]) && ((0x40..=0xFE).contains(&rest[1]) || rest[1].is_ascii_digit());
            let guess = if gbk { "，看起来是 GBK/GB18030（Windows 记事本里的“ANSI”）" } else { "" };
            let guess_en = if gbk { " (it looks like GBK/GB18030, Notepad's \"ANSI\")" } else { "" };
            Err(Diag::at(
                path,
                good,
                good.len(),
                format!("文件不是 UTF-8 编码{guess}：请用记事本打开，“另存为”时把“编码”选为 UTF-8 再保存；或运行 iconv -f GB18030 -t UTF-8"),
                format!(
                    "file is not UTF-8{guess_en}: open it in Notepad and Save As with Encoding UTF-8, or convert it with iconv -f GB18030 -t UTF-8"
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_is_dropped_and_a_gbk_file_is_refused_with_its_position_and_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let bom = dir.path().join("bom.json");
        fs::write(&bom, "\u{feff}{\"a\": 1}").unwrap();
        assert_eq!(read_text(&bom).unwrap(), "{\"a\": 1}");
        // "标题" in GBK is B1 EA CC E2.
        let gbk = dir.path().join("gbk.json");
        fs::write(&gbk, b"{\n  \"title\": \"\xB1\xEA\xCC\xE2\"\n}").unwrap();
        let e = read_text(&gbk).unwrap_err();
        assert_eq!((e.line, e.col), (2, 13), "{e}");
        assert!(e.zh.contains("不是 UTF-8 编码，看起来是 GBK/GB18030") && e.zh.contains("另存为"), "{e}");
    }

    fn dir_entries(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        fs::write(&path, b"old").unwrap();
        write_atomic(&path, b"new contents").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new contents");
        assert_eq!(dir_entries(dir.path()), vec!["out.bin".to_string()]);
    }

    #[test]
    fn a_private_file_is_never_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("users");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        write_atomic_private(&path, b"secret").unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::read(&path).unwrap(), b"secret");
    }

    #[test]
    fn a_missing_directory_is_an_error_and_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("out.bin");
        assert!(write_atomic(&path, b"x").is_err());
        assert!(dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn temp_files_a_crash_left_are_cleaned_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.json");
        fs::write(dir.path().join(".feed.json.123.0.tmp"), b"half").unwrap();
        fs::write(dir.path().join(".other.json.123.0.tmp"), b"not ours").unwrap();
        fs::write(&path, b"whole").unwrap();
        assert_eq!(clean_temps(&path), 1);
        assert_eq!(dir_entries(dir.path()), vec![".other.json.123.0.tmp".to_string(), "feed.json".to_string()]);
    }
}
