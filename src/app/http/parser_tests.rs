//! Behaviour tests of the whole parser: framing, pairing, encodings, gaps, limits, chunking invariance, robustness.

use std::io::Write;

use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};

use super::{Direction, HttpEvent, HttpLimits, HttpParser, HttpTx, eve_object, fuzz_one};

const S: Direction = Direction::ToServer;
const C: Direction = Direction::ToClient;

type Script = Vec<(Direction, Vec<u8>)>;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Feeds each segment whole, then finishes.
fn run_whole(script: &Script, limits: HttpLimits) -> HttpParser {
    let mut p = HttpParser::new(limits);
    for (dir, bytes) in script {
        p.feed(*dir, bytes);
    }
    p.finish();
    p
}

/// Feeds each segment one byte at a time, then finishes.
fn run_bytewise(script: &Script, limits: HttpLimits) -> HttpParser {
    let mut p = HttpParser::new(limits);
    for (dir, bytes) in script {
        for b in bytes {
            p.feed(*dir, std::slice::from_ref(b));
        }
    }
    p.finish();
    p
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let x = self.0;
        (x ^ (x >> 33)).wrapping_mul(0xff51afd7ed558ccd) ^ (x >> 29)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Feeds each segment in random pieces, then finishes.
fn run_random(script: &Script, limits: HttpLimits, rng: &mut Rng) -> HttpParser {
    let mut p = HttpParser::new(limits);
    for (dir, bytes) in script {
        let mut rest = bytes.as_slice();
        while !rest.is_empty() {
            let n = 1 + rng.below(rest.len().min(40));
            let (a, b) = rest.split_at(n);
            p.feed(*dir, a);
            rest = b;
        }
    }
    p.finish();
    p
}

fn one(req: &[u8], resp: &[u8]) -> HttpParser {
    run_whole(&vec![(S, req.to_vec()), (C, resp.to_vec())], HttpLimits::default())
}

fn has(tx: &HttpTx, ev: HttpEvent) -> bool {
    tx.events.contains(&ev)
}

#[test]
fn simple_exchange() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(
        S,
        b"GET /index.html?x=%41 HTTP/1.1\r\nHost: www.Example.com\r\nUser-Agent: test/1.0\r\nCookie: a=b\r\n\r\n",
    );
    {
        let tx = &p.transactions()[0];
        assert!(tx.request_complete && tx.request_headers_complete);
        assert!(!tx.response_complete);
    }
    p.feed(
        C,
        b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
    );
    let tx = &p.transactions()[0];
    assert_eq!(tx.id, 0);
    assert_eq!(tx.method, b"GET");
    assert_eq!(tx.uri_raw, b"/index.html?x=%41");
    assert_eq!(tx.uri_normalized, b"/index.html?x=A");
    assert_eq!(tx.protocol, b"HTTP/1.1");
    assert_eq!(tx.request_line, b"GET /index.html?x=%41 HTTP/1.1");
    assert_eq!(tx.request_headers.len(), 3);
    assert_eq!(
        tx.request_headers_raw,
        b"Host: www.Example.com\r\nUser-Agent: test/1.0\r\nCookie: a=b\r\n\r\n"
    );
    assert_eq!(tx.host(), Some(b"www.example.com".to_vec()));
    assert_eq!(tx.user_agent(), Some(&b"test/1.0"[..]));
    assert_eq!(tx.cookie(), Some(&b"a=b"[..]));
    assert_eq!(tx.response_line, b"HTTP/1.1 200 OK");
    assert_eq!(tx.response_protocol, b"HTTP/1.1");
    assert_eq!(tx.status_code, Some(200));
    assert_eq!(tx.status_code_raw, b"200");
    assert_eq!(tx.status_msg, b"OK");
    assert_eq!(tx.server(), Some(&b"nginx"[..]));
    assert_eq!(tx.content_length(), Some(&b"5"[..]));
    assert_eq!(tx.response_body, b"hello");
    assert_eq!(tx.response_body_len_seen, 5);
    assert!(tx.response_complete && tx.response_headers_complete);
    assert!(tx.events.is_empty(), "{:?}", tx.events);
    let done = p.drain_finished();
    assert_eq!(done.len(), 1);
    assert!(p.transactions().is_empty());
    assert!(p.events().is_empty());
}

