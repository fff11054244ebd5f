//! `[evidence]`: where the play log goes and when its files rotate; `[compliance]`: how
//! often each catalogue list must be disclosed (see `cadence`).
//!
//! Pure reading and validation: opens no file.

use std::path::{Path, PathBuf};

use super::cadence::{Compliance, Every, Rule, parse_within};
use crate::tomlread::Table;

#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceConfig {
    /// Where the hash-chained JSON Lines files go.
    pub dir: PathBuf,
    /// A file is rotated beyond this many bytes (and at every local midnight).
    pub rotate_bytes: u64,
}

impl EvidenceConfig {
    pub fn default_for(state_dir: &Path) -> EvidenceConfig {
        EvidenceConfig { dir: state_dir.join("evidence"), rotate_bytes: 16 << 20 }
    }
}

/// Reads `[evidence]`; absent means the defaults under `state_dir`.
pub(crate) fn parse_evidence(t: Option<Table<'_, '_>>, state_dir: &Path, rel: &dyn Fn(PathBuf) -> PathBuf) -> EvidenceConfig {
    let mut c = EvidenceConfig::default_for(state_dir);
    if let Some(mut t) = t {
        if let Some(d) = t.opt::<PathBuf>("dir") {
            c.dir = rel(d);
        }
        if let Some(mb) = t.int_in("rotate_mb", 1..=4096, Some(16)) {
            c.rotate_bytes = mb as u64 * 1024 * 1024;
        }
        t.finish();
    }
    c
}

const RHYTHMS_ZH: &str = "只能是 monthly（每月）、quarterly（每季度）、yearly（每年），或 { within = \"5d\" }（审批后 5 天内上屏）";
const RHYTHMS_EN: &str = "use monthly, quarterly, yearly, or { within = \"5d\" } (on screen within 5 days of approval)";
const WITHIN_ZH: &str = "within 写成带单位的天数或小时数，加引号，如 within = \"5d\"（5 天）或 \"36h\"（36 小时），最长 366 天";
const WITHIN_EN: &str = "write within as days or hours with a unit, in quotes: within = \"5d\" (5 days) or \"36h\" (36 hours), at most 366 days";

/// Reads `[compliance]`, reporting every mistake at its position; absent means no rule.
pub(crate) fn parse_compliance(t: Option<Table<'_, '_>>) -> Compliance {
    let Some(mut t) = t else { return Compliance::default() };
    let mut c = Compliance::default();
    for list in t.keys() {
        let pos = t.pos(&list);
        let rule = match t.opt::<toml::Value>(&list) {
            Some(toml::Value::String(s)) => match Every::parse(&s) {
                Some(e) => Some(Rule { every: Some(e), within: None }),
                None => {
                    let hint = if parse_within(&s).is_some() { format!("（要写成 {{ within = \"{s}\" }}）") } else { String::new() };
                    let hint_en = if hint.is_empty() { String::new() } else { format!(" (write {{ within = \"{s}\" }})") };
                    t.file.error(
                        pos,
                        format!("清单“{list}”的公开频率“{s}”无法识别{hint}：{RHYTHMS_ZH}"),
                        format!("unknown disclosure rhythm `{s}` for list `{list}`{hint_en}: {RHYTHMS_EN}"),
                    );
                    None
                }
            },
            Some(toml::Value::Table(_)) => t.sub(&list).and_then(|sub| rule_table(sub, &list)),
            Some(_) => {
                t.file.error(
                    pos,
                    format!("清单“{list}”的公开频率应加引号：{RHYTHMS_ZH}"),
                    format!("disclosure rhythm for list `{list}` must be quoted: {RHYTHMS_EN}"),
                );
                None
            }
            None => None,
        };
        if let Some(r) = rule {
            c.lists.insert(list, r);
        }
    }
    t.finish();
    c
}

fn rule_table(mut t: Table<'_, '_>, list: &str) -> Option<Rule> {
    let mut ok = true;
    let every = match t.opt::<toml::Value>("every") {
        None => None,
        Some(toml::Value::String(s)) if Every::parse(&s).is_some() => Every::parse(&s),
        Some(v) => {
            t.file.error(
                t.pos("every"),
                format!("清单“{list}”的 every“{v}”无法识别：{RHYTHMS_ZH}"),
                format!("unknown `every` {v} for list `{list}`: {RHYTHMS_EN}"),
            );
            ok = false;
            None
        }
    };
    let within = match t.opt::<toml::Value>("within") {
        None => None,
        Some(toml::Value::String(s)) if parse_within(&s).is_some() => parse_within(&s),
        Some(v) => {
            t.file.error(
                t.pos("within"),
                format!("清单“{list}”的 within = {v} 无法识别：{WITHIN_ZH}"),
                format!("cannot read within = {v} for list `{list}`: {WITHIN_EN}"),
            );
            ok = false;
            None
        }
    };
    if ok && every.is_none() && within.is_none() {
        t.file.error(t.span.start, format!("清单“{list}”没有写公开频率：{RHYTHMS_ZH}"), format!("list `{list}` has no rhythm: {RHYTHMS_EN}"));
    }
    t.finish();
    (ok && (every.is_some() || within.is_some())).then_some(Rule { every, within })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use jiff::SignedDuration;

    use super::*;
    use crate::tomlread::TomlFile;

    fn read(src: &str) -> (Compliance, Vec<String>) {
        let (file, root) = TomlFile::parse(Path::new("yiping.toml"), src);
        let mut top = file.table(&root, "config");
        let c = parse_compliance(top.sub("compliance"));
        top.finish();
        (c, file.into_diags().iter().map(|d| d.to_string()).collect())
    }

    #[test]
    fn the_rhythms_of_the_issue_read_and_mistakes_are_named_at_their_position() {
        let (c, d) = read(
            "[compliance]\n\"财务收支\" = \"monthly\"\n\"党务公开\" = \"quarterly\"\n\"低保\" = { within = \"5d\" }\n\"村务\" = { every = \"每季度\", within = \"36h\" }\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.lists["财务收支"], Rule { every: Some(Every::Monthly), within: None });
        assert_eq!(c.lists["低保"].within, Some(SignedDuration::from_hours(120)));
        assert_eq!(c.lists["村务"], Rule { every: Some(Every::Quarterly), within: Some(SignedDuration::from_hours(36)) });

        let (c, d) = read(
            "[compliance]\n\"财务\" = \"weekly\"\n\"低保\" = { within = 5 }\n\"党务\" = \"5d\"\n\"村务\" = { within = \"5d\", colour = 1 }\n\"空\" = {}\n",
        );
        assert_eq!(c.lists.keys().collect::<Vec<_>>(), ["村务"], "only the readable rule is kept");
        let all = d.join("\n");
        assert_eq!(d.len(), 5, "{all}");
        let has = |pos: &str, zh: &str, en: &str| d.iter().any(|m| m.contains(pos) && m.contains(zh) && m.contains(en));
        assert!(has("yiping.toml:2:", "清单“财务”的公开频率“weekly”无法识别：只能是 monthly（每月）", "unknown disclosure rhythm `weekly`"), "{all}");
        assert!(has("yiping.toml:3:", "within 写成带单位的天数或小时数，加引号，如 within = \"5d\"", "in quotes"), "{all}");
        assert!(has("yiping.toml:4:", "（要写成 { within = \"5d\" }）", "(write { within = \"5d\" })"), "{all}");
        assert!(has("yiping.toml:5:", "未知的键“colour”", "unknown key `colour`"), "{all}");
        assert!(has("yiping.toml:6:", "清单“空”没有写公开频率", "has no rhythm"), "{all}");
    }
}
