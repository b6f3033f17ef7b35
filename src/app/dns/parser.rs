//! Per-flow DNS state: messages in both directions turned into request/response transactions.

use super::detect::{Detection, detect_tcp};
use super::direction::Direction;
use super::event::{DnsEvent, push_event};
use super::framing::Framer;
use super::limits::{MAX_EVENTS_PER_TRANSACTION, MAX_PENDING_TRANSACTIONS, MAX_TRANSACTIONS};
use super::message::{DnsMessage, parse_message};

/// How DNS messages travel in a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transport {
    /// One message per datagram.
    Udp,
    /// A byte stream of messages, each after a 2-byte length.
    Tcp,
}

/// A request and the response carrying the same DNS id, or a lone message, or just events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsTx {
    /// Position in the flow: 0, 1, 2...
    pub id: u64,
    /// The DNS header id shared by request and response.
    pub dns_id: u16,
    pub request: Option<DnsMessage>,
    pub response: Option<DnsMessage>,
    /// Anomalies of this transaction's messages, each at most once.
    pub events: Vec<DnsEvent>,
}

impl DnsTx {
    /// A transaction is complete once it has a response, or if it never had a request
    /// (a response without request, or a message that failed to parse).
    pub fn is_complete(&self) -> bool {
        self.response.is_some() || self.request.is_none()
    }

    /// The names of the request's questions: what `dns.query` inspects, one buffer each.
    pub fn query_names(&self) -> impl Iterator<Item = &[u8]> {
        self.request
            .iter()
            .flat_map(|m| m.questions.iter().map(|q| q.name.as_slice()))
    }

    /// The message sent in `dir`, if any.
    pub fn message(&self, dir: Direction) -> Option<&DnsMessage> {
        match dir {
            Direction::ToServer => self.request.as_ref(),
            Direction::ToClient => self.response.as_ref(),
        }
    }

    fn event(&mut self, event: DnsEvent) {
        push_event(&mut self.events, event, MAX_EVENTS_PER_TRANSACTION);
    }
}

/// DNS parser for one flow.
#[derive(Debug)]
pub struct DnsParser {
    transport: Transport,
    txs: Vec<DnsTx>,
    next_id: u64,
    framers: [Framer; 2],
    /// Per direction: a gap was seen and data is dropped until it looks like a message start.
    resync: [bool; 2],
    finished: bool,
}

fn index(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

impl DnsParser {
    pub fn new(transport: Transport) -> Self {
        DnsParser {
            transport,
            txs: Vec::new(),
            next_id: 0,
            framers: [Framer::default(), Framer::default()],
            resync: [false; 2],
            finished: false,
        }
    }

    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// UDP: `data` is one datagram. TCP: `data` is the next stream bytes in `dir`, cut anywhere.
    pub fn feed(&mut self, dir: Direction, data: &[u8]) {
        match self.transport {
            Transport::Udp => {
                if !data.is_empty() {
                    self.on_message(dir, data);
                }
            }
            Transport::Tcp => {
                if data.is_empty() {
                    return;
                }
                let i = index(dir);
                if self.resync[i] {
                    if detect_tcp(data) == Detection::No {
                        return;
                    }
                    self.resync[i] = false;
                }
                let mut framer = std::mem::take(&mut self.framers[i]);
                framer.feed(data, |message| self.on_message(dir, message));
                self.framers[i] = framer;
            }
        }
    }

    /// Data is missing in `dir`: any partial TCP message is dropped and later data is skipped
    /// until a chunk starts like a DNS message again.
    pub fn gap(&mut self, dir: Direction) {
        if self.transport == Transport::Tcp {
            let i = index(dir);
            self.framers[i].reset();
            self.resync[i] = true;
        }
    }

    /// The flow ended: partial TCP data is dropped and [`DnsParser::drain`] now returns every transaction.
    pub fn finish(&mut self) {
        self.finished = true;
        for framer in &mut self.framers {
            framer.reset();
        }
    }

    /// Transactions held, oldest first.
    pub fn transactions(&self) -> &[DnsTx] {
        &self.txs
    }

    /// Removes and returns the complete transactions (all of them after [`DnsParser::finish`]).
    pub fn drain(&mut self) -> Vec<DnsTx> {
        if self.finished {
            return std::mem::take(&mut self.txs);
        }
        // In place: the pending transactions keep their vector and its room.
        self.txs.extract_if(.., |t| t.is_complete()).collect()
    }

    /// Bytes held for incomplete TCP messages, both directions.
    pub fn buffered(&self) -> usize {
        self.framers.iter().map(Framer::buffered).sum()
    }

    /// Bytes allocated for TCP reassembly, both directions.
    pub fn buffered_capacity(&self) -> usize {
        self.framers.iter().map(Framer::capacity).sum()
    }

    fn on_message(&mut self, dir: Direction, bytes: &[u8]) {
        let mut msg = match parse_message(bytes) {
            Ok(msg) => msg,
            Err(e) => {
                let dns_id = match bytes {
                    [hi, lo, ..] => u16::from_be_bytes([*hi, *lo]),
                    _ => 0,
                };
                let tx = self.push_tx(dns_id);
                tx.event(e.event());
                return;
            }
        };
        let mut events = std::mem::take(&mut msg.events);
        if msg.header.z {
            events.push(DnsEvent::ZFlagSet);
        }
        let dns_id = msg.header.id;
        match (dir, msg.header.qr) {
            (Direction::ToServer, false) => {
                let flooded = self.make_room_for_request();
                let tx = self.push_tx(dns_id);
                tx.request = Some(msg);
                if flooded {
                    tx.event(DnsEvent::Flooded);
                }
                events.into_iter().for_each(|e| tx.event(e));
            }
            (Direction::ToClient, true) => {
                let tx = match self
                    .txs
                    .iter()
                    .position(|t| t.dns_id == dns_id && t.request.is_some() && t.response.is_none())
                {
                    Some(i) => &mut self.txs[i],
                    None => self.push_tx(dns_id),
                };
                tx.response = Some(msg);
                events.into_iter().for_each(|e| tx.event(e));
            }
            (Direction::ToServer, true) => self.push_tx(dns_id).event(DnsEvent::NotARequest),
            (Direction::ToClient, false) => self.push_tx(dns_id).event(DnsEvent::NotAResponse),
        }
    }

    /// Drops the oldest pending request if too many wait; true if one was dropped.
    fn make_room_for_request(&mut self) -> bool {
        let pending = self.txs.iter().filter(|t| !t.is_complete()).count();
        if pending < MAX_PENDING_TRANSACTIONS {
            return false;
        }
        if let Some(oldest) = self.txs.iter().position(|t| !t.is_complete()) {
            self.txs.remove(oldest);
        }
        true
    }

    /// Appends a new transaction, dropping the oldest one if the flow holds too many.
    fn push_tx(&mut self, dns_id: u16) -> &mut DnsTx {
        let mut flooded = false;
        if self.txs.len() >= MAX_TRANSACTIONS {
            self.txs.remove(0);
            flooded = true;
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        let mut tx = DnsTx {
            id,
            dns_id,
            request: None,
            response: None,
            events: Vec::new(),
        };
        if flooded {
            tx.event(DnsEvent::Flooded);
        }
        let at = self.txs.len();
        self.txs.push(tx);
        &mut self.txs[at]
    }
}
