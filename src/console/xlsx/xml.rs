//! A small pull reader for the XML inside an `.xlsx`: start and end tags by local name,
//! attributes and text with the five entities and character references. No DTDs, no
//! external entities: a `<!DOCTYPE` is skipped and nothing is ever expanded beyond those.

use std::borrow::Cow;

/// One step through a document.
#[derive(Debug, PartialEq)]
pub(super) enum Event<'a> {
    /// `<x:name attrs>` or `<name attrs/>` (`empty`), by local name.
    Start { name: &'a str, attrs: &'a str, empty: bool },
    /// `</name>`, by local name.
    End(&'a str),
    /// Character data between tags, still escaped (see [`unescape`]); CDATA comes raw.
    Text(Cow<'a, str>),
}

/// Reads events from a document held as text.
pub(super) struct Reader<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(s: &'a str) -> Self {
        Reader { s: s.strip_prefix('\u{feff}').unwrap_or(s), at: 0 }
    }
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

impl<'a> Iterator for Reader<'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            let rest = &self.s[self.at..];
            if rest.is_empty() {
                return None;
            }
            if !rest.starts_with('<') {
                let end = rest.find('<').unwrap_or(rest.len());
                self.at += end;
                return Some(Event::Text(unescape(&rest[..end])));
            }
            for (open, close) in [("<?", "?>"), ("<!--", "-->"), ("<![CDATA[", "]]>"), ("<!", ">")] {
                if let Some(body) = rest.strip_prefix(open) {
                    let end = body.find(close).map_or(self.s.len(), |e| self.at + open.len() + e + close.len());
                    self.at = end;
                    if open == "<![CDATA[" {
                        return Some(Event::Text(Cow::Borrowed(&body[..body.find(close).unwrap_or(body.len())])));
                    }
                    break;
                }
            }
            if self.s[self.at..].len() != rest.len() {
                continue;
            }
            // A tag: find its `>` outside quoted attribute values.
            let mut quote = None;
            let end = rest.char_indices().skip(1).find(|&(_, c)| match quote {
                Some(q) if c == q => {
                    quote = None;
                    false
                }
                Some(_) => false,
                None if c == '"' || c == '\'' => {
                    quote = Some(c);
                    false
                }
                None => c == '>',
            });
            let Some((end, _)) = end else {
                self.at = self.s.len();
                return None;
            };
            self.at += end + 1;
            let inner = &rest[1..end];
            if let Some(name) = inner.strip_prefix('/') {
                return Some(Event::End(local(name.trim())));
            }
            let (inner, empty) = match inner.strip_suffix('/') {
                Some(i) => (i, true),
                None => (inner, false),
            };
            let split = inner.find(|c: char| c.is_ascii_whitespace()).unwrap_or(inner.len());
            return Some(Event::Start { name: local(&inner[..split]), attrs: &inner[split..], empty });
        }
    }
}

/// The value of attribute `key` (by local name: `r:id` answers `id` only when `key` has no
/// prefix and no unprefixed `id` exists), unescaped.
pub(super) fn attr<'a>(attrs: &'a str, key: &str) -> Option<Cow<'a, str>> {
    let mut found = None;
    let mut rest = attrs;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|&c| c == '"' || c == '\'') else { return found };
        let Some(close) = after[1..].find(q) else { return found };
        let value = &after[1..1 + close];
        if name == key {
            return Some(unescape(value));
        }
        if found.is_none() && local(name) == key {
            found = Some(unescape(value));
        }
        rest = &after[close + 2..];
    }
    found
}

/// Replaces `&lt; &gt; &amp; &quot; &apos;` and `&#NN;`/`&#xNN;`; anything else stays as written.
pub(super) fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(semi) = rest.bytes().take(12).position(|b| b == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let c = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_text_and_entities() {
        let doc = r#"<?xml version="1.0"?><!-- c --><x:row r="1"><c r='A1' t="s"><v>1 &lt; 2 &#x4E00;&#20108;</v></c><b/></x:row><![CDATA[<raw>]]>"#;
        let ev: Vec<Event> = Reader::new(doc).collect();
        assert_eq!(ev[0], Event::Start { name: "row", attrs: r#" r="1""#, empty: false });
        assert_eq!(attr(r#" r='A1' t="s""#, "t").as_deref(), Some("s"));
        assert_eq!(ev[2], Event::Start { name: "v", attrs: "", empty: false });
        assert_eq!(ev[3], Event::Text(Cow::Owned("1 < 2 一二".into())));
        assert_eq!(ev[6], Event::Start { name: "b", attrs: "", empty: true });
        assert_eq!(ev[7], Event::End("row"));
        assert_eq!(ev[8], Event::Text(Cow::Borrowed("<raw>")));
        assert_eq!(ev.len(), 9);
    }

    #[test]
    fn prefixed_attributes_and_broken_input() {
        assert_eq!(attr(r#" name="表1" sheetId="1" r:id="rId1""#, "id").as_deref(), Some("rId1"));
        assert_eq!(attr(r#" a="x > y""#, "a").as_deref(), Some("x > y"));
        assert_eq!(unescape("a & b &bogus; &#xFFFFFFFF;"), "a & b &bogus; &#xFFFFFFFF;");
        let ev: Vec<Event> = Reader::new("<a b=\"unclosed><c>").collect();
        assert!(ev.is_empty());
        assert_eq!(Reader::new("<!-- never closed").count(), 0);
    }
}
