//! Issue 12, findings 10, 11 and 13 at the command line: local times in and out, Chinese
//! first on argument errors, readable log lines, and a demo that says how to quit and stops
//! when its terminal closes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::{item_json, root, stderr, stdout, write_config, yiping};

#[test]
fn at_takes_a_local_time_and_check_shows_times_in_the_configured_zone() {
    let t = tempfile::tempdir().unwrap();
    let cfg = write_config(t.path(), "name = \"门口\"\nwidth = 128\nheight = 32", None);
    std::fs::write(t.path().join("items/a.json"), item_json("a", "party", "党务公开", &["内容"])).unwrap();
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", "2026-12-01 09:00"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("条目 items（判断时间 judged at 2026-12-01 09:00 (+08:00)）"), "{out}");
    // A day alone is its midnight, local.
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", "2026-12-01"]);
    assert!(stdout(&o).contains("judged at 2026-12-01 00:00 (+08:00)"), "{}", stdout(&o));
    // Not a time: Chinese first, then clerk's usage error code.
    let o = yiping(t.path(), &["check", "--config", cfg.to_str().unwrap(), "--at", "明天早上"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("yiping: 错误：命令参数有误"), "{err}");
    assert!(err.contains("“明天早上”不是时间：请写成 2026-12-01 09:00（本地时间）"), "{err}");
}

/// The demo, with stderr read line by line; `until` returns once a line matches.
struct Demo {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Demo {
    fn start() -> Demo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_yiping"))
            .arg("run")
            .env("YIPING_FONTS", root().join("fonts"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || BufReader::new(err).lines().map_while(Result::ok).for_each(|l| drop(tx.send(l))));
        Demo { child, lines, seen: Vec::new() }
    }

    fn until(&mut self, what: impl Fn(&str) -> bool) -> String {
        loop {
            let l = self.lines.recv_timeout(std::time::Duration::from_secs(300)).unwrap_or_else(|e| panic!("{e}: {:#?}", self.seen));
            self.seen.push(l.clone());
            if what(&l) {
                return l;
            }
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_demo_says_how_to_quit_logs_plain_words_and_stops_when_its_terminal_closes() {
    let mut demo = Demo::start();
    let quit = demo.until(|l| l.contains("按 Ctrl-C 退出"));
    assert!(quit.starts_with("yiping: 演示："), "{quit}");
    // Log lines: durations and reasons in words, not `seconds=62.0` or `ended=Some(Preempted)`.
    let first = demo.until(|l| l.contains("on air"));
    assert!(first.contains("before=\"开始 / start\""), "{first}");
    let second = demo.until(|l| l.contains("on air"));
    assert!(second.contains("lasts=") && (second.contains("秒 / ") || second.contains("分 / ")), "{second}");
    assert!(!second.contains("Some(") && !second.contains("seconds="), "{second}");
    // Closing the terminal (SIGHUP): the demo has no file of the operator's to reload, so it stops.
    // SAFETY: signalling our own child by its id.
    assert_eq!(unsafe { libc::kill(demo.child.id() as i32, libc::SIGHUP) }, 0);
    let status = demo.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{:#?}", demo.seen);
}
