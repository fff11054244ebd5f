//! Where a rehearsal (`run --at`, the demo) keeps its evidence: a log of its own under
//! `state_dir`, never `[evidence] dir`.
//!
//! A rehearsal's clock is made up, so its plays never happened; in the real log they
//! could never be removed again (the hash chain forbids it) and a report would count
//! them. This module only names the folder and says so; it deletes nothing.

use std::path::{Path, PathBuf};

/// The rehearsal log's folder name under `state_dir`.
pub(crate) const DIR: &str = "rehearsal-evidence";

/// The rehearsal log's folder for a state directory.
pub(crate) fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join(DIR)
}

/// What `run` prints at start: where a rehearsal's records go, and where they do not.
pub(crate) fn notice(at: jiff::Timestamp, rehearsal: &Path, real: &Path) -> String {
    format!(
        "演练：时钟从 {at} 开始，显示记录写入演练文件夹 {}，不写入正式记录 {}（演练的播放不算公开）\n\
         rehearsal: the clock starts at {at}; evidence goes to {}, never to the real log {} (rehearsed plays are not disclosure)",
        rehearsal.display(),
        real.display(),
        rehearsal.display(),
        real.display()
    )
}
