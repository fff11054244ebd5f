//! A real Mosquitto broker for the fleet tests (started on a free loopback port with a generated
//! config, stopped on drop) and a small MQTT subscriber that records what it sees.
//!
//! When the `mosquitto` binary is missing the tests that need it say so loudly and
//! return; `.ci/run` installs Debian's mosquitto, so in CI they always run.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, Incoming, MqttOptions, QoS};

/// The broker binary, if installed (Debian puts it in /usr/sbin).
pub fn mosquitto_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|d| d.join("mosquitto"))
        .find(|p| p.is_file())
}

/// Prints why a test did nothing; returns `None` so the caller can `else { return }`.
pub fn skip_without_mosquitto() -> Option<PathBuf> {
    let b = mosquitto_binary();
    if b.is_none() {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!! SKIPPED: mosquitto is not installed (apt-get install mosquitto mosquitto-clients);\n!! this fleet test needs a real broker. .ci/run installs it.\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
    }
    b
}

pub struct Broker {
    pub port: u16,
    bin: PathBuf,
    conf: PathBuf,
    child: Option<Child>,
    pub dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Broker {
    /// Starts a broker with persistence (so subscriptions and retained messages survive `restart`).
    pub fn start(bin: &Path) -> Broker {
        Broker::start_with(bin, "")
    }

    /// Starts a broker with extra configuration lines (ACLs, password files).
    pub fn start_with(bin: &Path, extra: &str) -> Broker {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let conf = dir.path().join("mosquitto.conf");
        let anonymous = if extra.contains("password_file") { "false" } else { "true" };
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous {anonymous}\npersistence true\npersistence_location {}/\nautosave_interval 1\nmax_queued_messages 1000000\nlog_dest file {}/mosquitto.log\nlog_type error\nlog_type warning\nlog_type notice\n{extra}\n",
                dir.path().display(),
                dir.path().display()
            ),
        )
        .unwrap();
        let mut b = Broker { port, bin: bin.to_path_buf(), conf, child: None, dir };
        b.restart();
        b
    }

    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    #[allow(dead_code)]
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Starts (again) on the same port and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.stop();
        let child =
            Command::new(&self.bin).arg("-c").arg(&self.conf).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        self.child = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "mosquitto did not start on port {}: {}",
            self.port,
            std::fs::read_to_string(self.dir.path().join("mosquitto.log")).unwrap_or_default()
        );
    }

    /// Stops it cleanly (SIGTERM: it saves its persistence file) and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: signalling our own child process by its id.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let _ = c.wait();
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One message as a subscriber saw it.
#[derive(Debug, Clone)]
pub struct Msg {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
}

impl Msg {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }
}

/// A subscriber on its own task; with `persistent` the broker keeps its session (and queues for it) while it is away.
pub struct Sub {
    pub seen: Arc<Mutex<Vec<Msg>>>,
    #[allow(dead_code)]
    pub client: AsyncClient,
    task: tokio::task::JoinHandle<()>,
}

impl Sub {
    pub fn start(port: u16, id: &str, topics: &[&str], persistent: bool) -> Sub {
        let mut o = MqttOptions::new(id, "127.0.0.1", port);
        o.set_clean_session(!persistent);
        o.set_keep_alive(Duration::from_secs(5));
        o.set_max_packet_size(16 << 20, 16 << 20);
        let (client, mut ev) = AsyncClient::new(o, 100);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (s, c) = (Arc::clone(&seen), client.clone());
        let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
        let task = tokio::spawn(async move {
            loop {
                match ev.poll().await {
                    Ok(Event::Incoming(Incoming::ConnAck(_))) => {
                        for t in &topics {
                            let _ = c.subscribe(t.clone(), QoS::AtLeastOnce).await;
                        }
                    }
                    Ok(Event::Incoming(Incoming::Publish(p))) => {
                        s.lock().unwrap().push(Msg { topic: p.topic.clone(), payload: p.payload.to_vec(), retain: p.retain })
                    }
                    Ok(_) => {}
                    Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
                }
            }
        });
        Sub { seen, client, task }
    }

    pub fn on(&self, topic: &str) -> Vec<Msg> {
        self.seen.lock().unwrap().iter().filter(|m| m.topic == topic).cloned().collect()
    }

    /// Waits (up to `secs`) until `ok` holds for what was seen; returns whether it did.
    pub async fn wait(&self, secs: u64, ok: impl Fn(&[Msg]) -> bool) -> bool {
        for _ in 0..secs * 20 {
            if ok(&self.seen.lock().unwrap()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ok(&self.seen.lock().unwrap())
    }
}

impl Drop for Sub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Publishes one message (QoS 1) from a short-lived client and waits for the broker's ack.
pub async fn publish(port: u16, topic: &str, payload: Vec<u8>) {
    let mut o = MqttOptions::new(format!("pub-{}", fastrand::u64(..)), "127.0.0.1", port);
    o.set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut ev) = AsyncClient::new(o, 10);
    client.publish(topic, QoS::AtLeastOnce, false, payload).await.unwrap();
    let done = async {
        loop {
            match ev.poll().await {
                Ok(Event::Incoming(Incoming::PubAck(_))) => return,
                Ok(_) => {}
                Err(e) => panic!("publish to test broker failed: {e}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), done).await.expect("broker acked the publish");
    let _ = client.disconnect().await;
}
