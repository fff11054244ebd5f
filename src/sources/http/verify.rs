//! Feed authenticity: minisign (Ed25519) signatures checked against trusted public keys.
//!
//! Keys are given in minisign's own format (the `RW...` base64 line of a
//! `minisign.pub`, or the whole file). A signature is accepted only when it
//! verifies under one of the trusted keys, global (trusted-comment) signature
//! included. Never reads files or the network.

use minisign_verify::{Error as MsError, PublicKey, Signature};

/// Largest signature file accepted (a minisign signature is about 300 bytes plus its trusted comment).
pub(crate) const MAX_SIGNATURE_BYTES: usize = 8 * 1024;

/// Why a signature is not accepted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VerifyError {
    #[error("signature file is not in minisign format")]
    Malformed,
    #[error("signature was made with a key that is not trusted")]
    UnknownKey,
    #[error("signature does not match the feed (forged, corrupted or for another publication)")]
    Invalid,
    #[error("no signature, but this source requires one")]
    Missing,
}

impl VerifyError {
    pub fn zh(&self) -> &'static str {
        match self {
            VerifyError::Malformed => "签名文件不是 minisign 格式",
            VerifyError::UnknownKey => "签名所用的密钥不在信任列表中",
            VerifyError::Invalid => "签名与内容不符（伪造、损坏或属于另一次发布）",
            VerifyError::Missing => "没有签名，但此来源要求签名",
        }
    }
}

/// What a good signature says.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// minisign's trusted comment (signed too), e.g. `timestamp:... file:feed.json`.
    pub trusted_comment: String,
}

/// Returns the base64 key line of a minisign public key given as that line or as a whole `.pub` file.
pub fn key_line(text: &str) -> Result<String, String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with("untrusted comment:")).ok_or_else(|| "empty key".to_string())?;
    PublicKey::from_base64(line).map_err(|e| e.to_string())?;
    Ok(line.to_string())
}

/// The trusted keys of one source.
#[derive(Debug, Clone)]
pub struct Keys(Vec<PublicKey>);

impl Keys {
    /// From key lines (already checked by config loading; a bad one is an error here too).
    pub fn new(lines: &[String]) -> Result<Keys, String> {
        lines.iter().map(|l| PublicKey::from_base64(&key_line(l)?).map_err(|e| e.to_string())).collect::<Result<_, _>>().map(Keys)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks `sig` (the text of a `.minisig` file) over `body`.
    pub fn verify(&self, body: &[u8], sig: &str) -> Result<Verified, VerifyError> {
        if sig.len() > MAX_SIGNATURE_BYTES {
            return Err(VerifyError::Malformed);
        }
        let sig = Signature::decode(sig).map_err(|_| VerifyError::Malformed)?;
        let mut err = VerifyError::UnknownKey;
        for k in &self.0 {
            // Legacy (non-prehashed) signatures from minisign before 0.8 are Ed25519 too and still accepted.
            match k.verify(body, &sig, true) {
                Ok(()) => return Ok(Verified { trusted_comment: sig.trusted_comment().to_string() }),
                Err(MsError::UnexpectedKeyId) => {}
                Err(_) => err = VerifyError::Invalid,
            }
        }
        Err(err)
    }
}