#[test]
fn pipelined_requests() {
    let req = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /c HTTP/1.1\r\nHost: x\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nBBHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    let mut p = one(req, resp);
    let txs = p.drain_finished();
    assert_eq!(txs.len(), 3);
    type Row<'a> = (u64, &'a [u8], Option<u16>, &'a [u8], &'a [u8]);
    let got: Vec<Row> = txs
        .iter()
        .map(|t| {
            (
                t.id,
                t.uri_raw.as_slice(),
                t.status_code,
                t.request_body.as_slice(),
                t.response_body.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (0, &b"/a"[..], Some(200), &b""[..], &b"A"[..]),
            (1, &b"/b"[..], Some(201), &b"abc"[..], &b"BB"[..]),
            (2, &b"/c"[..], Some(404), &b""[..], &b""[..]),
        ]
    );
}

#[test]
fn chunked_with_extensions_and_trailers() {
    let req = b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    let mut p = one(req, resp);
    let txs = p.drain_finished();
    assert_eq!(txs.len(), 2);
    let t = &txs[0];
    assert_eq!(t.request_body, b"hello world");
    assert_eq!(t.request_body_len_seen, 11);
    assert!(has(t, HttpEvent::ChunkExtension(S)));
    assert_eq!(t.request_header("x-trailer"), Some(&b"yes"[..]));
    assert!(t.request_headers_raw.ends_with(b"X-Trailer: yes\r\n\r\n"));
    assert_eq!(t.response_body, b"abc");
    assert_eq!(txs[1].uri_raw, b"/next");
}

#[test]
fn chunked_tolerates_bare_lf_and_uppercase_hex() {
    let req = b"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\nA\n0123456789\n0\n\n";
    let p = one(req, b"");
    let t = &p.transactions()[0];
    assert_eq!(t.request_body, b"0123456789");
    assert!(t.request_complete);
}

#[test]
fn invalid_chunk_size_resyncs() {
    let req =
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\njunk\r\nmore junk\r\nGET /after HTTP/1.1\r\n\r\n";
    let p = one(req, b"");
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert!(has(&txs[0], HttpEvent::InvalidChunkSize(S)));
    assert_eq!(txs[1].uri_raw, b"/after");
}

#[test]
fn gzip_and_deflate_bodies() {
    let text: Vec<u8> = (0..3000).flat_map(|i| format!("row {i};").into_bytes()).collect();
    for (label, encoded) in [
        ("gzip", gzip(&text)),
        ("x-gzip", gzip(&text)),
        ("deflate", zlib(&text)),
        ("deflate", raw_deflate(&text)),
    ] {
        let resp = cat(&[
            format!(
                "HTTP/1.1 200 OK\r\nContent-Encoding: {label}\r\nContent-Length: {}\r\n\r\n",
                encoded.len()
            )
            .as_bytes(),
            &encoded,
        ]);
        let p = one(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &resp);
        let t = &p.transactions()[0];
        assert_eq!(t.response_body, text, "{label}");
        assert_eq!(t.response_body_len_seen, encoded.len() as u64);
        assert!(t.events.is_empty(), "{label}: {:?}", t.events);
    }
}

#[test]
fn gzip_request_body_chunked() {
    let text = b"user=admin&password=secret".repeat(20);
    let z = gzip(&text);
    let mut req =
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for c in z.chunks(7) {
        req.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        req.extend_from_slice(c);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let p = one(&req, b"");
    let t = &p.transactions()[0];
    assert_eq!(t.request_body, text);
    assert!(t.request_complete);
}

/// Raw deflate of `good` up to a block boundary, then an invalid block.
fn corrupt_deflate(good: &[u8]) -> Vec<u8> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
    e.write_all(good).unwrap();
    e.flush().unwrap();
    let mut z = e.get_ref().clone();
    // BFINAL=1, BTYPE=11: a reserved block type.
    z.extend_from_slice(&[0xff, 0x12, 0x34]);
    z
}

#[test]
fn decompression_error_keeps_what_was_decoded() {
    let text: Vec<u8> = (0..5000).flat_map(|i| format!("{i},").into_bytes()).collect();
    let z = corrupt_deflate(&text);
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: {}\r\n\r\n",
        z.len()
    );
    let script: Script = vec![
        (S, b"GET / HTTP/1.1\r\n\r\n".to_vec()),
        (C, cat(&[head.as_bytes(), &z])),
    ];
    let p = run_whole(&script, HttpLimits::default());
    let t = &p.transactions()[0];
    assert!(has(t, HttpEvent::DecompressionFailed(C)));
    assert_eq!(t.response_body, text);
    assert!(t.response_complete);
    assert_eq!(
        p.transactions(),
        run_bytewise(&script, HttpLimits::default()).transactions()
    );
}

