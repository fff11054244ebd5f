//! Just enough of `multipart/form-data` (RFC 7578) for one uploaded file: the part named
//! `file`, its file name and its bytes. The body is already bounded by the caller.

/// The uploaded file: its name as the browser gave it, and its bytes.
#[derive(Debug, PartialEq)]
pub(crate) struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The boundary of a `multipart/form-data; boundary=...` content type.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim_matches('"').to_string())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// The part named `field` (its headers' `Content-Disposition: form-data; name="field"; filename="..."`).
pub(crate) fn file_part(body: &[u8], boundary: &str, field: &str) -> Option<Upload> {
    let delim = format!("--{boundary}");
    let mut at = find(body, delim.as_bytes(), 0)? + delim.len();
    loop {
        // After a delimiter: `--` ends the body, CRLF starts a part.
        if body.get(at..at + 2) == Some(b"--") {
            return None;
        }
        at += 2;
        let head_end = find(body, b"\r\n\r\n", at)?;
        let head = String::from_utf8_lossy(&body[at..head_end]).into_owned();
        let content = head_end + 4;
        let next = find(body, format!("\r\n{delim}").as_bytes(), content)?;
        let disposition = head.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        let param = |name: &str| {
            disposition.split(';').map(str::trim).find_map(|p| p.strip_prefix(&format!("{name}=")).map(|v| v.trim_matches('"').to_string()))
        };
        if param("name").as_deref() == Some(field) {
            return Some(Upload { file_name: param("filename").unwrap_or_default(), bytes: body[content..next].to_vec() });
        }
        at = next + 2 + delim.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_part_is_found_among_others() {
        let ct = "multipart/form-data; boundary=----WebKitFormBoundaryx7";
        let b = boundary(ct).unwrap();
        let body = "------WebKitFormBoundaryx7\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n\
             ------WebKitFormBoundaryx7\r\nContent-Disposition: form-data; name=\"file\"; filename=\"低保名单.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\nPK\x03\x04\r\n--binary\r\n\
             ------WebKitFormBoundaryx7--\r\n";
        let u = file_part(body.as_bytes(), &b, "file").unwrap();
        assert_eq!(u.file_name, "低保名单.xlsx");
        assert_eq!(u.bytes, b"PK\x03\x04\r\n--binary");
        assert_eq!(file_part(body.as_bytes(), &b, "other"), None);
        assert_eq!(boundary("application/json"), None);
        assert_eq!(file_part(b"garbage", &b, "file"), None);
    }
}
