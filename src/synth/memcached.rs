//! Memcached over UDP: the 8-byte frame header and `get` requests/`VALUE` responses split into datagrams.

/// Memcached's UDP port.
pub const MEMCACHED_PORT: u16 = 11211;
/// Largest UDP datagram memcached sends, frame header included.
pub const MAX_DATAGRAM: usize = 1400;
/// Size of the UDP frame header.
pub const FRAME_HEADER_LEN: usize = 8;

/// Frame header: request id, sequence number, datagram count, reserved.
pub fn frame_header(request_id: u16, sequence: u16, total: u16) -> [u8; FRAME_HEADER_LEN] {
    let mut h = [0u8; FRAME_HEADER_LEN];
    h[0..2].copy_from_slice(&request_id.to_be_bytes());
    h[2..4].copy_from_slice(&sequence.to_be_bytes());
    h[4..6].copy_from_slice(&total.to_be_bytes());
    h
}

/// A one-datagram `get` request for `key`.
pub fn get_request(request_id: u16, key: &str) -> Vec<u8> {
    let mut out = frame_header(request_id, 0, 1).to_vec();
    out.extend_from_slice(format!("get {key}\r\n").as_bytes());
    out
}

/// The answer to `get key`: `VALUE <key> <flags> <bytes>\r\n<value>\r\nEND\r\n`,
/// cut into datagrams of at most [`MAX_DATAGRAM`] bytes, each with its frame
/// header (sequence numbers from 0, total count in every header; a stream
/// needing more than 65535 datagrams is cut there).
pub fn value_response(request_id: u16, key: &str, flags: u32, value: &[u8]) -> Vec<Vec<u8>> {
    let mut stream = format!("VALUE {key} {flags} {}\r\n", value.len()).into_bytes();
    stream.extend_from_slice(value);
    stream.extend_from_slice(b"\r\nEND\r\n");
    let chunks: Vec<&[u8]> = stream
        .chunks(MAX_DATAGRAM - FRAME_HEADER_LEN)
        .take(usize::from(u16::MAX))
        .collect();
    let total = chunks.len() as u16;
    chunks
        .iter()
        .enumerate()
        .map(|(seq, chunk)| {
            let mut d = frame_header(request_id, seq as u16, total).to_vec();
            d.extend_from_slice(chunk);
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagrams_reassemble() {
        let value = vec![b'x'; 5000];
        let parts = value_response(0x1234, "k", 0, &value);
        assert_eq!(parts.len(), 4);
        assert!(parts.iter().all(|p| p.len() <= MAX_DATAGRAM));
        let mut stream = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            assert_eq!(&p[..8], &[0x12, 0x34, 0, i as u8, 0, 4, 0, 0]);
            stream.extend_from_slice(&p[8..]);
        }
        assert!(stream.starts_with(b"VALUE k 0 5000\r\nxxx"));
        assert!(stream.ends_with(b"xx\r\nEND\r\n"));
        assert_eq!(get_request(7, "k"), b"\x00\x07\x00\x00\x00\x01\x00\x00get k\r\n");
    }
}
