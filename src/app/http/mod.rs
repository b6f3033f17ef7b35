//! HTTP/1.x application-layer parser for reassembled TCP streams: transactions, rule buffers, EVE metadata.
//!
//! Entry points: [`HttpParser`] (one per flow), [`HttpTx`] (what rules and
//! logs read), [`normalize_uri`] (the `http.uri` buffer), [`eve_object`] (the
//! EVE `http` object), [`detect_request`] / [`detect_response`] (protocol
//! detection), [`HttpLimits`] (memory bounds), [`HttpEvent`] (anomalies),
//! [`fuzz_one`] (fuzzing target).
//!
//! Contract with the engine:
//! - Feed each direction's reassembled bytes in order; any split gives the
//!   same final result. For the same time span, feed the request direction
//!   first: a response is paired when its first line is read, with the
//!   oldest transaction that has no response yet.
//! - A transaction is created when a request line is read (ids 0, 1, 2... in
//!   that order), or when a response arrives with no request waiting for it
//!   (`UnsolicitedResponse`; its request side is marked complete and empty).
//!   Ids are never reused; dropped transactions leave holes.
//! - `request_complete` / `response_complete` mean the parser is done with
//!   that message: it ended normally, or was cut by a gap (`*_gap` set), an
//!   invalid chunk size, the end of the flow (`IncompleteAtEnd`) or a switch
//!   to a tunnel. Headers can be inspected once `*_headers_complete` is set.
//!   Interim 1xx responses (except 101) are parsed and forgotten.
//! - Bodies grow as data arrives; compressed bodies are decoded in 4 KiB
//!   blocks of compressed input, the last block when the message ends.
//! - Transactions stay in [`HttpParser::transactions`] until taken with
//!   [`HttpParser::drain_finished`] (both sides complete) or
//!   [`HttpParser::drain_all`] (end of flow). At most `max_transactions` are
//!   held: the oldest is dropped (`TransactionsDropped`), and a response
//!   still owed to it is parsed and discarded so pairing stays right.
//! - After CONNECT answered 2xx, or 101, [`HttpParser::is_tunnel`] is true
//!   and later bytes are ignored.

mod body;
mod buffers;
mod bytes;
mod chunked;
mod decompress;
mod detect;
mod direction;
mod eve;
mod event;
mod framing;
mod fuzz;
mod header;
mod host;
mod limits;
mod line;
mod parser;
mod request;
mod response;
mod side;
mod startline;
mod stream;
mod tx;
mod uri;

#[cfg(test)]
mod parser_tests;

pub use detect::{Detection, KNOWN_METHODS, detect_request, detect_response, looks_like_request, looks_like_response};
pub use direction::Direction;
pub use eve::eve_object;
pub use event::HttpEvent;
pub use fuzz::fuzz_one;
pub use host::normalize_host;
pub use limits::HttpLimits;
pub use parser::HttpParser;
pub use tx::HttpTx;
pub use uri::{normalize_uri, percent_decode, remove_dot_segments};
