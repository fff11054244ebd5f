//! BX-5K/6K framing: header, CRC-16/ARC, byte escaping, preamble and tail; and the
//! streaming decoder that finds frames in what comes back from the wire.
//!
//! Pure byte work: no I/O, no clocks. The CRC and all lengths are computed on the
//! unescaped bytes (protocol v1.4, section 3.3); escaping is applied last.

/// Eight of these start a frame; a receiver accepts any number of them.
pub(crate) const PREAMBLE: u8 = 0xA5;
/// Ends a frame.
pub(crate) const TAIL: u8 = 0x5A;
/// Bytes in the packet header (PHY1).
pub(crate) const HEADER_LEN: usize = 14;

/// Factory default screen address.
#[cfg(test)]
pub(crate) const DEFAULT_ADDRESS: u16 = 0x0001;
/// Broadcast, no reply.
pub(crate) const BROADCAST: u16 = 0xFFFF;
/// Broadcast, every card replies.
pub(crate) const BROADCAST_REPLY: u16 = 0xFFFE;
/// The first PC-client source address.
pub(crate) const SOURCE_ADDRESS: u16 = 0x8000;
/// Any controller model.
pub(crate) const DEVICE_WILDCARD: u8 = 0xFE;
pub(crate) const PROTOCOL_VERSION: u8 = 0x02;

/// CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0, no final xor), as the
/// protocol's appendix computes it.
pub(crate) fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= b as u16;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xA001 } else { crc >> 1 };
        }
    }
    crc
}

/// The 14-byte header of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub dst: u16,
    pub src: u16,
    pub device_type: u8,
    pub protocol: u8,
    pub data_len: u16,
}

impl Header {
    /// A request from yiping to the card at `dst`.
    pub fn request(dst: u16, data_len: u16) -> Header {
        Header { dst, src: SOURCE_ADDRESS, device_type: DEVICE_WILDCARD, protocol: PROTOCOL_VERSION, data_len }
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.dst.to_le_bytes());
        out.extend_from_slice(&self.src.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0]); // reserved
        out.push(0); // barcode option: none
        out.push(0); // check mode: CRC16
        out.push(0); // display mode: normal (areas do not overlap programs)
        out.push(self.device_type);
        out.push(self.protocol);
        out.extend_from_slice(&self.data_len.to_le_bytes());
    }

    fn read(b: &[u8]) -> Header {
        Header {
            dst: u16::from_le_bytes([b[0], b[1]]),
            src: u16::from_le_bytes([b[2], b[3]]),
            device_type: b[10],
            protocol: b[11],
            data_len: u16::from_le_bytes([b[12], b[13]]),
        }
    }
}

/// A decoded packet: header and data (the CRC already checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub header: Header,
    pub data: Vec<u8>,
}

/// Builds the bytes on the wire for `data` sent to `dst`.
pub fn encode(dst: u16, data: &[u8]) -> Vec<u8> {
    encode_with(Header::request(dst, data.len() as u16), data)
}

/// Builds the bytes on the wire for a packet with an explicit header (replies, tests).
pub(crate) fn encode_with(header: Header, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(HEADER_LEN + data.len() + 2);
    header.write(&mut body);
    body.extend_from_slice(data);
    let crc = crc16(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    let mut out = Vec::with_capacity(body.len() + body.len() / 8 + 9);
    out.extend_from_slice(&[PREAMBLE; 8]);
    escape_into(&body, &mut out);
    out.push(TAIL);
    out
}

/// A5 -> A6 02, A6 -> A6 01, 5A -> 5B 02, 5B -> 5B 01.
pub(crate) fn escape_into(body: &[u8], out: &mut Vec<u8>) {
    for &b in body {
        match b {
            0xA5 => out.extend_from_slice(&[0xA6, 0x02]),
            0xA6 => out.extend_from_slice(&[0xA6, 0x01]),
            0x5A => out.extend_from_slice(&[0x5B, 0x02]),
            0x5B => out.extend_from_slice(&[0x5B, 0x01]),
            _ => out.push(b),
        }
    }
}

/// Why a frame between preamble and tail was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("bad escape sequence {0:02X} {1:02X}")]
    BadEscape(u8, u8),
    #[error("frame too short ({0} bytes)")]
    TooShort(usize),
    #[error("length field says {declared} data bytes, frame has {actual}")]
    Length { declared: usize, actual: usize },
    #[error("CRC mismatch: frame says {declared:04X}, computed {computed:04X}")]
    Crc { declared: u16, computed: u16 },
}

