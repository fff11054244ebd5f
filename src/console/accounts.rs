//! Console accounts: a small text file of `name:role:argon2id-hash` lines, mode 0600.
//!
//! Passwords are kept only as Argon2id hashes (PHC strings). There is no default
//! account: until `yiping user add` writes the first one, nobody can log in. The daemon
//! rereads the file when it changes, so an account added or removed from the shell takes
//! effect at once. This module never logs a password or a hash.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::fsutil::write_atomic_private;

/// What an account may do. Each role sees only its own pages and forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Edits items and playlists (文书).
    Clerk,
    /// Reads status and reports (查看).
    Viewer,
    /// Everything, including accounts (管理员).
    Admin,
}

impl Role {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Role::Clerk => "文书",
            Role::Viewer => "查看",
            Role::Admin => "管理员",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Role> {
        match s {
            "clerk" => Some(Role::Clerk),
            "viewer" => Some(Role::Viewer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Edits items and playlists, imports Excel, previews drafts.
    pub(crate) fn edits(self) -> bool {
        matches!(self, Role::Clerk | Role::Admin)
    }

    /// Downloads reports.
    pub(crate) fn reads_reports(self) -> bool {
        matches!(self, Role::Viewer | Role::Admin)
    }

    pub(crate) fn manages_users(self) -> bool {
        self == Role::Admin
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// `$argon2id$v=19$m=...,t=...,p=...$salt$hash`.
    pub hash: String,
}

/// A message for the operator, Chinese first.
pub(crate) type Msg = (String, String);

/// Names are what people type on a phone: letters (any script), digits, `_ . -`; 1 to 32.
pub(crate) fn check_name(name: &str) -> Result<(), Msg> {
    let n = name.chars().count();
    if n == 0 || n > 32 || !name.chars().all(|c| c.is_alphanumeric() || "_.-".contains(c)) || name.starts_with(['.', '-']) {
        return Err((
            format!("用户名“{name}”无效：只能用字母、汉字、数字和 _ . -，1 到 32 个字"),
            format!("user name `{name}` is not valid: letters, digits, _ . - only, 1 to 32 characters"),
        ));
    }
    Ok(())
}

/// Passwords anyone would try first.
const COMMON: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "88888888",
    "66666666",
    "11111111",
    "00000000",
    "password",
    "password1",
    "qwertyui",
    "yiping123",
    "admin123",
    "abc12345",
    "a1234567",
];

/// At least 8 characters (OWASP ASVS level 1), at most 128, not the name, not a common one.
pub(crate) fn check_password(name: &str, pw: &str) -> Result<(), Msg> {
    let n = pw.chars().count();
    if n < 8 {
        return Err(("密码至少 8 个字符".into(), "password must be at least 8 characters".into()));
    }
    if n > 128 {
        return Err(("密码最多 128 个字符".into(), "password must be at most 128 characters".into()));
    }
    if pw.eq_ignore_ascii_case(name) || COMMON.contains(&pw.to_lowercase().as_str()) || pw.chars().all(|c| pw.starts_with(c)) {
        return Err((
            "密码太容易被猜到（不能是用户名、常见密码或同一个字重复），请换一个".into(),
            "password is too easy to guess (the name, a common password or one repeated character): choose another".into(),
        ));
    }
    Ok(())
}

/// Hashes a password with Argon2id (m = 19 MiB, t = 2, p = 1: OWASP's recommendation) and a random salt.
pub fn hash_password(pw: &str) -> Result<String, String> {
    let out = Argon2::default().hash_password(pw.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string());
    give_back_memory();
    out
}

/// Whether `pw` matches the stored hash. Hashes with absurd costs (a hand-edited file) never match.
pub(crate) fn verify_password(hash: &str, pw: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    if !sane_cost(hash) {
        return false;
    }
    let ok = Argon2::default().verify_password(pw.as_bytes(), &parsed).is_ok();
    give_back_memory();
    ok
}

/// Each hash borrows 19 MiB. glibc keeps freed blocks of that size in the calling
/// thread's arena (its mmap threshold grows after the first free), so five logins on
/// different worker threads left the daemon at 75 MB resident; hand it back to the system.
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory at the top of glibc's heaps; it takes
    // no pointers and is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// A hash to verify against when the name is unknown, so a wrong name costs as long as a wrong password.
pub(crate) fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("no such account: a fixed string to spend the same time").unwrap_or_default())
}

/// Argon2id with memory at most 256 MiB and at most 16 passes.
fn sane_cost(hash: &str) -> bool {
    let Some(params) = hash.split('$').find(|p| p.starts_with("m=")) else { return false };
    let get = |k: &str| params.split(',').find_map(|kv| kv.strip_prefix(k)).and_then(|v| v.parse::<u64>().ok());
    hash.starts_with("$argon2id$") && get("m=").is_some_and(|m| m <= 256 * 1024) && get("t=").is_some_and(|t| t <= 16)
}

/// Why the accounts file cannot be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FileError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}:{line}: {what}")]
    Bad { path: PathBuf, line: usize, what: String },
}

const HEADER: &str = "# yiping console accounts (一屏控制台账号): name:role:argon2id-hash, one a line.\n\
# Manage them with `yiping user add|del|list|passwd NAME --config CFG`; never edit hashes by hand.\n";