#[test]
fn body_labelled_gzip_but_plain_is_kept_raw() {
    let p = one(
        b"GET / HTTP/1.1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 11\r\n\r\nhello world",
    );
    let t = &p.transactions()[0];
    assert_eq!(t.response_body, b"hello world");
    assert!(has(t, HttpEvent::DecompressionFailed(C)));
}

#[test]
fn unsolicited_response() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(C, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    {
        let t = &p.transactions()[0];
        assert_eq!(t.id, 0);
        assert!(has(t, HttpEvent::UnsolicitedResponse));
        assert!(t.is_finished());
        assert_eq!(t.response_body, b"hi");
    }
    p.feed(S, b"GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
    p.feed(C, b"HTTP/1.1 204 No Content\r\n\r\n");
    let txs = p.drain_finished();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[1].id, 1);
    assert_eq!(txs[1].uri_raw, b"/late");
    assert_eq!(txs[1].status_code, Some(204));
    assert!(!has(&txs[1], HttpEvent::UnsolicitedResponse));
}

#[test]
fn head_and_304_have_no_body() {
    let req = b"HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"e\"\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n";
    let resp = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    let mut p = one(req, resp);
    let txs = p.drain_finished();
    assert_eq!(txs.len(), 3);
    assert_eq!(txs[0].status_code, Some(200));
    assert!(txs[0].response_body.is_empty());
    assert_eq!(txs[1].status_code, Some(304));
    assert!(txs[1].response_body.is_empty());
    assert_eq!(txs[2].response_body, b"abc");
}

#[test]
fn no_body_for_204_and_1xx() {
    let req = b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    let resp = b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let mut p = one(req, resp);
    let txs = p.drain_finished();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[1].response_body, b"ok");
}

#[test]
fn continue_100_keeps_transaction() {
    let script: Script = vec![
        (
            S,
            b"POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n".to_vec(),
        ),
        (C, b"HTTP/1.1 100 Continue\r\n\r\n".to_vec()),
        (S, b"DATA".to_vec()),
        (C, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec()),
        (S, b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()),
        (C, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec()),
    ];
    let mut p = run_whole(&script, HttpLimits::default());
    let txs = p.drain_finished();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].request_body, b"DATA");
    assert_eq!(txs[0].status_code, Some(200));
    assert_eq!(txs[0].response_line, b"HTTP/1.1 200 OK");
    assert_eq!(txs[0].response_body, b"ok");
    assert!(!txs[0].response_headers_raw.starts_with(b"\r\n"));
    assert_eq!(txs[1].uri_raw, b"/next");
    assert!(txs[0].events.is_empty(), "{:?}", txs[0].events);
}

#[test]
fn second_100_continue_is_flagged() {
    let p = one(
        b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(p.transactions().len(), 1);
    let t = &p.transactions()[0];
    assert!(has(t, HttpEvent::ContinueAlreadySeen));
    assert_eq!(t.status_code, Some(200));
    assert!(t.response_header("link").is_none());
}

#[test]
fn header_folding_and_oddities() {
    let req = b"\r\n\r\nGET / HTTP/1.1\nHost: x\nX-Long: first\n  second\n\tthird\nAccept: a\nNoColon\nBad Name: v\n\n";
    let p = one(req, b"");
    let t = &p.transactions()[0];
    assert_eq!(t.request_header("x-long"), Some(&b"first second third"[..]));
    assert_eq!(t.request_header("ACCEPT"), Some(&b"a"[..]));
    assert!(has(t, HttpEvent::HeaderMissingColon(S)));
    assert!(has(t, HttpEvent::InvalidHeaderName(S)));
    assert_eq!(
        t.request_headers_raw,
        b"Host: x\nX-Long: first\n  second\n\tthird\nAccept: a\nNoColon\nBad Name: v\n\n"
    );
}

#[test]
fn duplicate_headers_joined() {
    let p = one(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\n\r\n", b"");
    let t = &p.transactions()[0];
    assert_eq!(t.request_header("X-A"), Some(&b"1"[..]));
    assert_eq!(t.request_header_joined("X-A"), Some(b"1, 2".to_vec()));
    assert_eq!(t.request_headers[2].0, b"x-a");
}

#[test]
fn leading_whitespace_request_line() {
    let p = one(b"  GET /x HTTP/1.0\r\n\r\n", b"");
    let t = &p.transactions()[0];
    assert_eq!(t.method, b"GET");
    assert!(has(t, HttpEvent::RequestLineLeadingWhitespace));
}

#[test]
fn http09_request_and_response() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"GET /old\r\n");
    p.feed(C, b"<html>old style</html>");
    p.finish();
    let t = &p.transactions()[0];
    assert!(t.protocol.is_empty());
    assert!(t.request_complete);
    assert!(has(t, HttpEvent::RequestLineMissingProtocol));
    assert!(!has(t, HttpEvent::MalformedStatusLine));
    assert_eq!(t.response_body, b"<html>old style</html>");
    assert!(t.response_complete);
    assert_eq!(t.status_code, None);
}

