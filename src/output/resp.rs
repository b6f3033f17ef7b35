//! RESP2, the Redis wire protocol, as much as the Redis sink needs:
//! commands written as arrays of bulk strings, replies read with bounds (a
//! misbehaving server gets an error, never a panic or an unbounded buffer).
//! Owns no connection.

use std::io::{self, BufRead, Read};

/// The largest bulk reply read (Redis caps values at 512 MB; our replies are
/// ids and counts).
const MAX_BULK: usize = 64 << 20;
const MAX_ARRAY: usize = 1 << 20;
const MAX_DEPTH: usize = 8;
const MAX_LINE: usize = 64 << 10;

/// Appends a command (`args[0]` is its name) to `buf`.
pub fn encode(buf: &mut Vec<u8>, args: &[&[u8]]) {
    push_header(buf, b'*', args.len());
    for a in args {
        push_header(buf, b'$', a.len());
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}

fn push_header(buf: &mut Vec<u8>, kind: u8, n: usize) {
    buf.push(kind);
    buf.extend_from_slice(n.to_string().as_bytes());
    buf.extend_from_slice(b"\r\n");
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// One line without its CRLF.
fn line(r: &mut impl BufRead) -> io::Result<String> {
    let mut raw = Vec::new();
    let n = Read::take(&mut *r, MAX_LINE as u64).read_until(b'\n', &mut raw)?;
    if n == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed"));
    }
    if !raw.ends_with(b"\r\n") {
        return Err(bad("reply line not ended by CRLF"));
    }
    raw.truncate(raw.len() - 2);
    String::from_utf8(raw).map_err(|_| bad("reply line is not UTF-8"))
}

fn length(s: &str, max: usize) -> io::Result<Option<usize>> {
    let n: i64 = s.parse().map_err(|_| bad(format!("bad length '{s}'")))?;
    match n {
        -1 => Ok(None),
        n if n >= 0 && (n as u64) <= max as u64 => Ok(Some(n as usize)),
        _ => Err(bad(format!("length {n} out of bounds"))),
    }
}

/// Reads one reply.
pub fn read(r: &mut impl BufRead) -> io::Result<Reply> {
    read_depth(r, 0)
}

fn read_depth(r: &mut impl BufRead, depth: usize) -> io::Result<Reply> {
    let l = line(r)?;
    let (kind, rest) = l.split_at_checked(1).ok_or_else(|| bad("empty reply line"))?;
    match kind {
        "+" => Ok(Reply::Simple(rest.to_string())),
        "-" => Ok(Reply::Error(rest.to_string())),
        ":" => rest
            .parse()
            .map(Reply::Integer)
            .map_err(|_| bad(format!("bad integer '{rest}'"))),
        "$" => match length(rest, MAX_BULK)? {
            None => Ok(Reply::Bulk(None)),
            Some(n) => {
                let mut data = vec![0; n + 2];
                r.read_exact(&mut data)?;
                if !data.ends_with(b"\r\n") {
                    return Err(bad("bulk reply not ended by CRLF"));
                }
                data.truncate(n);
                Ok(Reply::Bulk(Some(data)))
            }
        },
        "*" => {
            if depth >= MAX_DEPTH {
                return Err(bad("reply nested too deep"));
            }
            match length(rest, MAX_ARRAY)? {
                None => Ok(Reply::Array(None)),
                Some(n) => (0..n)
                    .map(|_| read_depth(r, depth + 1))
                    .collect::<io::Result<Vec<_>>>()
                    .map(|v| Reply::Array(Some(v))),
            }
        }
        other => Err(bad(format!("unknown reply type '{other}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_commands() {
        let mut buf = Vec::new();
        encode(&mut buf, &[b"RPUSH", b"vigie", b"{\"a\":1}"]);
        assert_eq!(buf, b"*3\r\n$5\r\nRPUSH\r\n$5\r\nvigie\r\n$7\r\n{\"a\":1}\r\n");
    }

    #[test]
    fn reads_replies() {
        let wire = b"+OK\r\n-WRONGTYPE no\r\n:42\r\n$3\r\n1-0\r\n$-1\r\n*2\r\n:1\r\n$0\r\n\r\n";
        let mut r = &wire[..];
        assert_eq!(read(&mut r).unwrap(), Reply::Simple("OK".into()));
        assert_eq!(read(&mut r).unwrap(), Reply::Error("WRONGTYPE no".into()));
        assert_eq!(read(&mut r).unwrap(), Reply::Integer(42));
        assert_eq!(read(&mut r).unwrap(), Reply::Bulk(Some(b"1-0".to_vec())));
        assert_eq!(read(&mut r).unwrap(), Reply::Bulk(None));
        assert_eq!(
            read(&mut r).unwrap(),
            Reply::Array(Some(vec![Reply::Integer(1), Reply::Bulk(Some(Vec::new()))]))
        );
        assert_eq!(read(&mut r).unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn refuses_malformed_replies() {
        for wire in [
            &b"?x\r\n"[..],
            b":12x\r\n",
            b"$99999999999\r\n",
            b"$3\r\nabcde",
            b"+OK\n",
            b"\r\n",
            b"$-2\r\n",
        ] {
            assert!(read(&mut &wire[..]).is_err(), "{:?}", String::from_utf8_lossy(wire));
        }
        let deep = "*1\r\n".repeat(20) + ":1\r\n";
        assert!(read(&mut deep.as_bytes()).is_err());
    }
}