/// Reads the accounts file; a missing file is no accounts.
pub(crate) fn load(path: &Path) -> Result<Vec<Account>, FileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(FileError::Io { path: path.to_path_buf(), source: e }),
    };
    let mut out: Vec<Account> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: String| FileError::Bad { path: path.to_path_buf(), line: i + 1, what };
        let mut parts = line.splitn(3, ':');
        let (Some(name), Some(role), Some(hash)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected name:role:hash".into()));
        };
        check_name(name).map_err(|(_, en)| bad(en))?;
        let role = Role::parse(role).ok_or_else(|| bad(format!("unknown role `{role}` (clerk, viewer or admin)")))?;
        if PasswordHash::new(hash).is_err() || !sane_cost(hash) {
            return Err(bad(format!("the hash of `{name}` is not an Argon2id PHC string with sane costs")));
        }
        if out.iter().any(|a| a.name == name) {
            return Err(bad(format!("`{name}` appears twice")));
        }
        out.push(Account { name: name.to_string(), role, hash: hash.to_string() });
    }
    Ok(out)
}

/// Writes the accounts file atomically with mode 0600. When run as root (`sudo yiping user
/// add`), the file is given to the owner of its directory, so the daemon's own user can read it.
pub fn save(path: &Path, accounts: &[Account]) -> io::Result<()> {
    let mut text = String::from(HEADER);
    for a in accounts {
        text.push_str(&format!("{}:{}:{}\n", a.name, a.role.key(), a.hash));
    }
    write_atomic_private(path, text.as_bytes())?;
    give_to_directory_owner(path)
}

fn give_to_directory_owner(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(());
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let md = std::fs::metadata(dir)?;
    std::os::unix::fs::chown(path, Some(md.uid()), Some(md.gid()))
}

/// The file's identity and version, to notice edits from the shell.
pub(crate) fn stamp(path: &Path) -> Option<(SystemTime, u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::metadata(path).ok()?;
    Some((md.modified().ok()?, md.len(), md.ino()))
}

/// The accounts as the daemon holds them, reread when the file changes.
pub(crate) struct Book {
    path: PathBuf,
    stamp: Option<(SystemTime, u64, u64)>,
    loaded: bool,
    accounts: Vec<Account>,
    /// Why the file was last refused (logged once per change).
    pub error: Option<String>,
}

impl Book {
    pub(crate) fn new(path: &Path) -> Book {
        let mut b = Book { path: path.to_path_buf(), stamp: None, loaded: false, accounts: Vec::new(), error: None };
        b.refresh();
        b
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Rereads the file if it changed. A broken file keeps nobody logged in: it gives no accounts.
    pub(crate) fn refresh(&mut self) {
        let now = stamp(&self.path);
        if self.loaded && now == self.stamp {
            return;
        }
        self.stamp = now;
        self.loaded = true;
        match load(&self.path) {
            Ok(a) => {
                self.accounts = a;
                self.error = None;
            }
            Err(e) => {
                tracing::error!(error = %e, "console accounts file refused: nobody can log in until it is fixed (yiping user list --config ...)");
                self.accounts.clear();
                self.error = Some(e.to_string());
            }
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.name == name)
    }

    pub(crate) fn all(&self) -> &[Account] {
        &self.accounts
    }

    /// Replaces the accounts and writes the file.
    pub(crate) fn store(&mut self, accounts: Vec<Account>) -> io::Result<()> {
        save(&self.path, &accounts)?;
        self.accounts = accounts;
        self.stamp = stamp(&self.path);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_stored_only_as_an_argon2id_hash_and_verifies() {
        let h = hash_password("村务公开2026").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!h.contains("村务公开2026"));
        assert!(verify_password(&h, "村务公开2026"));
        assert!(!verify_password(&h, "村务公开2025"));
        assert!(!verify_password("garbage", "x"));
    }

    #[test]
    fn the_file_round_trips_with_mode_0600_and_refuses_hand_edits() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("console-users");
        assert!(load(&p).unwrap().is_empty(), "no file: no accounts, no default one");
        let a = Account { name: "张会计".into(), role: Role::Clerk, hash: hash_password("abcdefgh9").unwrap() };
        save(&p, std::slice::from_ref(&a)).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(load(&p).unwrap(), vec![a.clone()]);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, text.replace(":clerk:", ":boss:")).unwrap();
        assert!(load(&p).unwrap_err().to_string().contains(":3: unknown role `boss`"));
        // A hash asking for 4 GiB of memory would let a hand edit stall every login.
        let greedy = a.hash.replace("m=19456", "m=4194304");
        std::fs::write(&p, format!("x:admin:{greedy}\n")).unwrap();
        assert!(load(&p).is_err());
        assert!(!verify_password(&greedy, "abcdefgh9"));
    }

    #[test]
    fn names_and_passwords_are_checked_with_chinese_first_messages() {
        assert!(check_name("张会计").is_ok());
        assert!(check_name("li.ming-2").is_ok());
        for bad in ["", "a b", "a:b", "../x", ".x", &"长".repeat(33)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_password("li", "short").unwrap_err().0.contains("至少 8"));
        assert!(check_password("li", "88888888").is_err());
        assert!(check_password("lixiaoming", "LiXiaoMing").is_err());
        assert!(check_password("li", "aaaaaaaaaa").is_err());
        assert!(check_password("li", "青山村2026年公开").is_ok());
    }
}