#[test]
fn request_without_protocol_but_with_headers() {
    let p = one(
        b"GET /x\r\nHost: a\r\nUser-Agent: u\r\n\r\nGET /y HTTP/1.1\r\n\r\n",
        b"",
    );
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].user_agent(), Some(&b"u"[..]));
    assert_eq!(txs[1].uri_raw, b"/y");
}

#[test]
fn http09_requests_back_to_back() {
    let p = one(b"GET /a\r\nGET /b\r\n", b"");
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[1].uri_raw, b"/b");
    assert!(txs.iter().all(|t| t.request_complete));
}

#[test]
fn response_until_close() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"GET / HTTP/1.0\r\n\r\n");
    p.feed(C, b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html>");
    assert!(!p.transactions()[0].response_complete);
    p.feed(C, b"</html>");
    p.finish();
    let t = &p.transactions()[0];
    assert!(t.response_complete);
    assert_eq!(t.response_body, b"<html></html>");
    assert!(t.events.is_empty());
}

#[test]
fn malformed_status_line_becomes_body() {
    let p = one(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"garbage first line\r\nmore");
    let t = &p.transactions()[0];
    assert!(has(t, HttpEvent::MalformedStatusLine));
    assert_eq!(t.response_body, b"garbage first line\r\nmore");
}

#[test]
fn odd_status_codes() {
    let p = one(
        b"GET / HTTP/1.1\r\n\r\n",
        b"HTTP/1.1 2XX Odd\r\nContent-Length: 0\r\n\r\n",
    );
    let t = &p.transactions()[0];
    assert_eq!(t.status_code, None);
    assert_eq!(t.status_code_raw, b"2XX");
    assert!(has(t, HttpEvent::InvalidStatusCode));
    assert_eq!(eve_object(t)["status_string"], "2XX");
}

#[test]
fn gap_inside_body_stays_in_step() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n01234");
    p.gap(S, 10);
    p.feed(S, b"56789GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert!(txs[0].request_gap);
    assert!(txs[0].request_complete);
    assert!(has(&txs[0], HttpEvent::Gap(S)));
    assert_eq!(txs[0].request_body, b"01234");
    assert_eq!(txs[0].request_body_len_seen, 10);
    assert_eq!(txs[1].uri_raw, b"/b");
    assert!(!txs[1].request_gap);
}

#[test]
fn gap_past_body_resyncs_on_next_request() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n01234");
    // The rest of the body and the start of the next request are lost.
    p.gap(S, 40);
    p.feed(S, b"ost: x\r\nAccept: */*\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n");
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert!(txs[0].request_gap && txs[0].request_complete);
    assert_eq!(txs[1].uri_raw, b"/c");
    assert_eq!(txs[1].host(), Some(b"x".to_vec()));
}

#[test]
fn gap_in_headers_and_in_response() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"GET /a HTTP/1.1\r\nHost: x\r\nUser-Ag");
    p.gap(S, 100);
    p.feed(S, b"ent: y\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    p.feed(C, b"HTTP/1.1 200 OK\r\nContent-Le");
    p.gap(C, 50);
    p.feed(C, b"xx\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert!(txs[0].request_gap);
    assert_eq!(txs[0].host_raw(), Some(&b"x"[..]));
    assert!(txs[0].response_gap && txs[0].response_complete);
    assert_eq!(txs[0].status_code, Some(200));
    assert_eq!(txs[1].status_code, Some(404));
    assert!(txs[1].is_finished());
}

#[test]
fn gap_between_messages_and_in_chunks() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.gap(S, 10);
    assert_eq!(p.events(), &[HttpEvent::Gap(S)]);
    p.feed(
        S,
        b"tail of something\r\nPOST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123",
    );
    p.gap(S, 4);
    p.feed(S, b"89abcdef\r\n0\r\n\r\n");
    let t = &p.transactions()[0];
    assert!(t.request_complete && t.request_gap);
    assert_eq!(t.request_body, b"0123");
    assert_eq!(t.request_body_len_seen, 12);
}

