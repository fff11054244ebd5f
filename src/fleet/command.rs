//! Signed commands from the district: the envelope, the checks a command must pass, and what it asks.
//!
//! Payload: `{"body": "<command JSON as a string>", "minisig": "<minisign signature of body's bytes>"}`.
//! Checks, in this order, each before the next looks further: size, envelope,
//! signature (nothing in the body is read before it verifies), body format,
//! site (`S` or `*`), `issued_at` within `WINDOW` of the box's clock, nonce
//! not seen within the window. Pure: time and the nonce memory are arguments;
//! acting on a command is the link's job.

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::sources::http::verify::{Keys, VerifyError};

/// Largest command payload accepted (an urgent item with its text fits easily).
pub(crate) const MAX_PAYLOAD: usize = 256 * 1024;
/// How far `issued_at` may be from the box's clock, either way.
pub(crate) const WINDOW: SignedDuration = SignedDuration::from_mins(10);
/// Longest nonce accepted.
pub(crate) const MAX_NONCE: usize = 128;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    body: String,
    minisig: String,
}

/// The signed part.
#[derive(Debug, Deserialize)]
struct Body {
    cmd: String,
    site: String,
    issued_at: Timestamp,
    nonce: String,
    #[serde(default)]
    screen: Option<String>,
    #[serde(default)]
    item: Option<Box<RawValue>>,
    #[serde(default)]
    id: Option<String>,
}

/// What a verified command asks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// Poll every HTTP source now.
    Refresh,
    /// Publish the frame of one screen, or of every screen.
    Screenshot { screen: Option<String> },
    /// Show this item (JSON, the item format) as urgent until its `until`.
    Urgent { item: String },
    /// Withdraw an urgent item by id.
    UrgentCancel { id: String },
    /// Reload the configuration.
    Reload,
}

impl Action {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Action::Refresh => "refresh",
            Action::Screenshot { .. } => "screenshot",
            Action::Urgent { .. } => "urgent",
            Action::UrgentCancel { .. } => "urgent_cancel",
            Action::Reload => "reload",
        }
    }
}

/// A command that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Command {
    pub action: Action,
    pub nonce: String,
    pub site: String,
    pub issued_at: Timestamp,
}

/// Why a command is refused. What was readable of it rides along for the result and the record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("command larger than {MAX_PAYLOAD} bytes")]
    TooLarge,
    #[error("not a command envelope ({0}); expected {{\"body\": \"...\", \"minisig\": \"...\"}}")]
    Envelope(String),
    #[error("no command key is configured on this box: add the district's public key to command_keys")]
    NoKeys,
    #[error("{0}")]
    Signature(VerifyError),
    #[error("signed body is not a command ({0})")]
    Body(String),
    #[error("command is for site `{0}`, not this one")]
    WrongSite(String),
    #[error("command issued at {issued_at} is more than 10 minutes from this box's clock ({now}): expired, or a clock is wrong")]
    Expired { issued_at: Timestamp, now: Timestamp },
    #[error("nonce already used: a replayed command")]
    Replay,
    #[error("unknown command `{0}` (refresh, screenshot, urgent, urgent_cancel, reload)")]
    Unknown(String),
    #[error("{0}")]
    Arguments(String),
}

impl Refusal {
    pub(crate) fn zh(&self) -> String {
        match self {
            Refusal::TooLarge => format!("命令超过 {MAX_PAYLOAD} 字节"),
            Refusal::Envelope(_) => "不是命令信封（应为 {\"body\": …, \"minisig\": …}）".into(),
            Refusal::NoKeys => "本机没有配置命令公钥：请把区里的公钥加入 command_keys".into(),
            Refusal::Signature(e) => format!("签名无效：{}", e.zh()),
            Refusal::Body(_) => "已签名的内容不是命令".into(),
            Refusal::WrongSite(s) => format!("命令是发给站点“{s}”的，不是本机"),
            Refusal::Expired { .. } => "命令签发时间与本机时钟相差超过 10 分钟：已过期，或某一方时钟不准".into(),
            Refusal::Replay => "命令编号（nonce）已用过：重放的命令".into(),
            Refusal::Unknown(c) => format!("未知命令“{c}”"),
            Refusal::Arguments(e) => format!("命令参数有误：{e}"),
        }
    }

    /// A short stable name, for counting and for logging once per spell.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Refusal::TooLarge => "too_large",
            Refusal::Envelope(_) => "envelope",
            Refusal::NoKeys => "no_keys",
            Refusal::Signature(_) => "signature",
            Refusal::Body(_) => "body",
            Refusal::WrongSite(_) => "wrong_site",
            Refusal::Expired { .. } => "expired",
            Refusal::Replay => "replay",
            Refusal::Unknown(_) => "unknown",
            Refusal::Arguments(_) => "arguments",
        }
    }
}

