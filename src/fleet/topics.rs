//! The topic names of one site, and of the district's view over all sites.
//!
//! `P` is the prefix, `S` the site. Only names: no I/O, no MQTT.

/// Topics one box publishes and subscribes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Topics {
    pub prefix: String,
    pub site: String,
}

impl Topics {
    pub(crate) fn new(prefix: &str, site: &str) -> Topics {
        Topics { prefix: prefix.to_string(), site: site.to_string() }
    }

    fn t(&self, rest: &str) -> String {
        format!("{}/{}/{rest}", self.prefix, self.site)
    }

    /// Retained `true` while connected; the Last Will makes it `false`.
    pub(crate) fn online(&self) -> String {
        self.t("online")
    }
    /// Retained: the status document.
    pub(crate) fn status(&self) -> String {
        self.t("status")
    }
    /// Retained: `{"seq","hash","at"}` of the evidence log's newest record.
    pub(crate) fn head(&self) -> String {
        self.t("evidence/head")
    }
    /// QoS 1: every evidence record, exactly as its line in the log.
    pub(crate) fn records(&self) -> String {
        self.t("records")
    }
    /// Commands for this site.
    pub(crate) fn cmd(&self) -> String {
        self.t("cmd")
    }
    /// Commands for every site.
    pub(crate) fn cmd_all(&self) -> String {
        format!("{}/all/cmd", self.prefix)
    }
    pub(crate) fn cmd_result(&self) -> String {
        self.t("cmd/result")
    }
    /// A screen's current frame as PNG (answer to `screenshot`).
    pub(crate) fn frame(&self, screen: &str) -> String {
        self.t(&format!("screens/{screen}/frame"))
    }
}

/// What a topic under the prefix is, seen from the district (`P/<site>/<rest>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen<'a> {
    Online(&'a str),
    Status(&'a str),
    Head(&'a str),
    Records(&'a str),
    Result(&'a str),
    Frame { site: &'a str, screen: &'a str },
    Other,
}

/// Classifies a topic published under `prefix`.
pub(crate) fn classify<'a>(prefix: &str, topic: &'a str) -> Seen<'a> {
    let Some(rest) = topic.strip_prefix(prefix).and_then(|r| r.strip_prefix('/')) else { return Seen::Other };
    let Some((site, what)) = rest.split_once('/') else { return Seen::Other };
    if site == "all" {
        return Seen::Other;
    }
    match what {
        "online" => Seen::Online(site),
        "status" => Seen::Status(site),
        "evidence/head" => Seen::Head(site),
        "records" => Seen::Records(site),
        "cmd/result" => Seen::Result(site),
        _ => match what.strip_prefix("screens/").and_then(|s| s.strip_suffix("/frame")) {
            Some(screen) => Seen::Frame { site, screen },
            None => Seen::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sites_topics_round_trip_through_classify() {
        let t = Topics::new("yiping", "qingshan");
        assert_eq!(t.records(), "yiping/qingshan/records");
        assert_eq!(t.cmd_all(), "yiping/all/cmd");
        assert_eq!(classify("yiping", &t.online()), Seen::Online("qingshan"));
        assert_eq!(classify("yiping", &t.status()), Seen::Status("qingshan"));
        assert_eq!(classify("yiping", &t.head()), Seen::Head("qingshan"));
        assert_eq!(classify("yiping", &t.records()), Seen::Records("qingshan"));
        assert_eq!(classify("yiping", &t.cmd_result()), Seen::Result("qingshan"));
        assert_eq!(classify("yiping", &t.frame("门口")), Seen::Frame { site: "qingshan", screen: "门口" });
        assert_eq!(classify("yiping", &t.cmd()), Seen::Other);
        assert_eq!(classify("yiping", "yiping/all/cmd"), Seen::Other);
        assert_eq!(classify("yiping", "other/qingshan/status"), Seen::Other);
        assert_eq!(classify("yiping", "yipingx/qingshan/status"), Seen::Other);
    }
}