#[test]
fn ten_megabyte_body_is_capped() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    p.feed(C, b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n");
    let block = vec![b'x'; 65536];
    let mut left = 10_000_000usize;
    while left > 0 {
        let n = left.min(block.len());
        p.feed(C, &block[..n]);
        left -= n;
    }
    p.feed(C, b"HTTP/1.1 200 OK\r\n");
    let t = &p.transactions()[0];
    assert_eq!(t.response_body.len(), 100 * 1024);
    assert_eq!(t.response_body_len_seen, 10_000_000);
    assert!(t.response_complete);
    assert!(has(t, HttpEvent::BodyTruncated(C)));
}

#[test]
fn gzip_bomb_stops_at_decompression_limit() {
    let zeros = vec![0u8; 10 * 1024 * 1024];
    let z = gzip(&zeros);
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        z.len()
    );
    let resp = cat(&[head.as_bytes(), &z]);
    // Default limits: body kept is cut at 100 KiB, inflating stops at 1 MiB.
    let p = one(b"GET / HTTP/1.1\r\n\r\n", &resp);
    let t = &p.transactions()[0];
    assert_eq!(t.response_body.len(), 100 * 1024);
    assert!(has(t, HttpEvent::DecompressionLimit(C)));
    assert!(t.response_complete);
    // A body limit above the decompression limit shows where inflating stopped.
    let limits = HttpLimits {
        response_body_limit: 8 << 20,
        ..HttpLimits::default()
    };
    let p = run_whole(&vec![(S, b"GET / HTTP/1.1\r\n\r\n".to_vec()), (C, resp)], limits);
    let t = &p.transactions()[0];
    assert_eq!(t.response_body.len(), 1 << 20);
    assert!(has(t, HttpEvent::DecompressionLimit(C)));
}

#[test]
fn ten_thousand_headers_are_capped() {
    let mut req = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..10000 {
        req.extend_from_slice(format!("X-H{i}: value-{i}\r\n").as_bytes());
    }
    req.extend_from_slice(b"\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n");
    let p = one(&req, b"");
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].request_headers.len(), 256);
    assert!(has(&txs[0], HttpEvent::TooManyHeaders(S)));
    assert!(txs[0].request_headers_raw.len() <= HttpLimits::default().max_header_block);
    assert!(txs[0].request_complete);
    assert_eq!(txs[1].uri_raw, b"/second");
}