/// What is known of a refused command (only from a body whose signature verified).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Known {
    pub cmd: Option<String>,
    pub nonce: Option<String>,
    pub site: Option<String>,
    pub issued_at: Option<Timestamp>,
}

/// A refused command: why, and what was readable of it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Refused {
    pub why: Refusal,
    pub known: Known,
}

fn no(why: Refusal, known: &Known) -> Box<Refused> {
    Box::new(Refused { why, known: known.clone() })
}

/// Checks a payload. `seen(nonce)` says whether a nonce was used within the window;
/// the caller remembers the nonce of an accepted command before acting on it.
pub(crate) fn check(payload: &[u8], keys: &Keys, site: &str, now: Timestamp, seen: impl Fn(&str) -> bool) -> Result<Command, Box<Refused>> {
    let mut known = Known::default();
    if payload.len() > MAX_PAYLOAD {
        return Err(no(Refusal::TooLarge, &known));
    }
    let env: Envelope = serde_json::from_slice(payload).map_err(|e| no(Refusal::Envelope(e.to_string()), &known))?;
    if keys.is_empty() {
        return Err(no(Refusal::NoKeys, &known));
    }
    keys.verify(env.body.as_bytes(), &env.minisig).map_err(|e| no(Refusal::Signature(e), &known))?;
    let body: Body = serde_json::from_str(&env.body).map_err(|e| no(Refusal::Body(e.to_string()), &known))?;
    known = Known { cmd: Some(body.cmd.clone()), nonce: Some(body.nonce.clone()), site: Some(body.site.clone()), issued_at: Some(body.issued_at) };
    if body.site != site && body.site != "*" {
        return Err(no(Refusal::WrongSite(body.site), &known));
    }
    let off = now.duration_since(body.issued_at).abs();
    if off > WINDOW {
        return Err(no(Refusal::Expired { issued_at: body.issued_at, now }, &known));
    }
    if body.nonce.is_empty() || body.nonce.len() > MAX_NONCE {
        return Err(no(Refusal::Arguments(format!("nonce must be 1..{MAX_NONCE} characters")), &known));
    }
    if seen(&body.nonce) {
        return Err(no(Refusal::Replay, &known));
    }
    let action = match body.cmd.as_str() {
        "refresh" => Action::Refresh,
        "reload" => Action::Reload,
        "screenshot" => Action::Screenshot { screen: body.screen },
        "urgent" => match body.item {
            Some(raw) => Action::Urgent { item: raw.get().to_string() },
            None => return Err(no(Refusal::Arguments("urgent needs `item`".into()), &known)),
        },
        "urgent_cancel" => match body.id {
            Some(id) if !id.is_empty() => Action::UrgentCancel { id },
            _ => return Err(no(Refusal::Arguments("urgent_cancel needs `id`".into()), &known)),
        },
        other => return Err(no(Refusal::Unknown(other.to_string()), &known)),
    };
    Ok(Command { action, nonce: body.nonce, site: body.site, issued_at: body.issued_at })
}

/// Makes a signed payload (district side): the body as compact JSON and its minisign signature.
pub fn envelope(body: &serde_json::Value, sign: impl FnOnce(&[u8]) -> Result<String, String>) -> Result<Vec<u8>, String> {
    let body = serde_json::to_string(body).map_err(|e| e.to_string())?;
    let minisig = sign(body.as_bytes())?;
    Ok(envelope_raw(&body, &minisig))
}

/// The payload for a body already in text form and its signature (the fuzz target signs arbitrary bodies).
pub(crate) fn envelope_raw(body: &str, minisig: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"body": body, "minisig": minisig})).expect("strings serialize")
}

