//! BX-5K/6K commands yiping sends (data fields of packets) and the replies it reads.
//!
//! Pure: builds and parses byte vectors. Field layouts follow the protocol
//! v1.4: request = group, command, response flag, 2 reserved, data.

use super::packet::Packet;

/// Ask the card to answer (every yiping request does, so it knows what was accepted).
const REPLY: u8 = 0x01;

fn request(group: u8, cmd: u8, data: &[u8]) -> Vec<u8> {
    let mut v = vec![group, cmd, REPLY, 0, 0];
    v.extend_from_slice(data);
    v
}

/// A2 00: is the card there?
pub(crate) fn ping() -> Vec<u8> {
    request(0xA2, 0x00, &[])
}

/// A3 10: clear the screen.
#[cfg(test)]
pub(crate) fn clear_screen() -> Vec<u8> {
    request(0xA3, 0x10, &[])
}

/// A3 00: switch the display on or off (outranks the card's own timer).
pub fn power(on: bool) -> Vec<u8> {
    request(0xA3, 0x00, &[if on { 0x01 } else { 0x02 }])
}

/// A3 02: fixed brightness, 0 (dimmest) ..= 15 (brightest).
pub fn brightness(level: u8) -> Vec<u8> {
    request(0xA3, 0x02, &[0x01, level.min(15)])
}

/// 0..=100 percent as the card's 16 levels.
pub(crate) fn brightness_level(percent: u8) -> u8 {
    ((percent.min(100) as u32 * 15 + 50) / 100) as u8
}

/// How the card moves the text (area field DisplayMode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Motion {
    Static = 0x01,
    ScrollLeft = 0x03,
    ScrollUp = 0x05,
}

/// What the card does with a dynamic area over time (area field RunMode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Show the text again and again.
    Loop = 0,
    /// Show once, then hold the last page.
    HoldLast = 1,
    /// Loop, but delete the area when not updated within the timeout.
    LoopUntilTimeout = 2,
}

/// One dynamic area's parameters and text (section 9.1, without sound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub id: u8,
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
    pub line_spacing: u8,
    pub run_mode: RunMode,
    /// Seconds; used by `LoopUntilTimeout`.
    pub timeout: u16,
    /// Bits 0-1: 0 left, 1 right, 2 centre; bits 2-3: 0 top, 1 bottom, 2 middle.
    pub align: u8,
    pub single_line: bool,
    /// The card wraps by itself (else only at `\n`).
    pub auto_wrap: bool,
    pub motion: Motion,
    /// 0 (fastest) ..= 24 (slowest).
    pub speed: u8,
    /// In half seconds.
    pub stay: u8,
    /// GB2312 text with the card's escape codes.
    pub text: Vec<u8>,
}

/// Bytes of area data before the text.
pub(crate) const AREA_OVERHEAD: usize = 27;

impl Area {
    /// The area data block (AreaData), coordinates in pixels.
    pub fn encode(&self) -> Vec<u8> {
        let px = |v: u16| (v | 0x8000).to_le_bytes();
        let mut v = Vec::with_capacity(AREA_OVERHEAD + self.text.len());
        v.push(0x00); // area type
        v.extend_from_slice(&px(self.x));
        v.extend_from_slice(&self.y.to_le_bytes());
        v.extend_from_slice(&px(self.width));
        v.extend_from_slice(&self.height.to_le_bytes());
        v.push(self.id);
        v.push(self.line_spacing);
        v.push(self.run_mode as u8);
        v.extend_from_slice(&self.timeout.to_le_bytes());
        v.push(0x00); // no sound
        v.push(0x00); // no extended parameters
        v.push(self.align);
        v.push(if self.single_line { 0x01 } else { 0x02 });
        v.push(if self.auto_wrap { 0x02 } else { 0x01 });
        v.push(self.motion as u8);
        v.push(0x00); // exit mode
        v.push(self.speed.min(0x18));
        v.push(self.stay);
        v.extend_from_slice(&(self.text.len() as u32).to_le_bytes());
        v.extend_from_slice(&self.text);
        v
    }
}

/// A3 06: replace one dynamic area (the card keeps it in RAM, so updates do not wear flash).
pub fn dynamic_area(area: &Area) -> Vec<u8> {
    let a = area.encode();
    let mut data = vec![0x00, 0x00]; // process mode: keep, reserved
    data.push(0x00); // delete no areas
    data.push(0x01); // update one area
    data.extend_from_slice(&(a.len() as u16).to_le_bytes());
    data.extend_from_slice(&a);
    let mut v = vec![0xA3, 0x06, REPLY];
    v.extend_from_slice(&data);
    v
}

/// What a card answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Ack,
    Nack(u8),
    /// A reply that is neither (another command's answer).
    Other(u8, u8),
}

impl Reply {
    pub fn parse(p: &Packet) -> Option<Reply> {
        match p.data.as_slice() {
            [0xA0, 0x00, ..] => Some(Reply::Ack),
            [0xA0, 0x01, code, ..] => Some(Reply::Nack(*code)),
            [g, c, ..] => Some(Reply::Other(*g, *c)),
            _ => None,
        }
    }
}

