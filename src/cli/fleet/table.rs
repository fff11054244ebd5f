//! `yiping fleet --broker URL`: one line per site from the retained presence, status and head messages.
//!
//! Read-only: subscribes, listens a few seconds (the broker hands over what
//! it retained at once), prints. With `--watch` it redraws until Ctrl-C.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use jiff::Timestamp;
use rumqttc::{Event, Incoming, QoS};
use serde_json::Value;

use super::Conn;
use crate::fleet::topics::{Seen, classify};

/// What the district knows of one site.
#[derive(Debug, Default, Clone)]
pub(crate) struct SiteView {
    pub online: Option<bool>,
    pub status: Option<Value>,
    pub head: Option<Value>,
}

pub(crate) async fn show(conn: Conn, watch: bool, listen: Duration) -> anyhow::Result<ExitCode> {
    let (client, mut ev) = conn.client(format!("yiping-fleet-{}", super::id_suffix()), true, false)?;
    let p = &conn.prefix;
    for t in [format!("{p}/+/online"), format!("{p}/+/status"), format!("{p}/+/evidence/head")] {
        client.subscribe(t, QoS::AtLeastOnce).await?;
    }
    let mut sites: BTreeMap<String, SiteView> = BTreeMap::new();
    let mut until = tokio::time::Instant::now() + listen;
    loop {
        match tokio::time::timeout_at(until, ev.poll()).await {
            Ok(Ok(Event::Incoming(Incoming::Publish(m)))) => {
                let v: Option<Value> = serde_json::from_slice(&m.payload).ok();
                match classify(p, &m.topic) {
                    Seen::Online(s) => sites.entry(s.to_string()).or_default().online = v.as_ref().and_then(Value::as_bool),
                    Seen::Status(s) => sites.entry(s.to_string()).or_default().status = v,
                    Seen::Head(s) => sites.entry(s.to_string()).or_default().head = v,
                    _ => {}
                }
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => anyhow::bail!(
                "无法连接区级代理 {}：{e}；请检查地址、端口、证书和口令 / cannot reach the broker {}: {e}; check address, port, certificate and password",
                conn.broker,
                conn.broker
            ),
            Err(_) => {
                let now = crate::clock::Clock::System.now();
                let text = render(&sites, now);
                if watch {
                    print!("\x1b[2J\x1b[H{text}");
                    until = tokio::time::Instant::now() + Duration::from_secs(2);
                    continue;
                }
                print!("{text}");
                let bad = sites.values().any(|s| !row(s, now).healthy);
                return Ok(if bad { ExitCode::from(crate::cli::EXIT_PROBLEMS) } else { ExitCode::SUCCESS });
            }
        }
    }
}

/// One row's cells, and whether the site is fine.
struct Row {
    cells: [String; 9],
    healthy: bool,
}

fn age(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

fn since(v: &Value, now: Timestamp) -> Option<f64> {
    let t: Timestamp = v.as_str()?.parse().ok()?;
    Some(now.duration_since(t).as_secs_f64())
}

fn row(s: &SiteView, now: Timestamp) -> Row {
    let mut healthy = s.online == Some(true);
    let online = match s.online {
        Some(true) => "在线 yes".to_string(),
        Some(false) => "离线 NO".to_string(),
        None => "? 未知".to_string(),
    };
    let empty = Value::Null;
    let st = s.status.as_ref().unwrap_or(&empty);
    let status_age = since(&st["now"], now).map_or("-".into(), age);
    let mut screens = Vec::new();
    let mut power = Vec::new();
    for sc in st["screens"].as_array().into_iter().flatten() {
        let name = sc["name"].as_str().unwrap_or("?");
        let item = sc["on_air"]["item"].as_str().unwrap_or("-");
        screens.push(format!("{name}:{item}"));
        let on = sc["power"]["on"].as_bool();
        power.push(match on {
            Some(true) => format!("{}%", sc["power"]["brightness"].as_u64().unwrap_or(0)),
            Some(false) => "关 off".into(),
            None => "?".into(),
        });
    }
    let mut failing = Vec::new();
    for k in st["sinks"].as_array().into_iter().flatten() {
        if k["state"] == "failing" {
            failing.push(format!("{}/{}", k["screen"].as_str().unwrap_or("?"), k["kind"].as_str().unwrap_or("?")));
        }
    }
    let mut feed = Vec::new();
    for (name, src) in st["sources"].as_object().into_iter().flatten() {
        if src["ok"] == false {
            failing.push(format!("src:{name}"));
        }
        if let Some(stale) = src["stale_seconds"].as_f64()
            && stale > 3600.0
        {
            feed.push(format!("{name} {}", age(stale)));
        }
    }
    if st["healthy"] == false {
        failing.push("unhealthy".into());
    }
    healthy &= failing.is_empty() && s.status.is_some();
    let head = match &s.head {
        Some(h) => format!("#{} {}", h["seq"].as_u64().map_or("?".into(), |x| x.to_string()), since(&h["at"], now).map_or("-".into(), age)),
        None => "-".into(),
    };
    let below = st["below_min_today"].as_array().map_or(0, Vec::len);
    Row {
        cells: [
            String::new(),
            online,
            status_age,
            if screens.is_empty() { "-".into() } else { screens.join(" ") },
            if power.is_empty() { "-".into() } else { power.join(" ") },
            if failing.is_empty() { "-".into() } else { failing.join(" ") },
            if feed.is_empty() { "-".into() } else { feed.join(" ") },
            head,
            if below == 0 { "-".into() } else { below.to_string() },
        ],
        healthy,
    }
}

/// Columns in terminal cells: CJK and fullwidth characters take two.
fn width(s: &str) -> usize {
    s.chars().map(|c| if matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD) { 2 } else { 1 }).sum()
}

/// The table, with a header in Chinese and English and a line on how to read it.
pub(crate) fn render(sites: &BTreeMap<String, SiteView>, now: Timestamp) -> String {
    let header = [
        "站点 site",
        "在线 online",
        "状态 age",
        "正在显示 on air",
        "亮度 power",
        "故障 failing",
        "信息源过期 stale feed",
        "证据 head",
        "未达最低 below min",
    ];
    let mut rows: Vec<[String; 9]> = vec![header.map(String::from)];
    for (name, s) in sites {
        let mut r = row(s, now).cells;
        r[0] = name.clone();
        rows.push(r);
    }
    let mut widths = [0usize; 9];
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r.iter().enumerate().map(|(i, c)| format!("{c}{}", " ".repeat(widths[i] - width(c)))).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    if sites.is_empty() {
        out.push_str("（还没有任何站点上报 / no site has reported yet: check --prefix and that the boxes have [fleet] configured）\n");
    }
    out.push_str(&format!(
        "\n{} 个站点 / {} site(s) at {}. 状态 age = 多久前收到状态 (time since the last status); 证据 head = 最新记录序号与其时间 (newest evidence record); 未达最低 = 今天尚未达到每日最低播放时长的条目数 (items below their daily minimum so far today).\n",
        sites.len(),
        sites.len(),
        now.strftime("%Y-%m-%d %H:%M:%S UTC")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_site_row_says_what_is_on_what_fails_and_how_old_the_news_is() {
        let now: Timestamp = "2026-12-01T02:00:00Z".parse().unwrap();
        let mut sites = BTreeMap::new();
        sites.insert(
            "qingshan".to_string(),
            SiteView {
                online: Some(true),
                status: Some(json!({
                    "now": "2026-12-01T01:59:30Z", "healthy": true,
                    "screens": [{"name": "门口", "on_air": {"item": "local/a"}, "power": {"on": true, "brightness": 80}}],
                    "sinks": [{"screen": "门口", "kind": "bx", "state": "failing"}],
                    "sources": {"district": {"ok": true, "stale_seconds": 90000.0}},
                    "below_min_today": [{"item": "x"}, {"item": "y"}],
                })),
                head: Some(json!({"seq": 4411, "hash": "ab", "at": "2026-12-01T01:55:00Z"})),
            },
        );
        sites.insert("baiyun".to_string(), SiteView { online: Some(false), ..Default::default() });
        let t = render(&sites, now);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("站点 site"), "{t}");
        assert!(lines[1].starts_with("baiyun") && lines[1].contains("离线 NO"), "{t}");
        let q = lines[2];
        for want in ["在线 yes", "30s", "门口:local/a", "80%", "门口/bx", "district 25h", "#4411 5m", " 2"] {
            assert!(q.contains(want), "{want:?} in {q:?}");
        }
        assert!(!row(&sites["qingshan"], now).healthy, "a failing sink is a problem");
        // Columns line up in terminal cells, Chinese counting double.
        let col = |l: &str| width(&l[..l.find("在线").or_else(|| l.find("离线")).unwrap()]);
        assert_eq!(col(lines[0]), col(lines[1]));
    }
}
