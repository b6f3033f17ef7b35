//! The HTTP buffers rules inspect, built from one transaction as
//! Suricata presents them (normalised header block, header names list,
//! start block, bodies by direction).

use super::eve::eve_object;
use super::tx::HttpTx;
use crate::detect::TxBuffers;
use crate::flow::Direction;
use crate::rules::buffer::{AppProto, BufferId};
use std::borrow::Cow;

type Headers = [(Vec<u8>, Vec<u8>)];

/// `Name: value\r\n` for every header.
fn header_block(headers: &Headers) -> Vec<u8> {
    let size = headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
    let mut v = Vec::with_capacity(size);
    for (name, value) in headers {
        v.extend_from_slice(name);
        v.extend_from_slice(b": ");
        v.extend_from_slice(value);
        v.extend_from_slice(b"\r\n");
    }
    v
}

/// `\r\nName1\r\nName2\r\n\r\n`.
fn header_names(headers: &Headers) -> Vec<u8> {
    let size = headers.iter().map(|(n, _)| n.len() + 2).sum::<usize>() + 4;
    let mut v = Vec::with_capacity(size);
    v.extend_from_slice(b"\r\n");
    for (name, _) in headers {
        v.extend_from_slice(name);
        v.extend_from_slice(b"\r\n");
    }
    v.extend_from_slice(b"\r\n");
    v
}

/// Start line and raw headers, ending with the blank line.
fn start_block(line: &[u8], raw_headers: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(line.len() + raw_headers.len() + 6);
    v.extend_from_slice(line);
    v.extend_from_slice(b"\r\n");
    v.extend_from_slice(raw_headers);
    while !v.ends_with(b"\r\n\r\n") && !v.ends_with(b"\n\n") {
        v.extend_from_slice(b"\r\n");
        if v.len() > line.len() + raw_headers.len() + 4 {
            break;
        }
    }
    v
}

fn header(headers: &Headers, name: &str) -> Option<Vec<u8>> {
    let mut joined: Option<Vec<u8>> = None;
    for (n, v) in headers {
        if n.eq_ignore_ascii_case(name.as_bytes()) {
            match &mut joined {
                Some(j) => {
                    j.extend_from_slice(b", ");
                    j.extend_from_slice(v);
                }
                None => joined = Some(v.clone()),
            }
        }
    }
    joined
}

impl TxBuffers for HttpTx {
    fn proto(&self) -> AppProto {
        AppProto::Http
    }

    fn has_event(&self, name: &str) -> bool {
        self.events.iter().any(|e| e.suricata_name() == Some(name))
    }

