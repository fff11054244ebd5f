//! The few ZIP reading steps an `.xlsx` needs: the central directory, then stored or
//! deflated members by name, each inflated under a size limit (a zip bomb is refused).

use std::io::Read;

/// One member as the central directory describes it.
struct Entry {
    name: String,
    method: u16,
    encrypted: bool,
    compressed: usize,
    local_offset: usize,
}

/// A ZIP archive held in memory.
pub(super) struct Archive<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
}

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    d.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

const END_SIG: &[u8] = b"PK\x05\x06";
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;

impl<'a> Archive<'a> {
    /// Reads the central directory; `Err` says in English why this is not a usable ZIP.
    pub(super) fn open(data: &'a [u8]) -> Result<Self, String> {
        // The end record is the last 22 bytes, or earlier by a comment of at most 64 KiB.
        let from = data.len().saturating_sub(22 + 0xFFFF);
        let end = (from..=data.len().saturating_sub(22))
            .rev()
            .find(|&i| data.get(i..i + 4) == Some(END_SIG))
            .ok_or("not a ZIP archive (no end of central directory)")?;
        let count = u16_at(data, end + 10).ok_or("truncated")? as usize;
        let size = u32_at(data, end + 12).ok_or("truncated")? as usize;
        let offset = u32_at(data, end + 16).ok_or("truncated")? as usize;
        if count == 0xFFFF || offset == 0xFFFF_FFFF {
            return Err("ZIP64 archives are not supported".into());
        }
        let dir = data.get(offset..offset.saturating_add(size)).ok_or("central directory out of range")?;
        let mut entries = Vec::with_capacity(count.min(4096));
        let mut at = 0;
        for _ in 0..count {
            if u32_at(dir, at) != Some(CENTRAL_SIG) {
                return Err("damaged central directory".into());
            }
            let field = |o: usize| u16_at(dir, at + o).ok_or("truncated central directory");
            let (flags, method) = (field(8)?, field(10)?);
            let compressed = u32_at(dir, at + 20).ok_or("truncated central directory")? as usize;
            let (name_len, extra_len, comment_len) = (field(28)? as usize, field(30)? as usize, field(32)? as usize);
            let local_offset = u32_at(dir, at + 42).ok_or("truncated central directory")? as usize;
            let name = dir.get(at + 46..at + 46 + name_len).ok_or("truncated central directory")?;
            entries.push(Entry {
                name: String::from_utf8_lossy(name).trim_start_matches('/').to_string(),
                method,
                encrypted: flags & 1 != 0,
                compressed,
                local_offset,
            });
            at += 46 + name_len + extra_len + comment_len;
        }
        Ok(Archive { data, entries })
    }

    /// A member's content, at most `limit` bytes once inflated; `Ok(None)` when absent.
    pub(super) fn read(&self, name: &str, limit: usize) -> Result<Option<Vec<u8>>, String> {
        let name = name.trim_start_matches('/');
        let Some(e) = self.entries.iter().find(|e| e.name.eq_ignore_ascii_case(name)) else { return Ok(None) };
        if e.encrypted {
            return Err("the workbook is password protected".into());
        }
        let at = e.local_offset;
        if u32_at(self.data, at) != Some(LOCAL_SIG) {
            return Err(format!("damaged member {name}"));
        }
        let skip = 30 + u16_at(self.data, at + 26).unwrap_or(0) as usize + u16_at(self.data, at + 28).unwrap_or(0) as usize;
        let raw = self.data.get(at + skip..(at + skip).saturating_add(e.compressed)).ok_or_else(|| format!("member {name} runs past the end"))?;
        let mut out = Vec::new();
        let read = match e.method {
            0 => raw.take(limit as u64 + 1).read_to_end(&mut out),
            8 => flate2::read::DeflateDecoder::new(raw).take(limit as u64 + 1).read_to_end(&mut out),
            m => return Err(format!("member {name} uses compression method {m}")),
        };
        read.map_err(|e| format!("member {name}: {e}"))?;
        if out.len() > limit {
            return Err(format!("member {name} is larger than {} MiB once unpacked", limit >> 20));
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A one-member archive, deflated, built by hand as the format describes.
    fn archive(name: &str, content: &[u8], flags: u16) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(content).unwrap();
        let packed = e.finish().unwrap();
        // Flags, method (deflate), time and date, CRC (unchecked), sizes, name length: the same
        // in the local header and the central directory entry.
        let common = |z: &mut Vec<u8>| {
            z.extend(flags.to_le_bytes());
            z.extend(8u16.to_le_bytes());
            z.extend([0; 8]);
            z.extend((packed.len() as u32).to_le_bytes());
            z.extend((content.len() as u32).to_le_bytes());
            z.extend((name.len() as u16).to_le_bytes());
        };
        let mut z = Vec::new();
        z.extend(LOCAL_SIG.to_le_bytes());
        z.extend([20, 0]);
        common(&mut z);
        z.extend([0, 0]);
        z.extend(name.as_bytes());
        z.extend(&packed);
        let dir = z.len() as u32;
        z.extend(CENTRAL_SIG.to_le_bytes());
        z.extend([20, 0, 20, 0]);
        common(&mut z);
        z.extend([0; 12]);
        z.extend(0u32.to_le_bytes());
        z.extend(name.as_bytes());
        let size = z.len() as u32 - dir;
        z.extend(END_SIG);
        z.extend([0, 0, 0, 0, 1, 0, 1, 0]);
        z.extend(size.to_le_bytes());
        z.extend(dir.to_le_bytes());
        z.extend([0, 0]);
        z
    }

    #[test]
    fn members_read_back_and_bombs_stop_at_the_limit() {
        let z = archive("xl/workbook.xml", "<workbook/>".as_bytes(), 0);
        let a = Archive::open(&z).unwrap();
        assert_eq!(a.read("/XL/workbook.xml", 100).unwrap().as_deref(), Some(&b"<workbook/>"[..]));
        assert_eq!(a.read("xl/other.xml", 100).unwrap(), None);
        // 16 MiB of zeros packs into ~16 KiB; with a 1 MiB limit it is refused, not inflated.
        let bomb = archive("xl/worksheets/sheet1.xml", &vec![0; 16 << 20], 0);
        assert!(bomb.len() < 64 << 10);
        let e = Archive::open(&bomb).unwrap().read("xl/worksheets/sheet1.xml", 1 << 20).unwrap_err();
        assert!(e.contains("larger than 1 MiB"), "{e}");
        let locked = archive("a", b"x", 1);
        assert!(Archive::open(&locked).unwrap().read("a", 10).unwrap_err().contains("password"));
        for cut in [0, 10, z.len() - 30, z.len() - 1] {
            let _ = Archive::open(&z[..cut]).map(|a| a.read("xl/workbook.xml", 100));
        }
        assert!(Archive::open(b"PK\x05\x06").is_err());
    }
}
