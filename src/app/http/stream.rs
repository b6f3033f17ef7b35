//! The byte-driven state machine shared by both directions: lines, bodies, chunks, gaps, end of flow.

use super::body::BodySink;
use super::chunked::{ChunkLine, parse_chunk_line};
use super::decompress::Decoder;
use super::detect::{Detection, detect_request, detect_response};
use super::framing::{BodyKind, Coding};
use super::header::HeaderBuilder;
use super::parser::find_tx;
use super::side::{State, Target};
use super::{Direction, HttpEvent, HttpParser};

/// Consecutive steps without progress tolerated before a byte is skipped.
const MAX_STALL: u32 = 8;

/// Bytes at the start of a line examined when looking for a message start
/// after lost bytes.
const RESYNC_WINDOW: usize = 64;

impl HttpParser {
    /// Parses `data` of direction `dir`.
    pub(super) fn run(&mut self, dir: Direction, mut data: &[u8]) {
        let mut stalled = 0u32;
        while !data.is_empty() {
            let mut used = self.step(dir, data);
            if used == 0 {
                stalled += 1;
                debug_assert!(stalled < MAX_STALL, "HTTP parser made no progress");
                if stalled >= MAX_STALL {
                    used = 1;
                }
            } else {
                stalled = 0;
            }
            data = data.get(used..).unwrap_or_default();
        }
    }

    /// One parsing step; returns how many bytes were consumed (0 only when
    /// the state changed).
    fn step(&mut self, dir: Direction, data: &[u8]) -> usize {
        let state = self.side(dir).state;
        match state {
            State::Start if dir == Direction::ToClient && !self.resp.start_decided => self.step_response_start(data),
            State::Start | State::MaybeHeaders | State::Headers | State::ChunkSize | State::Trailers => {
                self.step_line(dir, data)
            }
            State::Length(left) => {
                let (chunk, left) = take_up_to(data, left);
                self.body_data(dir, chunk);
                if left == 0 {
                    self.message_done(dir);
                } else {
                    self.side(dir).state = State::Length(left);
                }
                chunk.len()
            }
            State::ChunkData(left) => {
                let (chunk, left) = take_up_to(data, left);
                self.body_data(dir, chunk);
                self.side(dir).state = if left == 0 {
                    State::ChunkEnd
                } else {
                    State::ChunkData(left)
                };
                chunk.len()
            }
            State::ChunkEnd => match data.first() {
                Some(b'\r') => 1,
                Some(b'\n') => {
                    self.side(dir).state = State::ChunkSize;
                    1
                }
                _ => {
                    self.side(dir).state = State::ChunkSize;
                    0
                }
            },
            State::UntilClose => {
                self.body_data(dir, data);
                data.len()
            }
            State::ConnectWait => self.step_connect_wait(data),
            State::Tunnel | State::Closed => data.len(),
            State::Resync { at_line_start } => self.step_resync(dir, data, at_line_start),
        }
    }

    fn step_line(&mut self, dir: Direction, data: &[u8]) -> usize {
        let limit = self.limits.max_header_line;
        let side = self.side(dir);
        let (used, complete) = side.line.push(data, limit);
        if complete {
            let (line, cut) = side.line.take();
            self.on_line(dir, &line, cut);
            self.side(dir).line.recycle(line);
        }
        used
    }

    /// A complete line (LF removed) in a line-based state.
    pub(super) fn on_line(&mut self, dir: Direction, line: &[u8], cut: bool) {
        match self.side(dir).state {
            State::Start => match dir {
                Direction::ToServer => self.on_request_line(line, cut),
                Direction::ToClient => self.on_status_line(line, cut),
            },
            State::MaybeHeaders => self.on_maybe_header_line(line, cut),
            State::Headers => self.on_header_line(dir, line, cut),
            State::ChunkSize => self.on_chunk_line(dir, line),
            State::Trailers => self.on_trailer_line(dir, line, cut),
            _ => {}
        }
    }

    /// First bytes of a response, one at a time until it is clear whether
    /// they start a status line ("HTTP") or a body without headers.
    fn step_response_start(&mut self, data: &[u8]) -> usize {
        let Some(&b) = data.first() else {
            return 0;
        };
        if b == b'\n' {
            self.resp.start_head = 0;
            let (line, cut) = self.resp.line.take();
            self.on_status_line(&line, cut);
            self.resp.line.recycle(line);
            return 1;
        }
        let limit = self.limits.max_header_line;
        self.resp.line.push(&[b], limit);
        let seen = usize::from(self.resp.start_head);
        if seen == 0 && matches!(b, b' ' | b'\t' | b'\r') {
            return 1;
        }
        if b"HTTP".get(seen).is_some_and(|w| w.eq_ignore_ascii_case(&b)) {
            self.resp.start_head += 1;
            if self.resp.start_head >= 4 {
                self.resp.start_decided = true;
            }
            return 1;
        }
        let (line, _) = self.resp.line.take();
        self.headerless_response(&line);
        1
    }

