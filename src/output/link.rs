//! The connections network sinks write over: TCP, UDP, Unix stream and
//! Unix datagram sockets, opened with timeouts, and the framed transport
//! that sends records over them counting only whole records as written.
//! Owns no record format: each sink passes its framing.

use super::sink::{CONNECT_TIMEOUT, Delivery, IO_TIMEOUT, Record, SinkError, Transport};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
#[cfg(unix)]
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::PathBuf;

/// Where a sink connects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `host:port`
    Tcp(String),
    /// `host:port`
    Udp(String),
    UnixStream(PathBuf),
    UnixDgram(PathBuf),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Tcp(a) => write!(f, "tcp {a}"),
            Endpoint::Udp(a) => write!(f, "udp {a}"),
            Endpoint::UnixStream(p) => write!(f, "unix stream {}", p.display()),
            Endpoint::UnixDgram(p) => write!(f, "unix dgram {}", p.display()),
        }
    }
}

/// Checks that `addr` is `host:port` with a port number, so a typing
/// mistake is refused at start rather than retried forever.
pub fn check_host_port(addr: &str) -> Result<(), String> {
    let (host, port) = addr
        .rsplit_once(':')
        .ok_or_else(|| format!("'{addr}' is not host:port"))?;
    if host.trim_matches(['[', ']']).is_empty() {
        return Err(format!("'{addr}' has no host"));
    }
    port.parse::<u16>()
        .map(|_| ())
        .map_err(|_| format!("'{addr}': '{port}' is not a port number"))
}

/// An open connection.
pub enum Link {
    Tcp(TcpStream),
    Udp(UdpSocket),
    #[cfg(unix)]
    UnixStream(UnixStream),
    #[cfg(unix)]
    UnixDgram(UnixDatagram),
}

