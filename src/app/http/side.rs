//! Per-direction parsing state: where the parser is in the current message of one direction.

use super::body::BodySink;
use super::header::HeaderBuilder;
use super::line::LineBuf;

/// Position in the current message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    /// Waiting for, or reading, a request line / status line.
    Start,
    /// After a request line without protocol: the next line tells whether
    /// headers follow (HTTP/1.0 style) or not (HTTP/0.9).
    MaybeHeaders,
    /// Reading header lines.
    Headers,
    /// Content-Length body: bytes left.
    Length(u64),
    /// Reading a chunk-size line.
    ChunkSize,
    /// Chunk data: bytes left in the chunk.
    ChunkData(u64),
    /// The line end after chunk data.
    ChunkEnd,
    /// Trailer lines after the last chunk.
    Trailers,
    /// Body up to connection close.
    UntilClose,
    /// Request side after CONNECT: bytes are held until the answer tells
    /// whether the connection becomes a tunnel.
    ConnectWait,
    /// No longer HTTP: bytes are ignored.
    Tunnel,
    /// After lost bytes: looking for a line that starts a message.
    Resync { at_line_start: bool },
    /// After `finish`: bytes are ignored.
    Closed,
}

/// The transaction the current message belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Target {
    None,
    Tx(u64),
    /// A response whose request was dropped: parsed, not stored.
    Phantom,
}

/// Parsing state of one direction.
#[derive(Debug)]
pub(super) struct Side {
    pub state: State,
    pub line: LineBuf,
    pub target: Target,
    pub headers: HeaderBuilder,
    pub body: BodySink,
    /// Response start line: its first bytes are known to be "HTTP".
    pub start_decided: bool,
    /// Response start line, while undecided: how many letters of "HTTP"
    /// followed the leading whitespace.
    pub start_head: u8,
    /// Request: the current request is CONNECT. Response: it answers CONNECT.
    pub connect: bool,
    /// Response: it answers HEAD.
    pub head: bool,
    /// Response: it answers an HTTP/0.9 style request.
    pub http09: bool,
    /// Response: its status code.
    pub status: Option<u16>,
    /// Response: a "100 Continue" was already seen for this request.
    pub continue_seen: bool,
    /// Request side in `ConnectWait`: held bytes and the CONNECT transaction.
    pub connect_buf: Vec<u8>,
    pub connect_tx: Option<u64>,
}

impl Side {
    pub(super) fn new() -> Self {
        Side {
            state: State::Start,
            line: LineBuf::default(),
            target: Target::None,
            headers: HeaderBuilder::default(),
            body: BodySink::default(),
            start_decided: false,
            start_head: 0,
            connect: false,
            head: false,
            http09: false,
            status: None,
            continue_seen: false,
            connect_buf: Vec::new(),
            connect_tx: None,
        }
    }

    /// Forgets the current message and waits for the next one.
    pub(super) fn reset_message(&mut self) {
        self.state = State::Start;
        self.line.clear();
        self.target = Target::None;
        self.headers = HeaderBuilder::default();
        self.body = BodySink::default();
        self.start_decided = false;
        self.start_head = 0;
        self.connect = false;
        self.head = false;
        self.http09 = false;
        self.status = None;
        self.continue_seen = false;
    }
}
