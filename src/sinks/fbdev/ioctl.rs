//! The Linux framebuffer ioctls yiping uses (from <linux/fb.h>): geometry, pan, blank.
//!
//! Only this file talks ioctl to /dev/fbN; it never changes the video mode.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use super::format::{Bitfield, PixelFormat};

const FBIOGET_VSCREENINFO: libc::c_ulong = 0x4600;
const FBIOGET_FSCREENINFO: libc::c_ulong = 0x4602;
const FBIOPAN_DISPLAY: libc::c_ulong = 0x4606;
const FBIOBLANK: libc::c_ulong = 0x4611;
const FB_BLANK_UNBLANK: libc::c_int = 0;
const FB_BLANK_NORMAL: libc::c_int = 1;

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
struct FbBitfield {
    offset: u32,
    length: u32,
    msb_right: u32,
}

/// `struct fb_var_screeninfo`.
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub(super) struct VarScreenInfo {
    xres: u32,
    yres: u32,
    xres_virtual: u32,
    yres_virtual: u32,
    xoffset: u32,
    yoffset: u32,
    bits_per_pixel: u32,
    grayscale: u32,
    red: FbBitfield,
    green: FbBitfield,
    blue: FbBitfield,
    transp: FbBitfield,
    nonstd: u32,
    activate: u32,
    height: u32,
    width: u32,
    accel_flags: u32,
    pixclock: u32,
    left_margin: u32,
    right_margin: u32,
    upper_margin: u32,
    lower_margin: u32,
    hsync_len: u32,
    vsync_len: u32,
    sync: u32,
    vmode: u32,
    rotate: u32,
    colorspace: u32,
    reserved: [u32; 4],
}

/// `struct fb_fix_screeninfo`.
#[repr(C)]
#[derive(Clone, Copy)]
struct FixScreenInfo {
    id: [u8; 16],
    smem_start: libc::c_ulong,
    smem_len: u32,
    type_: u32,
    type_aux: u32,
    visual: u32,
    xpanstep: u16,
    ypanstep: u16,
    ywrapstep: u16,
    line_length: u32,
    mmio_start: libc::c_ulong,
    mmio_len: u32,
    accel: u32,
    capabilities: u16,
    reserved: [u16; 2],
}

/// What a framebuffer device reports about itself.
#[derive(Debug, Clone)]
pub(super) struct DeviceInfo {
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub virtual_height: u32,
    pub yoffset: u32,
    pub stride: u32,
    pub memory: u32,
    pub format: PixelFormat,
    pub can_pan: bool,
    pub(super) var: VarScreenInfo,
}

/// Reads geometry and pixel format with FBIOGET_VSCREENINFO and FBIOGET_FSCREENINFO.
pub(super) fn query(file: &File) -> io::Result<DeviceInfo> {
    let mut var = VarScreenInfo::default();
    // SAFETY: the kernel fills a struct of exactly this layout; we own it.
    if unsafe { libc::ioctl(file.as_raw_fd(), FBIOGET_VSCREENINFO as _, &mut var) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above; all-zero is a valid value of this plain struct.
    let mut fix: FixScreenInfo = unsafe { std::mem::zeroed() };
    if unsafe { libc::ioctl(file.as_raw_fd(), FBIOGET_FSCREENINFO as _, &mut fix) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let b = |f: FbBitfield| Bitfield { offset: f.offset, length: f.length };
    let id_len = fix.id.iter().position(|&c| c == 0).unwrap_or(16);
    Ok(DeviceInfo {
        id: String::from_utf8_lossy(&fix.id[..id_len]).into_owned(),
        width: var.xres,
        height: var.yres,
        virtual_height: var.yres_virtual,
        yoffset: var.yoffset,
        stride: fix.line_length,
        memory: fix.smem_len,
        format: PixelFormat {
            bytes_per_pixel: var.bits_per_pixel / 8,
            red: b(var.red),
            green: b(var.green),
            blue: b(var.blue),
            transp: b(var.transp),
        },
        can_pan: fix.ypanstep > 0,
        var,
    })
}

/// Shows the rows from `yoffset` (FBIOPAN_DISPLAY; the driver waits for vertical blank where it can).
pub(super) fn pan(file: &File, var: &mut VarScreenInfo, yoffset: u32) -> io::Result<()> {
    var.yoffset = yoffset;
    var.xoffset = 0;
    // SAFETY: passes our own struct of the kernel's layout.
    if unsafe { libc::ioctl(file.as_raw_fd(), FBIOPAN_DISPLAY as _, var as *mut VarScreenInfo) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Blanks (true) or unblanks the display (FBIOBLANK).
pub(super) fn blank(file: &File, on: bool) -> io::Result<()> {
    let arg = if on { FB_BLANK_NORMAL } else { FB_BLANK_UNBLANK };
    // SAFETY: FBIOBLANK takes an int by value.
    if unsafe { libc::ioctl(file.as_raw_fd(), FBIOBLANK as _, arg as libc::c_ulong) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structs_match_the_kernel_layout() {
        assert_eq!(std::mem::size_of::<VarScreenInfo>(), 160);
        #[cfg(target_pointer_width = "64")]
        assert_eq!(std::mem::size_of::<FixScreenInfo>(), 80);
        #[cfg(target_pointer_width = "32")]
        assert_eq!(std::mem::size_of::<FixScreenInfo>(), 68);
    }

    #[test]
    fn a_regular_file_is_not_a_framebuffer() {
        let f = tempfile::tempfile().unwrap();
        assert!(query(&f).is_err());
    }
}