pub fn tcp_connect(addr: &str) -> std::io::Result<TcpStream> {
    let mut last = std::io::Error::new(ErrorKind::NotFound, "the name resolves to no address");
    for a in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(s) => {
                s.set_nodelay(true)?;
                s.set_read_timeout(Some(IO_TIMEOUT))?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn udp_connect(addr: &str) -> std::io::Result<UdpSocket> {
    let mut last = std::io::Error::new(ErrorKind::NotFound, "the name resolves to no address");
    for a in addr.to_socket_addrs()? {
        let local = if a.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
        let s = UdpSocket::bind(local)?;
        match s.connect(a) {
            Ok(()) => {
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

impl Link {
    pub fn connect(ep: &Endpoint) -> std::io::Result<Link> {
        match ep {
            Endpoint::Tcp(a) => tcp_connect(a).map(Link::Tcp),
            Endpoint::Udp(a) => udp_connect(a).map(Link::Udp),
            #[cfg(unix)]
            Endpoint::UnixStream(p) => {
                let s = UnixStream::connect(p)?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                s.set_read_timeout(Some(IO_TIMEOUT))?;
                Ok(Link::UnixStream(s))
            }
            #[cfg(unix)]
            Endpoint::UnixDgram(p) => {
                let s = UnixDatagram::unbound()?;
                s.connect(p)?;
                s.set_write_timeout(Some(IO_TIMEOUT))?;
                Ok(Link::UnixDgram(s))
            }
            #[cfg(not(unix))]
            Endpoint::UnixStream(_) | Endpoint::UnixDgram(_) => Err(std::io::Error::new(
                ErrorKind::Unsupported,
                "Unix sockets are not available on this system",
            )),
        }
    }

    fn stream(&mut self) -> Option<&mut dyn ReadWrite> {
        match self {
            Link::Tcp(s) => Some(s),
            #[cfg(unix)]
            Link::UnixStream(s) => Some(s),
            _ => None,
        }
    }

    /// Whether a stream's peer has closed it (a read that would block means
    /// it is open; what a peer sends unasked is discarded). Datagram
    /// sockets learn it at the next send.
    pub fn peer_closed(&mut self) -> bool {
        let Some(s) = self.stream() else { return false };
        if s.nonblocking(true).is_err() {
            return true;
        }
        let mut scratch = [0u8; 512];
        let closed = loop {
            match s.read(&mut scratch) {
                Ok(0) => break true,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break false,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break true,
            }
        };
        s.nonblocking(false).is_err() || closed
    }

    /// The stream half for protocols that read replies.
    pub fn tcp(&mut self) -> Option<&mut TcpStream> {
        match self {
            Link::Tcp(s) => Some(s),
            _ => None,
        }
    }

    /// Sends each record as `frame` renders it: back to back on a stream
    /// (a record counts only once all its bytes are written), one datagram
    /// each otherwise (a datagram too large for the socket is refused, the
    /// next goes on).
    pub fn send(
        &mut self,
        batch: &[Record],
        frame: &dyn Fn(&Record, &mut Vec<u8>),
        buf: &mut Vec<u8>,
        label: &str,
    ) -> Delivery {
        let io_err = |context, source| {
            Some(SinkError::Io {
                sink: label.to_string(),
                context,
                source,
            })
        };
        if let Some(s) = self.stream() {
            buf.clear();
            let mut ends = Vec::with_capacity(batch.len());
            for r in batch {
                frame(r, buf);
                ends.push(buf.len());
            }
            let mut written = 0;
            while written < buf.len() {
                match s.write(&buf[written..]) {
                    Ok(0) => {
                        let e = std::io::Error::new(ErrorKind::WriteZero, "the peer takes no more bytes");
                        return partial(&ends, written, io_err("write", e));
                    }
                    Ok(n) => written += n,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return partial(&ends, written, io_err("write", e)),
                }
            }
            return Delivery {
                delivered: batch.len(),
                ..Default::default()
            };
        }
        let mut d = Delivery::default();
        for r in batch {
            buf.clear();
            frame(r, buf);
            let sent = match self {
                Link::Udp(s) => s.send(buf),
                #[cfg(unix)]
                Link::UnixDgram(s) => s.send(buf),
                _ => Ok(buf.len()),
            };
            match sent {
                Ok(n) if n == buf.len() => d.delivered += 1,
                Ok(_) => d.refused += 1,
                Err(e) if too_large(&e) => {
                    d.refused += 1;
                    d.error = io_err("send (record too large for a datagram)", e);
                }
                Err(e) => {
                    d.error = io_err("send", e);
                    d.broken = true;
                    break;
                }
            }
        }
        d
    }
}

/// EMSGSIZE: the record, not the connection, is at fault.
fn too_large(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    return e.raw_os_error() == Some(libc::EMSGSIZE);
    #[cfg(not(unix))]
    false
}

/// The records wholly inside the first `written` bytes were delivered.
fn partial(ends: &[usize], written: usize, error: Option<SinkError>) -> Delivery {
    Delivery {
        delivered: ends.iter().take_while(|&&e| e <= written).count(),
        refused: 0,
        error,
        broken: true,
    }
}

/// Stream sockets, seen alike.
trait ReadWrite: Read + Write {
    fn nonblocking(&self, on: bool) -> std::io::Result<()>;
}

impl ReadWrite for TcpStream {
    fn nonblocking(&self, on: bool) -> std::io::Result<()> {
        self.set_nonblocking(on)
    }
}

#[cfg(unix)]
impl ReadWrite for UnixStream {
    fn nonblocking(&self, on: bool) -> std::io::Result<()> {
        self.set_nonblocking(on)
    }
}

/// A transport that writes each record as its sink frames it, over any
/// endpoint (the Unix socket and syslog sinks).
pub struct FramedTransport<F> {
    endpoint: Endpoint,
    label: String,
    frame: F,
    link: Option<Link>,
    buf: Vec<u8>,
}

impl<F: Fn(&Record, &mut Vec<u8>) + Send + 'static> FramedTransport<F> {
    /// `label` names the sink in errors (`syslog tcp 10.0.0.5:6514`).
    pub fn new(endpoint: Endpoint, label: String, frame: F) -> Self {
        FramedTransport {
            endpoint,
            label,
            frame,
            link: None,
            buf: Vec::new(),
        }
    }
}

impl<F: Fn(&Record, &mut Vec<u8>) + Send + 'static> Transport for FramedTransport<F> {
    fn connect(&mut self) -> Result<(), SinkError> {
        let link = Link::connect(&self.endpoint).map_err(|source| SinkError::Io {
            sink: self.label.clone(),
            context: "connect",
            source,
        })?;
        self.link = Some(link);
        Ok(())
    }

    fn peer_closed(&mut self) -> bool {
        self.link.as_mut().is_none_or(Link::peer_closed)
    }

    fn deliver(&mut self, batch: &[Record]) -> Delivery {
        match self.link.as_mut() {
            Some(link) => link.send(batch, &self.frame, &mut self.buf, &self.label),
            None => Delivery {
                broken: true,
                ..Default::default()
            },
        }
    }

    fn disconnect(&mut self) {
        self.link = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_checked() {
        assert!(check_host_port("127.0.0.1:6379").is_ok());
        assert!(check_host_port("redis.soc.example:6379").is_ok());
        assert!(check_host_port("[::1]:514").is_ok());
        assert!(check_host_port("127.0.0.1").is_err());
        assert!(check_host_port("127.0.0.1:http").is_err());
        assert!(check_host_port(":514").is_err());
    }

    #[test]
    fn partial_write_counts_whole_records() {
        let ends = [10, 20, 30];
        assert_eq!(partial(&ends, 0, None).delivered, 0);
        assert_eq!(partial(&ends, 19, None).delivered, 1);
        assert_eq!(partial(&ends, 20, None).delivered, 2);
        assert!(partial(&ends, 30, None).broken);
    }
}
