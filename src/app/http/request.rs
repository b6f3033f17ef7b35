//! Request-side message handling: request line, HTTP/0.9 lookahead, request headers, end of request.

use super::bytes::{strip_cr, trim};
use super::framing;
use super::header::{HeaderBlock, looks_like_field};
use super::host::{normalize_host, uri_authority};
use super::side::{State, Target};
use super::startline::parse_request_line;
use super::uri::normalize_uri;
use super::{Direction, HttpEvent, HttpParser};

const S: Direction = Direction::ToServer;

impl HttpParser {
    /// A line in the request `Start` state: blank lines are skipped, any
    /// other line starts a transaction.
    pub(super) fn on_request_line(&mut self, line: &[u8], cut: bool) {
        let l = strip_cr(line);
        if trim(l).is_empty() {
            return;
        }
        let rl = parse_request_line(l);
        let id = self.new_tx();
        self.req.target = Target::Tx(id);
        self.req.connect = rl.method == b"CONNECT";
        self.req.state = if rl.protocol.is_empty() {
            State::MaybeHeaders
        } else {
            State::Headers
        };
        let mut events = Vec::new();
        if rl.malformed {
            events.push(HttpEvent::MalformedRequestLine);
        }
        if rl.leading_whitespace {
            events.push(HttpEvent::RequestLineLeadingWhitespace);
        }
        if rl.protocol.is_empty() {
            events.push(HttpEvent::RequestLineMissingProtocol);
        }
        if cut {
            events.push(HttpEvent::HeaderTooLong(S));
        }
        if let Some(tx) = self.target_tx(S) {
            tx.method = rl.method.to_vec();
            tx.uri_raw = rl.uri.to_vec();
            tx.uri_normalized = normalize_uri(rl.uri);
            tx.protocol = rl.protocol.to_vec();
            tx.request_line = l.to_vec();
            for ev in events {
                tx.raise(ev);
            }
        }
    }

    /// The line after a request line without protocol: a header field means
    /// headers follow; anything else ends the (HTTP/0.9) request and is
    /// parsed again as the next request.
    pub(super) fn on_maybe_header_line(&mut self, line: &[u8], cut: bool) {
        let l = strip_cr(line);
        if l.is_empty() {
            self.request_done();
            return;
        }
        if looks_like_field(l) {
            self.req.state = State::Headers;
            self.on_line(S, line, cut);
            return;
        }
        self.request_done();
        let mut again = line.to_vec();
        again.push(b'\n');
        self.run(S, &again);
    }

    pub(super) fn request_headers_done(&mut self, block: HeaderBlock) {
        let mut events = Vec::new();
        let kind = framing::request_body(&block.headers, &mut events);
        let codings = framing::codings(&block.headers, S, &mut events);
        self.store_headers(S, block, false);
        if let Some(tx) = self.target_tx(S) {
            tx.request_headers_complete = true;
            if tx.protocol.eq_ignore_ascii_case(b"HTTP/1.1") && tx.host_raw().is_none() {
                events.push(HttpEvent::MissingHost);
            }
            if let (Some(a), Some(h)) = (uri_authority(&tx.uri_raw), tx.host_raw())
                && normalize_host(a) != normalize_host(h)
            {
                events.push(HttpEvent::HostAmbiguous);
            }
        }
        for ev in events {
            self.raise(S, ev);
        }
        self.start_body(S, kind, &codings);
    }

    /// The request ended normally. After CONNECT, the request side holds
    /// its bytes until the answer is known.
    pub(super) fn request_done(&mut self) {
        let connect = self.req.connect;
        let target = self.req.target;
        let answered = find_answered(self, target);
        self.complete_message(S);
        if let (true, false, false, Target::Tx(id)) = (connect, self.tunnel, answered, target) {
            self.req.state = State::ConnectWait;
            self.req.connect_tx = Some(id);
        }
    }
}

/// The response headers of this transaction were already read.
fn find_answered(p: &mut HttpParser, target: Target) -> bool {
    super::parser::find_tx(&mut p.txs, target).is_some_and(|tx| tx.response_headers_complete)
}
