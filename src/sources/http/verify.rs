//! Feed authenticity: minisign (Ed25519) signatures checked against trusted public keys.
//!
//! Keys are given in minisign's own format (the `RW...` base64 line of a
//! `minisign.pub`, or the whole file). A signature is accepted only when it
//! verifies under one of the trusted keys, global (trusted-comment) signature
//! included. With a threshold of N (two keys to publish), the signatures of
//! N distinct trusted keys are needed: a key that signed twice, or a key
//! listed twice, counts once. Never reads files or the network.

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
    #[error("only {good} of the {need} distinct trusted keys required signed the feed")]
    TooFew { good: usize, need: usize },
}

impl VerifyError {
    pub fn zh(&self) -> &'static str {
        match self {
            VerifyError::Malformed => "签名文件不是 minisign 格式",
            VerifyError::UnknownKey => "签名所用的密钥不在信任列表中",
            VerifyError::Invalid => "签名与内容不符（伪造、损坏或属于另一次发布）",
            VerifyError::Missing => "没有签名，但此来源要求签名",
            VerifyError::TooFew { .. } => "有效签名的不同可信密钥数量不足（需要多把密钥共同签名才能发布）",
        }
    }
}

/// What a good signature says.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// minisign's trusted comment (signed too), e.g. `timestamp:... file:feed.json`.
    pub trusted_comment: String,
    /// How many distinct trusted keys signed it.
    pub keys: usize,
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
        let mut seen = std::collections::BTreeSet::new();
        let mut keys = Vec::new();
        for l in lines {
            let line = key_line(l)?;
            // One key listed twice is one key: it must not count twice towards a threshold.
            if seen.insert(line.clone()) {
                keys.push(PublicKey::from_base64(&line).map_err(|e| e.to_string())?);
            }
        }
        Ok(Keys(keys))
    }

    /// How many distinct keys are trusted.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks `sig` (the text of a `.minisig` file) over `body`.
    pub fn verify(&self, body: &[u8], sig: &str) -> Result<Verified, VerifyError> {
        self.verify_n(body, sig, 1)
    }

    /// Checks `sigs` (one or more `.minisig` files, one after the other) over `body`: accepted
    /// when signatures of at least `need` distinct trusted keys verify.
    pub fn verify_n(&self, body: &[u8], sigs: &str, need: usize) -> Result<Verified, VerifyError> {
        let blocks = split(sigs);
        if blocks.is_empty() || blocks.len() > 16 {
            return Err(VerifyError::Malformed);
        }
        let mut signed = std::collections::BTreeSet::new();
        let mut comment = None;
        let mut err = VerifyError::UnknownKey;
        for b in blocks {
            if b.len() > MAX_SIGNATURE_BYTES {
                return Err(VerifyError::Malformed);
            }
            let sig = Signature::decode(&b).map_err(|_| VerifyError::Malformed)?;
            for (i, k) in self.0.iter().enumerate() {
                // Legacy (non-prehashed) signatures from minisign before 0.8 are Ed25519 too and still accepted.
                match k.verify(body, &sig, true) {
                    Ok(()) => {
                        signed.insert(i);
                        comment.get_or_insert_with(|| sig.trusted_comment().to_string());
                    }
                    Err(MsError::UnexpectedKeyId) => {}
                    Err(_) => err = VerifyError::Invalid,
                }
            }
        }
        match comment {
            Some(trusted_comment) if signed.len() >= need.max(1) => Ok(Verified { trusted_comment, keys: signed.len() }),
            Some(_) => Err(VerifyError::TooFew { good: signed.len(), need }),
            None => Err(err),
        }
    }
}

/// Splits concatenated `.minisig` files: each starts with its `untrusted comment:` line.
fn split(sigs: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in sigs.lines().filter(|l| !l.trim().is_empty()) {
        if line.starts_with("untrusted comment:") || out.is_empty() {
            out.push(String::new());
        }
        let b = out.last_mut().expect("pushed above");
        b.push_str(line);
        b.push('\n');
    }
    out
}
