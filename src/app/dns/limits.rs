//! Bounds on what the DNS parser keeps, so memory stays bounded whatever the input.

/// Longest dotted name kept, in bytes; longer names are cut and flagged as truncated.
pub const MAX_NAME_LEN: usize = 255;

/// Longest name on the wire (label length bytes included) before `name_too_long` is raised (RFC 1035).
pub const MAX_WIRE_NAME_LEN: usize = 255;

/// Most compression pointers followed while reading one name.
pub const MAX_POINTER_JUMPS: usize = 128;

/// Most entries (questions plus resource records) kept per message; the rest is parsed and dropped.
pub const MAX_RECORDS_PER_MESSAGE: usize = 64;

/// Most rdata bytes kept for record types kept raw.
pub const MAX_RAW_RDATA: usize = 512;

/// Most TXT bytes kept per record, all strings together.
pub const MAX_TXT_BYTES: usize = 1024;

/// Most requests waiting for their response in one flow; the oldest is dropped past it.
pub const MAX_PENDING_TRANSACTIONS: usize = 256;

/// Most transactions held by one flow, complete ones not yet drained included.
pub const MAX_TRANSACTIONS: usize = 512;

/// Most distinct events kept per transaction.
pub const MAX_EVENTS_PER_TRANSACTION: usize = 16;

/// Largest DNS message over TCP (2-byte length prefix).
pub const MAX_TCP_MESSAGE: usize = 65535;

/// Largest TCP reassembly buffer: one prefix plus one whole message.
pub const MAX_TCP_BUFFER: usize = MAX_TCP_MESSAGE + 2;