#[test]
fn long_lines_are_cut() {
    let limits = HttpLimits {
        max_header_line: 100,
        ..HttpLimits::default()
    };
    let long_uri = "a".repeat(500);
    let long_val = "b".repeat(500);
    let req = format!("GET /{long_uri} HTTP/1.1\r\nHost: x\r\nX-Long: {long_val}\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
    let p = run_whole(&vec![(S, req.into_bytes())], limits);
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert!(has(&txs[0], HttpEvent::HeaderTooLong(S)));
    assert!(txs[0].request_line.len() <= 100);
    assert!(txs[0].request_header("x-long").is_none_or(|v| v.len() <= 100));
    assert_eq!(txs[1].uri_raw, b"/next");
}

#[test]
fn transaction_table_is_bounded_and_pairing_survives() {
    let limits = HttpLimits {
        max_transactions: 2,
        ..HttpLimits::default()
    };
    let mut req = Vec::new();
    let mut resp = Vec::new();
    for i in 0..5 {
        req.extend_from_slice(format!("GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
        resp.extend_from_slice(format!("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{i}").as_bytes());
    }
    let mut p = HttpParser::new(limits);
    p.feed(S, &req);
    assert_eq!(p.transactions().len(), 2);
    assert!(p.events().contains(&HttpEvent::TransactionsDropped));
    p.feed(C, &resp);
    let txs = p.drain_finished();
    assert_eq!(txs.len(), 2);
    assert_eq!(
        (txs[0].id, txs[0].uri_raw.as_slice(), txs[0].response_body.as_slice()),
        (3, &b"/3"[..], &b"3"[..])
    );
    assert_eq!(
        (txs[1].id, txs[1].uri_raw.as_slice(), txs[1].response_body.as_slice()),
        (4, &b"/4"[..], &b"4"[..])
    );
}

#[test]
fn connect_tunnel_and_refusal() {
    let tls = b"\x16\x03\x01\x00\x05hello".to_vec();
    let script: Script = vec![
        (
            S,
            cat(&[
                b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
                &tls,
            ]),
        ),
        (C, b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec()),
        (C, b"\x16\x03\x03 server hello".to_vec()),
        (S, b"GET /not-http HTTP/1.1\r\n\r\n".to_vec()),
    ];
    let p = run_whole(&script, HttpLimits::default());
    assert!(p.is_tunnel());
    assert_eq!(p.transactions().len(), 1);
    let t = &p.transactions()[0];
    assert_eq!(t.method, b"CONNECT");
    assert!(t.is_finished());
    assert!(t.response_body.is_empty());

    let script: Script = vec![
        (S, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nCONNECT example.com:443 HTTP/1.1\r\nProxy-Authorization: Basic eA==\r\n\r\n".to_vec()),
        (C, b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\ndeny".to_vec()),
        (C, b"HTTP/1.1 200 OK\r\n\r\n".to_vec()),
    ];
    let p = run_whole(&script, HttpLimits::default());
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0].status_code, Some(407));
    assert_eq!(txs[0].response_body, b"deny");
    assert_eq!(txs[1].request_header("proxy-authorization"), Some(&b"Basic eA=="[..]));
    assert_eq!(txs[1].status_code, Some(200));
    assert!(p.is_tunnel());
}

#[test]
fn switching_protocols_is_a_tunnel() {
    let p = one(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello",
    );
    assert!(p.is_tunnel());
    let t = &p.transactions()[0];
    assert_eq!(t.status_code, Some(101));
    assert!(t.is_finished());
    assert!(t.response_body.is_empty());
}

#[test]
fn transfer_encoding_and_host_events() {
    let p = one(
        b"POST http://Other.example/x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        b"",
    );
    let txs = p.transactions();
    assert!(has(&txs[0], HttpEvent::InvalidTransferEncoding(S)));
    assert!(has(&txs[0], HttpEvent::HostAmbiguous));
    assert_eq!(txs[0].host(), Some(b"other.example".to_vec()));
    assert_eq!(txs[0].uri_normalized, b"/x");
    assert!(has(&txs[1], HttpEvent::MissingHost));
    let names: Vec<&str> = txs[0].events.iter().filter_map(|e| e.suricata_name()).collect();
    assert!(names.contains(&"invalid_transfer_encoding_value_in_request"));
}

#[test]
fn incomplete_at_end_of_flow() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc");
    p.feed(C, b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nxy");
    p.finish();
    let t = &p.transactions()[0];
    assert!(t.is_finished());
    assert!(has(t, HttpEvent::IncompleteAtEnd(S)));
    assert!(has(t, HttpEvent::IncompleteAtEnd(C)));
    assert_eq!(t.request_body, b"abc");
    assert_eq!(t.response_body, b"xy");
    p.feed(S, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(p.transactions().len(), 1);
}

#[test]
fn partial_request_line_at_end_is_parsed() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"GET /no-newline HTTP/1.1");
    p.finish();
    let t = &p.transactions()[0];
    assert_eq!(t.uri_raw, b"/no-newline");
    assert!(t.request_complete);
    assert!(has(t, HttpEvent::IncompleteAtEnd(S)));
}

#[test]
fn eve_from_parsed_transaction() {
    let p = one(
        b"GET /search?q=1 HTTP/1.1\r\nHost: Shop.Example:8080\r\nUser-Agent: Mozilla/5.0\r\nReferer: http://r/\r\n\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: /login\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: 3\r\n\r\nabc",
    );
    let v = eve_object(&p.transactions()[0]);
    assert_eq!(v["hostname"], "shop.example");
    assert_eq!(v["url"], "/search?q=1");
    assert_eq!(v["http_user_agent"], "Mozilla/5.0");
    assert_eq!(v["http_content_type"], "text/html");
    assert_eq!(v["http_refer"], "http://r/");
    assert_eq!(v["http_method"], "GET");
    assert_eq!(v["protocol"], "HTTP/1.1");
    assert_eq!(v["status"], 302);
    assert_eq!(v["redirect"], "/login");
    assert_eq!(v["length"], 3);
}

#[test]
fn long_whitespace_and_junk_runs_stay_linear() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"GET / HTTP/1.1\r\n\r\n");
    for _ in 0..300_000 {
        p.feed(C, b" ");
    }
    p.feed(C, b"\r\n   HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(p.transactions()[0].status_code, Some(200));
    // Resynchronising through a long line of carriage returns.
    p.gap(S, 5);
    for _ in 0..300_000 {
        p.feed(S, b"\r");
    }
    p.feed(S, b"\nGET /after HTTP/1.1\r\n\r\n");
    assert_eq!(
        p.transactions().last().map(|t| t.uri_raw.clone()),
        Some(b"/after".to_vec())
    );
}

#[test]
fn resync_ignores_lines_that_only_look_like_requests() {
    let mut p = HttpParser::new(HttpLimits::default());
    p.feed(S, b"GET /a HTTP/1.1\r\nHo");
    p.gap(S, 3);
    let spaces = " ".repeat(100);
    p.feed(
        S,
        format!("x\r\nGET{spaces}/b HTTP/1.1\r\nGETX /c\r\n get /d\r\nPOST /e HTTP/1.1\r\n\r\n").as_bytes(),
    );
    let uris: Vec<&[u8]> = p.transactions().iter().map(|t| t.uri_raw.as_slice()).collect();
    assert_eq!(uris, vec![&b"/a"[..], &b"/e"[..]]);
}

/// Conversations used by the chunking-invariance tests.
fn samples() -> Vec<Script> {
    let text: Vec<u8> = (0..400).flat_map(|i| format!("item {i}\n").into_bytes()).collect();
    let gz = gzip(&text);
    let df = raw_deflate(&text);
    vec![
        vec![
            (
                S,
                b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b?x=%2e%2e/y HTTP/1.1\r\nHost: y\r\n\r\n".to_vec(),
            ),
            (
                C,
                b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 404 NF\r\nContent-Length: 0\r\n\r\n".to_vec(),
            ),
        ],
        vec![
            (
                S,
                b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n"
                    .to_vec(),
            ),
            (
                C,
                cat(&[
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
                        gz.len()
                    )
                    .as_bytes(),
                    &gz,
                ]),
            ),
        ],
        vec![
            (
                S,
                b"POST /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".to_vec(),
            ),
            (C, b"HTTP/1.1 100 Continue\r\n\r\n".to_vec()),
            (S, b"okHEAD /h HTTP/1.1\r\n\r\n".to_vec()),
            (
                C,
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n".to_vec(),
            ),
        ],
        vec![
            (C, b"HTTP/1.1 200 OK\r\n\r\nunsolicited until close".to_vec()),
            (S, b"  GET /x\r\nHost: a\r\n folded\r\n\r\nGET /09\r\n".to_vec()),
        ],
        vec![
            (S, b"GET / HTTP/1.1\r\n\r\n".to_vec()),
            (
                C,
                cat(&[
                    b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n",
                    format!("{:x}\r\n", df.len()).as_bytes(),
                    &df,
                    b"\r\n0\r\n\r\n",
                ]),
            ),
        ],
        vec![
            (S, b"CONNECT h:443 HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n".to_vec()),
            (
                C,
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\n\r\n".to_vec(),
            ),
        ],
        vec![
            (S, b"GET / HTTP/1.1\r\n\r\n".to_vec()),
            (C, b"\r\nxyz not http\r\n".to_vec()),
        ],
        vec![(
            S,
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nqq\r\nGET /r HTTP/1.1\r\n\r\n".to_vec(),
        )],
    ]
}

