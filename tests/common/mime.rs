//! What a message looked like on the wire, decoded: the subject (RFC 2047) and the text and
//! HTML parts (base64 or quoted-printable, as lettre chose for text that is not ASCII), so
//! tests read a mail in Arabic or Tigrinya as its recipient does.

/// The decoded subject, plain text and HTML parts of a message as it crossed the wire.
pub struct Received {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Reads what lettre sent: RFC 2047 subject, multipart bodies in base64 or
/// quoted-printable (the two encodings lettre picks for text that is not ASCII).
pub fn decode(raw: &str) -> Received {
    let raw = raw.replace("\r\n", "\n");
    let (head, _) = raw.split_once("\n\n").expect("headers and body");
    let subject: String = head
        .replace("\n ", " ")
        .lines()
        .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
        .expect("a subject");
    // Space between two encoded words is folding, not text (RFC 2047 §6.2).
    let mut bytes = Vec::new();
    let mut after_encoded = false;
    for (i, word) in subject.split(' ').enumerate() {
        let encoded = word.starts_with("=?") && word.ends_with("?=");
        if i > 0 && !(encoded && after_encoded) {
            bytes.push(b' ');
        }
        bytes.extend(encoded_word(word));
        after_encoded = encoded;
    }
    let subject = String::from_utf8(bytes).expect("utf-8");
    let boundaries: Vec<String> = raw
        .match_indices("boundary=\"")
        .map(|(at, m)| {
            let rest = &raw[at + m.len()..];
            format!("--{}", &rest[..rest.find('"').expect("closing quote")])
        })
        .collect();
    let (mut text, mut html) = (String::new(), String::new());
    let mut parts = vec![raw.clone()];
    for b in &boundaries {
        parts = parts.iter().flat_map(|p| p.split(b.as_str())).map(str::to_string).collect();
    }
    for part in parts {
        let Some((headers, body)) = part.trim_start_matches('\n').split_once("\n\n") else {
            continue;
        };
        let headers = headers.to_ascii_lowercase();
        let is_plain = headers.contains("content-type: text/plain");
        if !is_plain && !headers.contains("content-type: text/html") {
            continue;
        }
        let body = if headers.contains("content-transfer-encoding: base64") {
            let joined: String = body.split_whitespace().collect();
            let bytes = data_encoding::BASE64.decode(joined.as_bytes()).expect("base64 body");
            String::from_utf8(bytes).expect("utf-8")
        } else if headers.contains("content-transfer-encoding: quoted-printable") {
            quoted_printable(body)
        } else {
            body.to_string()
        };
        if is_plain {
            text = body;
        } else {
            html = body;
        }
    }
    Received { subject, text, html }
}

/// Bytes of one RFC 2047 word (`=?utf-8?b?…?=`), or the word itself. Bytes, because a
/// character may be split across two encoded words.
fn encoded_word(word: &str) -> Vec<u8> {
    let Some(inner) = word.strip_prefix("=?").and_then(|w| w.strip_suffix("?=")) else {
        return word.as_bytes().to_vec();
    };
    let mut bits = inner.splitn(3, '?');
    let (_, enc, data) = (bits.next(), bits.next().unwrap_or(""), bits.next().unwrap_or(""));
    if enc.eq_ignore_ascii_case("b") {
        data_encoding::BASE64.decode(data.as_bytes()).expect("encoded word")
    } else {
        quoted_printable_bytes(&data.replace('_', " "))
    }
}

fn quoted_printable(body: &str) -> String {
    String::from_utf8(quoted_printable_bytes(body)).expect("utf-8")
}

fn quoted_printable_bytes(body: &str) -> Vec<u8> {
    let joined = body.replace("=\n", "");
    let mut out = Vec::new();
    let bytes = joined.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}
