//! Memory maps of files: read-only (outline fonts) and shared read-write (framebuffers).
//!
//! The only place that calls `mmap`/`munmap`; it never maps anonymous memory
//! and never hands out a slice that outlives its mapping.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// A mapping of `len` bytes of a file, unmapped on drop.
pub(crate) struct Mmap {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; access goes through
// `&self`/`&mut self`, so Rust's aliasing rules apply as for a Vec.
unsafe impl Send for Mmap {}
unsafe impl Sync for Mmap {}

impl Mmap {
    /// Maps the whole file read-only. An empty file gives an empty map.
    pub(crate) fn read_only(file: &File) -> io::Result<Mmap> {
        let len = file.metadata()?.len() as usize;
        Self::map(file, len, libc::PROT_READ)
    }

    /// Maps the first `len` bytes of a file (or device) shared and writable:
    /// writes reach the file (or the framebuffer) directly.
    pub(crate) fn shared_rw(file: &File, len: usize) -> io::Result<Mmap> {
        Self::map(file, len, libc::PROT_READ | libc::PROT_WRITE)
    }

    fn map(file: &File, len: usize, prot: libc::c_int) -> io::Result<Mmap> {
        if len == 0 {
            return Ok(Mmap { ptr: std::ptr::NonNull::dangling().as_ptr(), len: 0 });
        }
        // SAFETY: a fresh mapping of an open fd; the kernel checks fd, length and protection.
        let ptr = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, file.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mmap { ptr: ptr.cast(), len })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn as_slice(&self) -> &[u8] {
        // SAFETY: ptr..ptr+len is mapped for the life of self.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// Only for `shared_rw` maps (writing a read-only map faults).
    pub(crate) fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, and `&mut self` makes this the only live slice.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

/// The mapped bytes, so a mapping can back a font shared with a shaper (harfrust).
impl AsRef<[u8]> for Mmap {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: unmapping exactly what `map` mapped.
            unsafe { libc::munmap(self.ptr.cast(), self.len) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_writes_reach_the_file_and_read_only_sees_them() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m");
        let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&p).unwrap();
        f.set_len(8).unwrap();
        let mut m = Mmap::shared_rw(&f, 8).unwrap();
        m.as_mut_slice().copy_from_slice(b"abcdefgh");
        drop(m);
        assert_eq!(std::fs::read(&p).unwrap(), b"abcdefgh");
        let r = Mmap::read_only(&File::open(&p).unwrap()).unwrap();
        assert_eq!((r.len(), r.as_slice()), (8, &b"abcdefgh"[..]));
        let empty = tempfile::tempfile().unwrap();
        assert!(Mmap::read_only(&empty).unwrap().is_empty());
    }
}
