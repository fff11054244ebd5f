//! Which playlist applies at a moment, and the weighted order of a playlist's slots.

use jiff::ZonedDateTime;

use super::Playlist;

/// The playlist a screen plays at `local`: the highest-priority scheduled playlist
/// whose rule holds (the first listed wins a tie), else the screen's default.
pub(crate) fn active<'p>(scheduled: &[&'p Playlist], default: &'p Playlist, local: &ZonedDateTime) -> &'p Playlist {
    let mut best: Option<&Playlist> = None;
    for p in scheduled {
        if p.when.matches(local) && best.is_none_or(|b| p.priority > b.priority) {
            best = Some(p);
        }
    }
    best.unwrap_or(default)
}

/// The rotation cycle as slot indices: a slot of weight w takes w turns, spread
/// evenly (smooth weighted round robin), so `[a:1, b:2, c:1]` gives `b a c b`... in a fixed order.
pub(crate) fn cycle(p: &Playlist) -> Vec<usize> {
    let weights: Vec<i64> = p.slots.iter().map(|s| s.weight.max(1) as i64).collect();
    let total: i64 = weights.iter().sum();
    let mut current = vec![0i64; weights.len()];
    let mut out = Vec::with_capacity(total as usize);
    for _ in 0..total {
        for (c, w) in current.iter_mut().zip(&weights) {
            *c += w;
        }
        // Ties go to the earlier slot, so weight-1 playlists keep file order.
        let (i, _) = current.iter().enumerate().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0))).expect("non-empty");
        current[i] -= total;
        out.push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::playlist::default_playlist;

    #[test]
    fn weights_spread_turns_evenly_and_keep_order_otherwise() {
        let mut p = default_playlist();
        assert_eq!(cycle(&p), vec![0, 1, 2, 3]);
        p.slots[2].weight = 3;
        let c = cycle(&p);
        assert_eq!(c.iter().filter(|&&i| i == 2).count(), 3);
        assert_eq!(c.len(), 6);
        assert!(c.windows(2).all(|w| w[0] != w[1]), "no slot twice in a row: {c:?}");
    }
}
