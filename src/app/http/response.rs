//! Response-side message handling: pairing with requests, status line, interim and final headers.

use super::body::BodySink;
use super::bytes::{strip_cr, trim};
use super::framing::{self, BodyKind};
use super::header::HeaderBlock;
use super::side::{State, Target};
use super::startline::parse_status_line;
use super::{Direction, HttpEvent, HttpParser};

const C: Direction = Direction::ToClient;

impl HttpParser {
    /// Pairs the response being read with the oldest request without a
    /// response; with none, creates a transaction for an unsolicited
    /// response. Keeps the pairing across interim (1xx) responses.
    fn bind_response(&mut self) {
        if self.resp.target != Target::None {
            return;
        }
        let target = if self.phantom_responses > 0 {
            self.phantom_responses -= 1;
            Target::Phantom
        } else if let Some(tx) = self.txs.iter_mut().find(|t| !t.response_bound) {
            tx.response_bound = true;
            Target::Tx(tx.id)
        } else {
            let id = self.new_tx();
            if let Some(tx) = self.txs.last_mut() {
                tx.response_bound = true;
                tx.request_headers_complete = true;
                tx.request_complete = true;
                tx.raise(HttpEvent::UnsolicitedResponse);
            }
            Target::Tx(id)
        };
        self.resp.target = target;
        let (head, connect, http09) = match self.target_tx(C) {
            Some(tx) => (
                tx.method == b"HEAD",
                tx.method == b"CONNECT",
                tx.protocol.is_empty() && !tx.method.is_empty(),
            ),
            None => (false, false, false),
        };
        self.resp.head = head;
        self.resp.connect = connect;
        self.resp.http09 = http09;
    }

    /// A complete line in the response `Start` state.
    pub(super) fn on_status_line(&mut self, line: &[u8], cut: bool) {
        let l = strip_cr(line);
        if trim(l).is_empty() {
            return;
        }
        self.bind_response();
        let sl = parse_status_line(l);
        let mut events = Vec::new();
        if !sl.protocol_valid {
            events.push(HttpEvent::InvalidResponseProtocol);
        }
        if sl.code.is_none() {
            events.push(HttpEvent::InvalidStatusCode);
        }
        if cut {
            events.push(HttpEvent::HeaderTooLong(C));
        }
        if let Some(tx) = self.target_tx(C) {
            tx.response_line = l.to_vec();
            tx.response_protocol = sl.protocol.to_vec();
            tx.status_code = sl.code;
            tx.status_code_raw = sl.code_raw.to_vec();
            tx.status_msg = sl.message.to_vec();
        }
        for ev in events {
            self.raise(C, ev);
        }
        self.resp.status = sl.code;
        self.resp.state = State::Headers;
    }

    /// A response that does not start with "HTTP": no status line, no
    /// headers, everything up to the close is body.
    pub(super) fn headerless_response(&mut self, first_bytes: &[u8]) {
        self.bind_response();
        if !self.resp.http09 {
            self.raise(C, HttpEvent::MalformedStatusLine);
        }
        if let Some(tx) = self.target_tx(C) {
            tx.response_headers_complete = true;
        }
        self.resp.body = BodySink::default();
        self.resp.state = State::UntilClose;
        self.body_data(C, first_bytes);
    }

    pub(super) fn response_headers_done(&mut self, block: HeaderBlock) {
        let status = self.resp.status;
        if matches!(status, Some(s) if (100..200).contains(&s) && s != 101) {
            self.interim_response_done(block, status == Some(100));
            return;
        }
        let mut events = Vec::new();
        let kind = framing::response_body(self.resp.head, self.resp.connect, status, &block.headers, &mut events);
        let codings = framing::codings(&block.headers, C, &mut events);
        self.store_headers(C, block, false);
        if let Some(tx) = self.target_tx(C) {
            tx.response_headers_complete = true;
        }
        for ev in events {
            self.raise(C, ev);
        }
        if let Target::Tx(id) = self.resp.target
            && self.req.state == State::ConnectWait
            && self.req.connect_tx == Some(id)
            && kind != BodyKind::Tunnel
        {
            self.resume_after_connect();
        }
        self.start_body(C, kind, &codings);
    }

    /// A 1xx response other than 101: forgotten, the final response follows
    /// for the same request.
    fn interim_response_done(&mut self, block: HeaderBlock, is_continue: bool) {
        if is_continue {
            if self.resp.continue_seen {
                self.raise(C, HttpEvent::ContinueAlreadySeen);
            }
            self.resp.continue_seen = true;
        }
        if let Some(tx) = self.target_tx(C) {
            tx.clear_response();
            for ev in block.events {
                tx.raise(ev);
            }
        }
        self.resp.status = None;
        self.resp.start_decided = false;
        self.resp.start_head = 0;
        self.resp.state = State::Start;
    }
}