    fn buffers<'s>(&'s self, id: BufferId, dir: Direction, out: &mut Vec<Cow<'s, [u8]>>) {
        use BufferId::*;
        let request = dir == Direction::ToServer;
        let req_seen = self.request_headers_complete;
        let resp_seen = self.response_headers_complete;
        let headers: &Headers = if request {
            &self.request_headers
        } else {
            &self.response_headers
        };
        let side_seen = if request { req_seen } else { resp_seen };
        let b = |v: &'s [u8]| Some(Cow::Borrowed(v));
        let o = |v: Vec<u8>| Some(Cow::Owned(v));
        let one: Option<Cow<'s, [u8]>> = match id {
            HttpUri if !self.uri_raw.is_empty() => b(&self.uri_normalized),
            HttpUriRaw if !self.uri_raw.is_empty() => b(&self.uri_raw),
            HttpMethod if !self.method.is_empty() => b(&self.method),
            HttpRequestLine if !self.request_line.is_empty() => b(&self.request_line),
            HttpResponseLine if !self.response_line.is_empty() => b(&self.response_line),
            HttpProtocol if request && !self.protocol.is_empty() => b(&self.protocol),
            HttpProtocol if !request && !self.response_protocol.is_empty() => b(&self.response_protocol),
            HttpHost => self.host().and_then(o),
            HttpHostRaw => self.host_raw().and_then(b),
            HttpUserAgent => self.user_agent().and_then(b),
            HttpCookie if request => self.cookie().and_then(b),
            HttpCookie => self.set_cookie().and_then(b),
            HttpReferer => self.referer().and_then(b),
            HttpAccept => header(&self.request_headers, "Accept").and_then(o),
            HttpAcceptEnc => header(&self.request_headers, "Accept-Encoding").and_then(o),
            HttpAcceptLang => header(&self.request_headers, "Accept-Language").and_then(o),
            HttpConnection => header(headers, "Connection").and_then(o),
            HttpContentType if request => self.request_content_type().and_then(b),
            HttpContentType => self.content_type().and_then(b),
            HttpContentLen if request => self.request_content_length().and_then(b),
            HttpContentLen => self.content_length().and_then(b),
            HttpHeader if side_seen => o(header_block(headers)),
            HttpHeaderRaw if side_seen => b(if request {
                &self.request_headers_raw
            } else {
                &self.response_headers_raw
            }),
            HttpHeaderNames if side_seen => o(header_names(headers)),
            HttpStart if request && req_seen => o(start_block(&self.request_line, &self.request_headers_raw)),
            HttpStart if !request && resp_seen => o(start_block(&self.response_line, &self.response_headers_raw)),
            HttpRequestHeader => {
                out.extend(
                    self.request_headers
                        .iter()
                        .map(|(n, v)| Cow::Owned([n.as_slice(), b": ", v].concat())),
                );
                None
            }
            HttpResponseHeader => {
                out.extend(
                    self.response_headers
                        .iter()
                        .map(|(n, v)| Cow::Owned([n.as_slice(), b": ", v].concat())),
                );
                None
            }
            HttpRequestBody if !self.request_body.is_empty() => b(&self.request_body),
            HttpResponseBody if !self.response_body.is_empty() => b(&self.response_body),
            FileData if request && !self.request_body.is_empty() => b(&self.request_body),
            FileData if !request && !self.response_body.is_empty() => b(&self.response_body),
            HttpStatCode if !self.status_code_raw.is_empty() => b(&self.status_code_raw),
            HttpStatMsg if self.status_code.is_some() => b(&self.status_msg),
            HttpLocation => self.location().and_then(b),
            HttpServer => self.server().and_then(b),
            _ => None,
        };
        out.extend(one);
    }

    fn eve(&self, _dir: Direction) -> Option<(&'static str, serde_json::Value)> {
        Some(("http", eve_object(self)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::buffer::BufferSide;

    /// Detection scans `file_data` and the body buffer of a side once
    /// (`BufferId::same_bytes_as`): they must hold the same bytes.
    #[test]
    fn file_data_is_the_body_of_each_side() {
        let tx = HttpTx {
            request_body: b"user=a&pass=b".to_vec(),
            response_body: b"<html>hi</html>".to_vec(),
            ..HttpTx::default()
        };
        let get = |id: BufferId, dir: Direction| {
            let mut out = Vec::new();
            tx.buffers(id, dir, &mut out);
            out.iter().map(|b| b.to_vec()).collect::<Vec<_>>()
        };
        for (body, dir, side) in [
            (BufferId::HttpRequestBody, Direction::ToServer, BufferSide::ToServer),
            (BufferId::HttpResponseBody, Direction::ToClient, BufferSide::ToClient),
        ] {
            assert_eq!(body.same_bytes_as(side), BufferId::FileData);
            assert_eq!(get(body, dir), get(BufferId::FileData, dir));
            assert!(!get(body, dir).is_empty());
        }
        assert_eq!(
            BufferId::HttpResponseBody.same_bytes_as(BufferSide::ToServer),
            BufferId::HttpResponseBody
        );
    }

    #[test]
    fn header_buffers_have_suricata_shapes() {
        let headers = vec![(b"Host".to_vec(), b"a".to_vec()), (b"Accept".to_vec(), b"*/*".to_vec())];
        assert_eq!(header_block(&headers), b"Host: a\r\nAccept: */*\r\n");
        assert_eq!(header_names(&headers), b"\r\nHost\r\nAccept\r\n\r\n");
        assert_eq!(
            start_block(b"GET / HTTP/1.1", b"Host: a\r\n\r\n"),
            b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        );
        assert_eq!(
            start_block(b"GET / HTTP/1.1", b"Host: a\r\n"),
            b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        );
        let dup = vec![(b"X".to_vec(), b"1".to_vec()), (b"x".to_vec(), b"2".to_vec())];
        assert_eq!(header(&dup, "X"), Some(b"1, 2".to_vec()));
    }
}