    /// After lost bytes: skip lines until one starts a message.
    fn step_resync(&mut self, dir: Direction, data: &[u8], at_line_start: bool) -> usize {
        if !at_line_start {
            return match memchr::memchr(b'\n', data) {
                Some(i) => {
                    self.side(dir).state = State::Resync { at_line_start: true };
                    i + 1
                }
                None => data.len(),
            };
        }
        let limit = self.limits.max_header_line;
        let side = self.side(dir);
        let (used, complete) = side.line.push(data, limit);
        // Only the first bytes of a line are examined, so a long line costs
        // the same whatever the split of the input.
        let bytes = side.line.bytes();
        let head = bytes.get(..RESYNC_WINDOW).unwrap_or(bytes);
        let mut verdict = match dir {
            Direction::ToServer => detect_request(head),
            Direction::ToClient => detect_response(head),
        };
        if verdict == Detection::NeedMore && head.len() >= RESYNC_WINDOW {
            verdict = Detection::No;
        }
        match (verdict, complete) {
            (Detection::Yes, _) => {
                side.state = State::Start;
                side.start_decided = dir == Direction::ToClient;
                if complete {
                    let (line, cut) = side.line.take();
                    self.on_line(dir, &line, cut);
                    self.side(dir).line.recycle(line);
                }
            }
            (Detection::NeedMore, false) => {}
            _ => {
                side.line.clear();
                side.state = State::Resync {
                    at_line_start: complete,
                };
            }
        }
        used
    }

    /// Request bytes after CONNECT, held until the answer is known.
    fn step_connect_wait(&mut self, data: &[u8]) -> usize {
        let room = self.limits.max_header_line.saturating_sub(self.req.connect_buf.len());
        if data.len() <= room {
            self.req.connect_buf.extend_from_slice(data);
            return data.len();
        }
        // Too much to hold: stop waiting and parse as HTTP.
        self.resume_after_connect();
        0
    }

    /// The request side stops waiting after CONNECT and parses what it held.
    pub(super) fn resume_after_connect(&mut self) {
        let held = std::mem::take(&mut self.req.connect_buf);
        self.req.connect_tx = None;
        if self.req.state == State::ConnectWait {
            self.req.state = State::Start;
            self.run(Direction::ToServer, &held);
        }
    }

    /// Body bytes as framed (de-chunked) for the current message of `dir`.
    pub(super) fn body_data(&mut self, dir: Direction, data: &[u8]) {
        let limits = self.limits;
        let side = match dir {
            Direction::ToServer => &mut self.req,
            Direction::ToClient => &mut self.resp,
        };
        let tx = find_tx(&mut self.txs, side.target);
        side.body.push(dir, data, tx, &limits);
    }

    fn on_header_line(&mut self, dir: Direction, line: &[u8], cut: bool) {
        let limits = self.limits;
        let side = self.side(dir);
        if side.headers.push_line(line, cut, dir, &limits) {
            let block = side.headers.take_block();
            match dir {
                Direction::ToServer => self.request_headers_done(block),
                Direction::ToClient => self.response_headers_done(block),
            }
        }
    }

    /// Sets up the body of the current message of `dir`.
    pub(super) fn start_body(&mut self, dir: Direction, kind: BodyKind, codings: &[Coding]) {
        self.side(dir).body = BodySink::new(Decoder::new(codings));
        match kind {
            BodyKind::None | BodyKind::Length(0) => self.message_done(dir),
            BodyKind::Length(n) => self.side(dir).state = State::Length(n),
            BodyKind::Chunked => self.side(dir).state = State::ChunkSize,
            BodyKind::UntilClose => self.side(dir).state = State::UntilClose,
            BodyKind::Tunnel => {
                self.message_done(dir);
                self.enter_tunnel();
            }
        }
    }

    /// Both directions stop being HTTP.
    pub(super) fn enter_tunnel(&mut self) {
        self.tunnel = true;
        for dir in [Direction::ToServer, Direction::ToClient] {
            if self.side(dir).target != Target::None {
                self.complete_message(dir);
            }
            self.side(dir).state = State::Tunnel;
        }
        self.req.connect_buf = Vec::new();
        self.req.connect_tx = None;
    }

    fn on_chunk_line(&mut self, dir: Direction, line: &[u8]) {
        match parse_chunk_line(line) {
            ChunkLine::Empty => {}
            ChunkLine::Invalid => {
                self.raise(dir, HttpEvent::InvalidChunkSize(dir));
                self.complete_message(dir);
                self.side(dir).state = State::Resync { at_line_start: true };
            }
            ChunkLine::Size { size, extension } => {
                if extension {
                    self.raise(dir, HttpEvent::ChunkExtension(dir));
                }
                if size > 0 {
                    self.side(dir).state = State::ChunkData(size);
                    return;
                }
                let (count, parsed, raw) = match self.target_tx(dir) {
                    Some(tx) => {
                        let (h, r) = match dir {
                            Direction::ToServer => (&tx.request_headers, &tx.request_headers_raw),
                            Direction::ToClient => (&tx.response_headers, &tx.response_headers_raw),
                        };
                        (h.len(), h.iter().map(|(n, v)| n.len() + v.len()).sum(), r.len())
                    }
                    None => (0, 0, 0),
                };
                let side = self.side(dir);
                side.headers = HeaderBuilder::continuing(count, parsed, raw);
                side.state = State::Trailers;
            }
        }
    }