/// Reverses `escape_into`.
pub(crate) fn unescape(raw: &[u8]) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut it = raw.iter().copied();
    while let Some(b) = it.next() {
        match b {
            0xA6 | 0x5B => {
                let n = it.next().unwrap_or(0);
                out.push(match (b, n) {
                    (0xA6, 0x02) => 0xA5,
                    (0xA6, 0x01) => 0xA6,
                    (0x5B, 0x02) => 0x5A,
                    (0x5B, 0x01) => 0x5B,
                    _ => return Err(FrameError::BadEscape(b, n)),
                });
            }
            _ => out.push(b),
        }
    }
    Ok(out)
}

/// Checks and splits an unescaped body (header, data, CRC).
pub(crate) fn parse_body(body: &[u8]) -> Result<Packet, FrameError> {
    if body.len() < HEADER_LEN + 2 {
        return Err(FrameError::TooShort(body.len()));
    }
    let (content, crc) = body.split_at(body.len() - 2);
    let declared = u16::from_le_bytes([crc[0], crc[1]]);
    let computed = crc16(content);
    if declared != computed {
        return Err(FrameError::Crc { declared, computed });
    }
    let header = Header::read(&content[..HEADER_LEN]);
    let data = content[HEADER_LEN..].to_vec();
    if header.data_len as usize != data.len() {
        return Err(FrameError::Length { declared: header.data_len as usize, actual: data.len() });
    }
    Ok(Packet { header, data })
}

/// Finds frames in a byte stream that may arrive in pieces, with noise between frames.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    in_frame: bool,
}