#[test]
fn byte_at_a_time_equals_whole() {
    for (i, s) in samples().iter().enumerate() {
        let whole = run_whole(s, HttpLimits::default());
        let bytewise = run_bytewise(s, HttpLimits::default());
        assert_eq!(whole.transactions(), bytewise.transactions(), "sample {i}");
        assert_eq!(whole.events(), bytewise.events(), "sample {i}");
        assert!(!whole.transactions().is_empty(), "sample {i}");
        let mut rng = Rng(i as u64 + 1);
        for _ in 0..20 {
            let random = run_random(s, HttpLimits::default(), &mut rng);
            assert_eq!(whole.transactions(), random.transactions(), "sample {i} random split");
        }
    }
}

#[test]
fn byte_at_a_time_with_small_limits() {
    let limits = HttpLimits {
        max_header_line: 64,
        max_headers: 2,
        max_header_block: 90,
        request_body_limit: 3,
        response_body_limit: 5,
        max_decompressed: 100,
        max_transactions: 2,
        max_events: 4,
    };
    for (i, s) in samples().iter().enumerate() {
        let whole = run_whole(s, limits);
        let bytewise = run_bytewise(s, limits);
        assert_eq!(whole.transactions(), bytewise.transactions(), "sample {i}");
        assert_eq!(whole.events(), bytewise.events(), "sample {i}");
    }
}