    fn on_trailer_line(&mut self, dir: Direction, line: &[u8], cut: bool) {
        let limits = self.limits;
        let side = self.side(dir);
        if side.headers.push_line(line, cut, dir, &limits) {
            let block = side.headers.take_block();
            self.store_headers(dir, block, true);
            self.message_done(dir);
        }
    }

    /// The current message of `dir` ended normally.
    pub(super) fn message_done(&mut self, dir: Direction) {
        match dir {
            Direction::ToServer => self.request_done(),
            Direction::ToClient => self.complete_message(dir),
        }
    }

    /// `len` bytes of `dir` were lost.
    pub(super) fn lost(&mut self, dir: Direction, len: u64) {
        let side = self.side(dir);
        match side.state {
            State::Tunnel | State::Closed => {}
            State::Length(left) if len <= left => {
                self.body_gap(dir);
                if len == left {
                    self.message_done(dir);
                } else {
                    self.side(dir).state = State::Length(left - len);
                }
            }
            State::ChunkData(left) if len <= left => {
                self.body_gap(dir);
                self.side(dir).state = if len == left {
                    State::ChunkEnd
                } else {
                    State::ChunkData(left - len)
                };
            }
            State::UntilClose => self.body_gap(dir),
            State::Start | State::Resync { .. } if side.target == Target::None => {
                side.line.clear();
                side.start_head = 0;
                side.state = State::Resync { at_line_start: true };
                self.parser_event(HttpEvent::Gap(dir));
            }
            State::ConnectWait => {
                side.connect_buf = Vec::new();
                side.connect_tx = None;
                side.state = State::Resync { at_line_start: true };
                self.parser_event(HttpEvent::Gap(dir));
            }
            _ => {
                self.abort_message(dir);
                self.side(dir).state = State::Resync { at_line_start: true };
            }
        }
    }

    fn body_gap(&mut self, dir: Direction) {
        self.side(dir).body.gap();
        if let Some(tx) = self.target_tx(dir) {
            tx.set_gap(dir);
        }
    }

    /// Ends the current message of `dir` after lost bytes, keeping what was
    /// parsed of its headers.
    fn abort_message(&mut self, dir: Direction) {
        self.flush_headers(dir);
        match self.target_tx(dir) {
            Some(tx) => tx.set_gap(dir),
            None => self.parser_event(HttpEvent::Gap(dir)),
        }
        self.complete_message(dir);
    }

    /// Stores the header lines read so far when a message ends early.
    fn flush_headers(&mut self, dir: Direction) {
        let limits = self.limits;
        let state = self.side(dir).state;
        if matches!(state, State::Headers | State::Trailers) {
            let side = self.side(dir);
            side.headers.flush(dir, &limits);
            let block = side.headers.take_block();
            self.store_headers(dir, block, state == State::Trailers);
        }
    }

    /// End of flow.
    pub(super) fn close(&mut self) {
        if self.req.state == State::ConnectWait {
            self.resume_after_connect();
        }
        for dir in [Direction::ToServer, Direction::ToClient] {
            self.close_side(dir);
        }
        self.req.state = State::Closed;
        self.resp.state = State::Closed;
    }

    fn close_side(&mut self, dir: Direction) {
        let state = self.side(dir).state;
        let line_state = matches!(
            state,
            State::Start | State::MaybeHeaders | State::Headers | State::ChunkSize | State::Trailers
        );
        if line_state && !self.side(dir).line.is_empty() {
            let (line, cut) = self.side(dir).line.take();
            self.on_line(dir, &line, cut);
        }
        let (state, target) = (self.side(dir).state, self.side(dir).target);
        match state {
            State::MaybeHeaders => self.request_done(),
            State::UntilClose => self.message_done(dir),
            State::Trailers => {
                self.flush_headers(dir);
                self.message_done(dir);
            }
            State::Headers | State::Length(_) | State::ChunkSize | State::ChunkData(_) | State::ChunkEnd => {
                self.flush_headers(dir);
                self.raise(dir, HttpEvent::IncompleteAtEnd(dir));
                self.complete_message(dir);
            }
            State::Start if target != Target::None => {
                self.raise(dir, HttpEvent::IncompleteAtEnd(dir));
                self.complete_message(dir);
            }
            _ => {}
        }
    }
}

/// Splits off at most `n` bytes of `data`; returns them and what is left of `n`.
fn take_up_to(data: &[u8], n: u64) -> (&[u8], u64) {
    let take = usize::try_from(n).unwrap_or(usize::MAX).min(data.len());
    (data.get(..take).unwrap_or_default(), n - take as u64)
}