/// Frames longer than this are noise: the decoder drops them and resynchronises.
const MAX_FRAME: usize = 8 * 1024;

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Feeds bytes; returns every complete frame found (good or rejected).
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Packet, FrameError>> {
        let mut out = Vec::new();
        for &b in bytes {
            if !self.in_frame {
                if b == PREAMBLE {
                    self.in_frame = true;
                    self.buf.clear();
                }
                continue;
            }
            match b {
                PREAMBLE if self.buf.is_empty() => {}
                // A preamble byte can never occur inside an escaped body: a new frame starts.
                PREAMBLE => self.buf.clear(),
                TAIL => {
                    out.push(unescape(&self.buf).and_then(|b| parse_body(&b)));
                    self.buf.clear();
                    self.in_frame = false;
                }
                _ if self.buf.len() >= MAX_FRAME => {
                    self.buf.clear();
                    self.in_frame = false;
                }
                _ => self.buf.push(b),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace().map(|h| u8::from_str_radix(h, 16).unwrap()).collect()
    }

    #[test]
    fn crc_is_crc16_arc() {
        // The standard check value of CRC-16/ARC.
        assert_eq!(crc16(b"123456789"), 0xBB3D);
    }

    #[test]
    fn ping_matches_the_official_example() {
        // BX-5K/6K protocol v1.4, section 8.7 (PING 命令实例).
        let want = hex("A5 A5 A5 A5 A5 A5 A5 A5 01 00 00 80 00 00 00 00 00 00 FE 02 05 00 A2 00 01 00 00 68 F8 5A");
        assert_eq!(encode(DEFAULT_ADDRESS, &[0xA2, 0x00, 0x01, 0x00, 0x00]), want);
    }

    #[test]
    fn other_official_examples_have_our_crc() {
        // Format (8.5), lock program 0 (8.18), set time (8.10): header + data with the documented CRC.
        for (data, dst) in [
            ("A1 00 01 00 00", 1),
            ("A3 04 01 00 00 00 01 50 30 30 30", 1),
            ("A2 03 01 08 00 13 20 01 25 11 17 26 05", 1),
            (
                "A3 06 01 00 00 00 01 23 00 00 00 80 00 00 80 80 20 00 00 00 00 0a 00 00 00 00 02 01 01 00 02 0a 08 00 00 00 bb b6 d3 ad b9 e2 c1 d9",
                0xFFFE,
            ),
        ] {
            let bytes = encode(dst, &hex(data));
            let mut d = Decoder::new();
            let got = d.push(&bytes);
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].as_ref().unwrap().data, hex(data));
        }
        let fmt = encode(1, &hex("A1 00 01 00 00"));
        assert_eq!(&fmt[fmt.len() - 3..], &[0x2C, 0xF8, 0x5A]);
        let time = encode(1, &hex("A2 03 01 08 00 13 20 01 25 11 17 26 05"));
        assert_eq!(&time[time.len() - 3..], &[0xB0, 0x3F, 0x5A]);
    }

    #[test]
    fn decodes_the_official_ack_and_nack_replies() {
        // Section 7: the card sends nine preamble bytes; the reply goes from the card to 0x8000.
        let ack = hex("A5 A5 A5 A5 A5 A5 A5 A5 A5 00 80 FE FF 00 00 00 00 00 00 FE 02 05 00 A0 00 00 00 00 14 AC 5A");
        let nack = hex("A5 A5 A5 A5 A5 A5 A5 A5 A5 00 80 FE FF 00 00 00 00 00 00 FE 02 05 00 A0 01 05 00 00 05 51 5A");
        let mut d = Decoder::new();
        // Noise, then both frames split at awkward places.
        let mut stream = vec![0x00, 0x13, 0x5A];
        stream.extend_from_slice(&ack);
        stream.extend_from_slice(&nack);
        let (a, b) = stream.split_at(17);
        let mut got = d.push(a);
        got.extend(d.push(b));
        let got: Vec<Packet> = got.into_iter().map(Result::unwrap).collect();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].header.dst, 0x8000);
        assert_eq!(got[0].header.src, 0xFFFE);
        assert_eq!(got[0].data, hex("A0 00 00 00 00"));
        assert_eq!(got[1].data, hex("A0 01 05 00 00"));
    }

    #[test]
    fn escapes_and_unescapes_every_special_byte() {
        let data = [0xA5, 0xA6, 0x5A, 0x5B, 0x00, 0xFF, 0xA6, 0x02];
        let wire = encode(0x5AA5, &data);
        // No preamble or tail byte inside the escaped body.
        let body = &wire[8..wire.len() - 1];
        assert!(!body.contains(&0xA5) && !body.contains(&0x5A), "{body:02X?}");
        assert_eq!(&body[..4], &[0xA6, 0x02, 0x5B, 0x02]); // address 0x5AA5, little-endian: A5 5A
        let p = Decoder::new().push(&wire).remove(0).unwrap();
        assert_eq!(p.header.dst, 0x5AA5);
        assert_eq!(p.data, data);
    }

    #[test]
    fn garbage_never_panics_and_a_good_frame_after_it_is_found() {
        // A deterministic byte soup rich in the special bytes, then a real ACK.
        let mut x: u32 = 12345;
        let soup: Vec<u8> = (0..20_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                [0xA5, 0xA6, 0x5A, 0x5B, 0x00, (x >> 16) as u8][(x >> 8) as usize % 6]
            })
            .collect();
        let mut d = Decoder::new();
        let _ = d.push(&soup);
        let ack = super::super::command::reply_bytes(7, None);
        let got = d.push(&ack);
        assert!(got.last().is_some_and(|p| p.as_ref().is_ok_and(|p| p.header.src == 7)), "{got:?}");
    }

    #[test]
    fn rejects_corrupted_frames() {
        let mut wire = encode(1, &[0xA2, 0x00, 0x01, 0x00, 0x00]);
        wire[24] ^= 0x01;
        assert!(matches!(Decoder::new().push(&wire).remove(0), Err(FrameError::Crc { .. })));
        let bad = [0xA5, 0xA6, 0x07, 0x5A];
        assert!(matches!(Decoder::new().push(&bad).remove(0), Err(FrameError::BadEscape(0xA6, 0x07))));
    }
}
