//! Which personal numbers are masked, by catalogue list: `[masking]` of the config.
//!
//! Pure reading and validation; the masking itself is `mask::mask`.

use std::collections::BTreeMap;

use crate::tomlread::Table;

use super::MaskRules;

/// Which personal numbers are masked, by catalogue list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaskPolicy {
    pub lists: BTreeMap<String, MaskRules>,
}

impl MaskPolicy {
    pub fn rules_for(&self, list: Option<&str>) -> MaskRules {
        list.and_then(|l| self.lists.get(l).copied()).unwrap_or_default()
    }
}

/// Reads `[masking]`; absent means every kind masked on every list.
pub(crate) fn parse_masking(m: Option<Table<'_, '_>>) -> MaskPolicy {
    let mut masking = MaskPolicy::default();
    if let Some(mut m) = m {
        if let Some(mut lists) = m.sub("lists") {
            for name in lists.keys() {
                if let Some(mut l) = lists.sub(&name) {
                    let d = MaskRules::default();
                    let rules = MaskRules {
                        id_card: l.or("id_card", d.id_card),
                        mobile: l.or("mobile", d.mobile),
                        bank_card: l.or("bank_card", d.bank_card),
                    };
                    l.finish();
                    masking.lists.insert(name, rules);
                }
            }
            lists.finish();
        }
        m.finish();
    }
    masking
}
