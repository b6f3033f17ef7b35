//! The EVE JSON `http` object of a transaction, as Suricata adds it to alerts.

use serde_json::{Map, Value};

use super::HttpTx;

/// Bytes as an EVE string: valid UTF-8 as is; otherwise ASCII bytes as is
/// and every other byte as `\xNN`.
fn eve_string(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => {
            let mut out = String::with_capacity(b.len() + 8);
            for &c in b {
                if c.is_ascii() {
                    out.push(char::from(c));
                } else {
                    out.push_str(&format!("\\x{c:02x}"));
                }
            }
            out
        }
    }
}

/// The `http` object: hostname, url, http_user_agent, http_content_type,
/// http_refer, http_method, protocol, status (or status_string when the code
/// is not a number), redirect, length. Fields that do not exist are left out,
/// except `length` (response body bytes seen, 0 without a response).
pub fn eve_object(tx: &HttpTx) -> Value {
    let mut m = Map::new();
    let mut put = |key: &str, v: Option<&[u8]>| {
        if let Some(v) = v {
            m.insert(key.to_owned(), Value::String(eve_string(v)));
        }
    };
    put("hostname", tx.host().as_deref());
    put(
        "url",
        (!tx.request_line.is_empty() || !tx.uri_raw.is_empty()).then_some(tx.uri_raw.as_slice()),
    );
    put("http_user_agent", tx.user_agent());
    put(
        "http_content_type",
        tx.content_type()
            .map(|v| v.split(|&b| b == b';').next().unwrap_or_default()),
    );
    put("http_refer", tx.referer());
    put("http_method", (!tx.method.is_empty()).then_some(tx.method.as_slice()));
    put("protocol", (!tx.protocol.is_empty()).then_some(tx.protocol.as_slice()));
    put("redirect", tx.location());
    match tx.status_code {
        Some(code) => {
            m.insert("status".to_owned(), Value::from(code));
        }
        None if !tx.status_code_raw.is_empty() => {
            m.insert(
                "status_string".to_owned(),
                Value::String(eve_string(&tx.status_code_raw)),
            );
        }
        None => {}
    }
    m.insert("length".to_owned(), Value::from(tx.response_body_len_seen));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn h(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn full_object() {
        let tx = HttpTx {
            method: b"GET".to_vec(),
            uri_raw: b"/a?b=1".to_vec(),
            request_line: b"GET /a?b=1 HTTP/1.1".to_vec(),
            protocol: b"HTTP/1.1".to_vec(),
            request_headers: h(&[
                ("Host", "WWW.Example.com:8080"),
                ("User-Agent", "ua/1"),
                ("Referer", "http://r/"),
            ]),
            status_code: Some(301),
            status_code_raw: b"301".to_vec(),
            response_headers: h(&[("Content-Type", "text/html; charset=utf-8"), ("Location", "/b")]),
            response_body_len_seen: 42,
            ..HttpTx::default()
        };
        assert_eq!(
            eve_object(&tx),
            json!({
                "hostname": "www.example.com",
                "url": "/a?b=1",
                "http_user_agent": "ua/1",
                "http_content_type": "text/html",
                "http_refer": "http://r/",
                "http_method": "GET",
                "protocol": "HTTP/1.1",
                "status": 301,
                "redirect": "/b",
                "length": 42
            })
        );
    }

    #[test]
    fn missing_fields_left_out() {
        let tx = HttpTx::default();
        assert_eq!(eve_object(&tx), json!({ "length": 0 }));
    }

    #[test]
    fn odd_values() {
        let tx = HttpTx {
            method: b"GET".to_vec(),
            uri_raw: b"/\xff\xfe".to_vec(),
            request_line: b"GET /\xff\xfe".to_vec(),
            status_code_raw: b"2XX".to_vec(),
            ..HttpTx::default()
        };
        let v = eve_object(&tx);
        assert_eq!(v["url"], "/\\xff\\xfe");
        assert_eq!(v["status_string"], "2XX");
        assert!(v.get("status").is_none());
        assert!(v.get("protocol").is_none());
    }
}
