//! Tests of SSH detection.

use super::super::detect::{Detection, detect};
use super::build::client_stream;

#[test]
fn verdicts() {
    assert_eq!(detect(b"SSH-2.0-OpenSSH_9.6\r\n"), Detection::Yes);
    assert_eq!(detect(b"SSH-1"), Detection::Yes);
    assert_eq!(detect(&client_stream()), Detection::Yes);
    for partial in [&b""[..], b"S", b"SS", b"SSH", b"SSH-"] {
        assert_eq!(detect(partial), Detection::NeedMore);
    }
    for no in [
        &b"X"[..],
        b"SSX",
        b"SSH-x",
        b"ssh-2.0-x",
        b"GET / HTTP/1.1\r\n",
        b"SSH_2.0",
    ] {
        assert_eq!(detect(no), Detection::No);
    }
}
