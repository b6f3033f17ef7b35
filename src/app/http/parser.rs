//! The HTTP/1.x parser of one flow: public API, transaction table and event lists.

use super::header::HeaderBlock;
use super::side::{Side, State, Target};
use super::{Direction, HttpEvent, HttpLimits, HttpTx};

/// Parses both directions of one TCP connection carrying HTTP/1.x.
///
/// Feed the reassembled bytes of each direction with [`feed`](Self::feed), in
/// the order they were sent (for the same time span, the request direction
/// before the response direction), report lost bytes with
/// [`gap`](Self::gap) and the end of the flow with [`finish`](Self::finish).
#[derive(Debug)]
pub struct HttpParser {
    pub(super) limits: HttpLimits,
    pub(super) txs: Vec<HttpTx>,
    pub(super) next_id: u64,
    pub(super) req: Side,
    pub(super) resp: Side,
    pub(super) events: Vec<HttpEvent>,
    /// Responses still owed to requests whose transaction was dropped.
    pub(super) phantom_responses: u64,
    pub(super) tunnel: bool,
    pub(super) finished: bool,
}

/// The transaction with this id, if still held.
pub(super) fn find_tx(txs: &mut [HttpTx], target: Target) -> Option<&mut HttpTx> {
    let Target::Tx(id) = target else {
        return None;
    };
    let i = txs.binary_search_by_key(&id, |t| t.id).ok()?;
    txs.get_mut(i)
}

impl HttpParser {
    /// A parser for a new flow.
    pub fn new(limits: HttpLimits) -> Self {
        HttpParser {
            limits: limits.sanitized(),
            txs: Vec::new(),
            next_id: 0,
            req: Side::new(),
            resp: Side::new(),
            events: Vec::new(),
            phantom_responses: 0,
            tunnel: false,
            finished: false,
        }
    }

    /// Parses more bytes of one direction. Any split of the stream into
    /// calls gives the same result. Ignored after [`finish`](Self::finish).
    pub fn feed(&mut self, dir: Direction, data: &[u8]) {
        if !self.finished {
            self.run(dir, data);
        }
    }

    /// `len` bytes of one direction were lost. Inside a body of known length
    /// the parser stays in step (the body is marked incomplete); elsewhere the
    /// current message is ended, marked incomplete, and the parser looks for
    /// the next request line / status line.
    pub fn gap(&mut self, dir: Direction, len: u64) {
        if len > 0 && !self.finished {
            self.lost(dir, len);
        }
    }

    /// The flow ended: a body delimited by the close is complete, a request
    /// line without protocol is complete, messages cut short are ended with
    /// [`HttpEvent::IncompleteAtEnd`]. Later input is ignored.
    pub fn finish(&mut self) {
        if !self.finished {
            self.close();
            self.finished = true;
        }
    }

    /// Transactions held, oldest first (finished or not).
    pub fn transactions(&self) -> &[HttpTx] {
        &self.txs
    }

    /// Removes and returns the transactions whose request and response are
    /// both complete, oldest first.
    pub fn drain_finished(&mut self) -> Vec<HttpTx> {
        // In place: the kept transactions keep their vector and its room.
        self.txs.extract_if(.., |t| t.is_finished()).collect()
    }

    /// Removes and returns every transaction held (for the end of a flow).
    pub fn drain_all(&mut self) -> Vec<HttpTx> {
        let unanswered = self.txs.iter().filter(|t| !t.response_bound).count() as u64;
        self.phantom_responses += unanswered;
        std::mem::take(&mut self.txs)
    }

    /// Events not tied to a transaction (at most `limits.max_events`).
    pub fn events(&self) -> &[HttpEvent] {
        &self.events
    }

    /// Removes and returns the events not tied to a transaction.
    pub fn take_events(&mut self) -> Vec<HttpEvent> {
        std::mem::take(&mut self.events)
    }

    /// The connection stopped carrying HTTP (CONNECT accepted with 2xx, or
    /// 101 Switching Protocols): later bytes are ignored by this parser.
    pub fn is_tunnel(&self) -> bool {
        self.tunnel
    }

    /// The limits in force.
    pub fn limits(&self) -> &HttpLimits {
        &self.limits
    }

    pub(super) fn side(&mut self, dir: Direction) -> &mut Side {
        match dir {
            Direction::ToServer => &mut self.req,
            Direction::ToClient => &mut self.resp,
        }
    }

    /// The transaction of the message being parsed in `dir`.
    pub(super) fn target_tx(&mut self, dir: Direction) -> Option<&mut HttpTx> {
        let target = self.side(dir).target;
        find_tx(&mut self.txs, target)
    }

    /// Records an event on the current transaction of `dir`, or on the
    /// parser when there is none.
    pub(super) fn raise(&mut self, dir: Direction, ev: HttpEvent) {
        match self.target_tx(dir) {
            Some(tx) => tx.raise(ev),
            None => self.parser_event(ev),
        }
    }

    pub(super) fn parser_event(&mut self, ev: HttpEvent) {
        if self.events.len() < self.limits.max_events {
            self.events.push(ev);
        }
    }

    /// Creates the next transaction, dropping the oldest one when the table
    /// is full.
    pub(super) fn new_tx(&mut self) -> u64 {
        if self.txs.len() >= self.limits.max_transactions && !self.txs.is_empty() {
            let old = self.txs.remove(0);
            if !old.response_bound {
                self.phantom_responses += 1;
            }
            self.parser_event(HttpEvent::TransactionsDropped);
        }
        let id = self.next_id;
        self.next_id += 1;
        self.txs.push(HttpTx {
            id,
            ..HttpTx::default()
        });
        id
    }

    /// Stores a header block (or trailers, when `append`) in the current
    /// transaction of `dir`, with its events.
    pub(super) fn store_headers(&mut self, dir: Direction, block: HeaderBlock, append: bool) {
        let Some(tx) = self.target_tx(dir) else {
            for ev in block.events {
                self.parser_event(ev);
            }
            return;
        };
        let (headers, raw) = match dir {
            Direction::ToServer => (&mut tx.request_headers, &mut tx.request_headers_raw),
            Direction::ToClient => (&mut tx.response_headers, &mut tx.response_headers_raw),
        };
        if append {
            headers.extend(block.headers);
            raw.extend_from_slice(&block.raw);
        } else {
            *headers = block.headers;
            *raw = block.raw;
        }
        for ev in block.events {
            tx.raise(ev);
        }
    }

    /// The current message of `dir` is over: progress flags are set and the
    /// direction waits for the next message.
    pub(super) fn complete_message(&mut self, dir: Direction) {
        let limits = self.limits;
        let side = match dir {
            Direction::ToServer => &mut self.req,
            Direction::ToClient => &mut self.resp,
        };
        side.body.end(dir, find_tx(&mut self.txs, side.target), &limits);
        if let Some(tx) = self.target_tx(dir) {
            match dir {
                Direction::ToServer => {
                    tx.request_headers_complete = true;
                    tx.request_complete = true;
                }
                Direction::ToClient => {
                    tx.response_headers_complete = true;
                    tx.response_complete = true;
                }
            }
        }
        self.side(dir).reset_message();
        if self.tunnel {
            self.side(dir).state = State::Tunnel;
        }
    }
}