/// The protocol's name for a NACK error code.
pub(crate) fn error_name(code: u8) -> &'static str {
    match code {
        0 => "no error",
        1 => "command group error",
        2 => "command not found",
        3 => "controller busy",
        4 => "out of memory",
        5 => "CRC16 checksum error",
        6 => "file does not exist",
        7 => "flash access error",
        8 => "file download error",
        9 => "file name error",
        10 => "file type error",
        11 => "file CRC16 error",
        12 => "font library does not exist",
        13 => "firmware type error",
        14 => "date/time format error",
        15 => "file exists",
        16 => "file block number error",
        _ => "unknown error",
    }
}

/// An ACK or NACK as a card sends it (for the far-end decoder in tests and benches).
pub fn reply_bytes(card: u16, nack: Option<u8>) -> Vec<u8> {
    use super::packet::{Header, encode_with};
    let data = match nack {
        None => vec![0xA0, 0x00, 0x00, 0x00, 0x00],
        Some(code) => vec![0xA0, 0x01, code, 0x00, 0x00],
    };
    let h = Header { dst: super::packet::SOURCE_ADDRESS, src: card, device_type: 0xFE, protocol: 0x02, data_len: 5 };
    encode_with(h, &data)
}

/// Parses an A3 06 request with one area; `None` when it is not one.
pub fn parse_dynamic_area(data: &[u8]) -> Option<Area> {
    if data.len() < 9 || data[0] != 0xA3 || data[1] != 0x06 || data[5] != 0x00 || data[6] != 0x01 {
        return None;
    }
    let len = u16::from_le_bytes([data[7], data[8]]) as usize;
    let a = data.get(9..9 + len)?;
    if a.len() < AREA_OVERHEAD {
        return None;
    }
    let px = |i: usize| u16::from_le_bytes([a[i], a[i + 1]]) & 0x7FFF;
    let u16at = |i: usize| u16::from_le_bytes([a[i], a[i + 1]]);
    let motion = match a[19] {
        0x01 => Motion::Static,
        0x03 => Motion::ScrollLeft,
        0x05 => Motion::ScrollUp,
        _ => return None,
    };
    let run_mode = match a[11] {
        0 => RunMode::Loop,
        1 => RunMode::HoldLast,
        2 => RunMode::LoopUntilTimeout,
        _ => return None,
    };
    let text_len = u32::from_le_bytes([a[23], a[24], a[25], a[26]]) as usize;
    let text = a.get(AREA_OVERHEAD..AREA_OVERHEAD + text_len)?.to_vec();
    Some(Area {
        id: a[9],
        x: px(1),
        y: u16at(3),
        width: px(5),
        height: u16at(7),
        line_spacing: a[10],
        run_mode,
        timeout: u16at(12),
        align: a[16],
        single_line: a[17] == 0x01,
        auto_wrap: a[18] == 0x02,
        motion,
        speed: a[21],
        stay: a[22],
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::super::packet::{BROADCAST_REPLY, encode};
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace().map(|h| u8::from_str_radix(h, 16).unwrap()).collect()
    }

    fn welcome() -> Area {
        Area {
            id: 0,
            x: 0,
            y: 0,
            width: 128,
            height: 32,
            line_spacing: 0,
            run_mode: RunMode::Loop,
            timeout: 10,
            align: 0,
            single_line: false,
            auto_wrap: false,
            motion: Motion::Static,
            speed: 2,
            stay: 10,
            text: encoding_rs::GBK.encode("欢迎光临").0.into_owned(),
        }
    }

    #[test]
    fn welcome_packet_matches_the_official_example() {
        // Protocol v1.4 command example 2 / 8: "欢迎光临" on a 128x32 6K3, wildcard address.
        let want = hex(
            "a5 a5 a5 a5 a5 a5 a5 a5 fe ff 00 80 00 00 00 00 00 00 fe 02 2c 00 a3 06 01 00 00 00 01 23 00 00 00 80 00 00 80 80 20 00 00 00 00 0a 00 00 00 00 02 01 01 00 02 0a 08 00 00 00 bb b6 d3 ad b9 e2 c1 d9 3c 49 5a",
        );
        assert_eq!(encode(BROADCAST_REPLY, &dynamic_area(&welcome())), want);
    }

    #[test]
    fn area_requests_decode_back() {
        let mut a = welcome();
        a.motion = Motion::ScrollUp;
        a.run_mode = RunMode::LoopUntilTimeout;
        a.timeout = 300;
        a.stay = 0;
        a.align = 0x0A;
        assert_eq!(parse_dynamic_area(&dynamic_area(&a)), Some(a));
        assert_eq!(parse_dynamic_area(&ping()), None);
    }

    #[test]
    fn simple_commands() {
        assert_eq!(ping(), hex("A2 00 01 00 00"));
        assert_eq!(clear_screen(), hex("A3 10 01 00 00"));
        assert_eq!(power(false), hex("A3 00 01 00 00 02"));
        assert_eq!(brightness(9), hex("A3 02 01 00 00 01 09"));
        assert_eq!(brightness(99), hex("A3 02 01 00 00 01 0F"));
        assert_eq!((brightness_level(0), brightness_level(50), brightness_level(100)), (0, 8, 15));
    }
}