/// Signs bytes with a minisign secret key; the text is what a `.minisig` file holds.
pub fn sign_with(sk: &minisign::SecretKey, bytes: &[u8]) -> Result<String, String> {
    let sig = minisign::sign(None, sk, std::io::Cursor::new(bytes), Some("yiping fleet command"), None).map_err(|e| e.to_string())?;
    Ok(sig.into_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Keyed {
        sk: minisign::SecretKey,
        keys: Keys,
    }

    fn keyed() -> Keyed {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let keys = Keys::new(&[kp.pk.to_base64()]).unwrap();
        Keyed { sk: kp.sk, keys }
    }

    fn now() -> Timestamp {
        "2026-12-01T01:00:00Z".parse().unwrap()
    }

    fn body(cmd: &str, site: &str, at: &str, nonce: &str) -> serde_json::Value {
        json!({"cmd": cmd, "site": site, "issued_at": at, "nonce": nonce})
    }

    fn payload(k: &Keyed, b: &serde_json::Value) -> Vec<u8> {
        envelope(b, |bytes| sign_with(&k.sk, bytes)).unwrap()
    }

    fn refusal(r: Result<Command, Box<Refused>>) -> Refusal {
        r.expect_err("refused").why
    }

    #[test]
    fn a_signed_current_command_for_this_site_or_all_is_accepted() {
        let k = keyed();
        let c = check(&payload(&k, &body("refresh", "qingshan", "2026-12-01T00:55:00Z", "n1")), &k.keys, "qingshan", now(), |_| false).unwrap();
        assert_eq!((c.action, c.nonce.as_str()), (Action::Refresh, "n1"));
        let mut b = body("screenshot", "*", "2026-12-01T01:09:00Z", "n2");
        b["screen"] = json!("门口");
        let c = check(&payload(&k, &b), &k.keys, "qingshan", now(), |_| false).unwrap();
        assert_eq!(c.action, Action::Screenshot { screen: Some("门口".into()) });
        let mut b = body("urgent", "qingshan", "2026-12-01T01:00:00Z", "n3");
        b["item"] = json!({"id": "flood", "priority": "urgent"});
        let c = check(&payload(&k, &b), &k.keys, "qingshan", now(), |_| false).unwrap();
        assert_eq!(c.action, Action::Urgent { item: r#"{"id":"flood","priority":"urgent"}"#.into() });
    }

    #[test]
    fn forged_foreign_stale_replayed_and_unsigned_commands_are_refused() {
        let k = keyed();
        let other = keyed();
        let good = body("refresh", "qingshan", "2026-12-01T01:00:00Z", "n1");
        // Signed by a key the box does not trust.
        assert_eq!(refusal(check(&payload(&other, &good), &k.keys, "qingshan", now(), |_| false)), Refusal::Signature(VerifyError::UnknownKey));
        // Body changed after signing.
        let p = payload(&k, &good);
        let tampered = String::from_utf8(p).unwrap().replace("refresh", "reload");
        assert_eq!(refusal(check(tampered.as_bytes(), &k.keys, "qingshan", now(), |_| false)), Refusal::Signature(VerifyError::Invalid));
        // No signature at all.
        let unsigned = json!({"body": good.to_string(), "minisig": ""}).to_string();
        assert_eq!(refusal(check(unsigned.as_bytes(), &k.keys, "qingshan", now(), |_| false)), Refusal::Signature(VerifyError::Malformed));
        assert!(matches!(refusal(check(b"{\"cmd\":\"refresh\"}", &k.keys, "qingshan", now(), |_| false)), Refusal::Envelope(_)));
        // Another site.
        let r = check(&payload(&k, &body("refresh", "baiyun", "2026-12-01T01:00:00Z", "n1")), &k.keys, "qingshan", now(), |_| false).unwrap_err();
        assert_eq!((r.why, r.known.nonce.as_deref()), (Refusal::WrongSite("baiyun".into()), Some("n1")));
        // Too old, or from the future.
        let old = payload(&k, &body("refresh", "qingshan", "2026-12-01T00:49:59Z", "n1"));
        assert!(matches!(refusal(check(&old, &k.keys, "qingshan", now(), |_| false)), Refusal::Expired { .. }));
        let future = payload(&k, &body("refresh", "qingshan", "2026-12-01T01:10:01Z", "n1"));
        assert!(matches!(refusal(check(&future, &k.keys, "qingshan", now(), |_| false)), Refusal::Expired { .. }));
        // Seen before.
        assert_eq!(refusal(check(&payload(&k, &good), &k.keys, "qingshan", now(), |n| n == "n1")), Refusal::Replay);
        // No keys configured: nothing is obeyed.
        assert_eq!(refusal(check(&payload(&k, &good), &Keys::new(&[]).unwrap(), "qingshan", now(), |_| false)), Refusal::NoKeys);
        // Signed but meaningless.
        assert_eq!(
            refusal(check(&payload(&k, &body("format_disk", "*", "2026-12-01T01:00:00Z", "n9")), &k.keys, "qingshan", now(), |_| false)),
            Refusal::Unknown("format_disk".into())
        );
        assert!(matches!(
            refusal(check(&payload(&k, &body("urgent", "*", "2026-12-01T01:00:00Z", "n9")), &k.keys, "qingshan", now(), |_| false)),
            Refusal::Arguments(_)
        ));
        assert_eq!(refusal(check(&vec![b' '; MAX_PAYLOAD + 1], &k.keys, "qingshan", now(), |_| false)), Refusal::TooLarge);
    }
}