/// Random conversations: HTTP-like fragments mixed with random bytes.
fn random_input(rng: &mut Rng) -> Vec<u8> {
    const PIECES: &[&[u8]] = &[
        b"GET / HTTP/1.1\r\n",
        b"POST /x HTTP/1.0\r\n",
        b"HEAD /h HTTP/1.1\r\n",
        b"CONNECT h:1 HTTP/1.1\r\n",
        b"HTTP/1.1 200 OK\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 101 Switching\r\n",
        b"HTTP/1.0 304 NM\r\n",
        b"Host: a\r\n",
        b"Content-Length: 5\r\n",
        b"Content-Length: x\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Content-Encoding: gzip\r\n",
        b"Content-Encoding: deflate, gzip\r\n",
        b" folded\r\n",
        b"\r\n",
        b"\n",
        b"5\r\nhello\r\n",
        b"0\r\n\r\n",
        b"ffffffffffffffff\r\n",
        b"3;x\r\n",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
        b"\x78\x9c",
        b"%2e%2e/",
    ];
    let mut out = Vec::new();
    let parts = rng.below(24);
    for _ in 0..parts {
        if rng.below(3) == 0 {
            let n = rng.below(32);
            for _ in 0..n {
                out.push(rng.next() as u8);
            }
        } else {
            out.extend_from_slice(PIECES[rng.below(PIECES.len())]);
        }
    }
    out
}

#[test]
fn random_input_never_panics() {
    let mut rng = Rng(0xdead_beef);
    let small = HttpLimits {
        max_header_line: 70,
        max_headers: 3,
        max_header_block: 200,
        request_body_limit: 16,
        response_body_limit: 16,
        max_decompressed: 64,
        max_transactions: 2,
        max_events: 8,
    };
    for case in 0..2500 {
        let limits = if case % 2 == 0 { small } else { HttpLimits::default() };
        let a = random_input(&mut rng);
        let b = random_input(&mut rng);
        let mut p = HttpParser::new(limits);
        let (mut ra, mut rb) = (a.as_slice(), b.as_slice());
        while !ra.is_empty() || !rb.is_empty() {
            let use_a = !ra.is_empty() && (rb.is_empty() || rng.below(2) == 0);
            let src = if use_a { &mut ra } else { &mut rb };
            let n = 1 + rng.below(src.len().min(50));
            let (x, y) = src.split_at(n);
            p.feed(if use_a { S } else { C }, x);
            *src = y;
            if rng.below(20) == 0 {
                p.gap(if rng.below(2) == 0 { S } else { C }, rng.below(30) as u64);
            }
            if rng.below(10) == 0 {
                p.drain_finished();
            }
            assert!(p.transactions().len() <= limits.max_transactions);
            assert!(p.events().len() <= limits.max_events);
            for t in p.transactions() {
                assert!(t.request_body.len() <= limits.request_body_limit);
                assert!(t.response_body.len() <= limits.response_body_limit);
                assert!(t.request_headers.len() <= limits.max_headers);
                assert!(t.response_headers.len() <= limits.max_headers);
            }
        }
        p.finish();
        for t in p.drain_all() {
            let _ = eve_object(&t);
        }
        // Same bytes through the fuzzing entry point.
        let mut joined = vec![case as u8, (case >> 8) as u8, 0, 1];
        joined.extend_from_slice(&a);
        joined.extend_from_slice(&b);
        fuzz_one(&joined);
    }
}

#[test]
fn random_bytes_whole_equals_bytewise() {
    let mut rng = Rng(42);
    for case in 0..300 {
        let script: Script = vec![
            (S, random_input(&mut rng)),
            (C, random_input(&mut rng)),
            (S, random_input(&mut rng)),
        ];
        let limits = if case % 2 == 0 {
            HttpLimits::default()
        } else {
            HttpLimits {
                max_header_line: 64,
                max_transactions: 3,
                ..HttpLimits::default()
            }
        };
        let whole = run_whole(&script, limits);
        let bytewise = run_bytewise(&script, limits);
        assert_eq!(whole.transactions(), bytewise.transactions(), "case {case}");
        assert_eq!(whole.events(), bytewise.events(), "case {case}");
    }
}
