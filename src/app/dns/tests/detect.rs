//! Tests of content-based DNS detection over UDP and TCP.

use super::super::detect::{Detection, detect_tcp, detect_udp};
use super::build::{RESPONSE, Rng, header, name, query, question, response_a, tcp};

#[test]
fn udp_queries_and_responses_are_detected() {
    assert_eq!(detect_udp(&query(1, "example.com", 1)), Detection::Yes);
    assert_eq!(detect_udp(&query(1, "", 2)), Detection::Yes);
    assert_eq!(detect_udp(&response_a(1, "example.com", [1, 2, 3, 4])), Detection::Yes);
    // mDNS query asking for a unicast response.
    let mut q = header(0, 0, [1, 0, 0, 0]);
    question(&mut q, &name("_http._tcp.local"), 12, 0x8001);
    assert_eq!(detect_udp(&q), Detection::Yes);
    // Error response without its question.
    assert_eq!(detect_udp(&header(1, RESPONSE | 2, [0; 4])), Detection::Yes);
}

#[test]
fn udp_implausible_messages_are_refused() {
    assert_eq!(detect_udp(&[0; 11]), Detection::No);
    assert_eq!(detect_udp(&header(1, 0, [0; 4])), Detection::No);
    let mut bad_opcode = query(1, "example.com", 1);
    bad_opcode[2] |= 6 << 3;
    assert_eq!(detect_udp(&bad_opcode), Detection::No);
    let mut many = query(1, "example.com", 1);
    many[5] = 17;
    assert_eq!(detect_udp(&many), Detection::No);
    let mut counts = query(1, "example.com", 1);
    counts[7] = 3;
    assert_eq!(detect_udp(&counts), Detection::No);
    let mut class = query(1, "example.com", 1);
    let n = class.len();
    class[n - 1] = 9;
    assert_eq!(detect_udp(&class), Detection::No);
    let mut qtype = query(1, "example.com", 0);
    assert_eq!(detect_udp(&qtype), Detection::No);
    qtype.truncate(qtype.len() - 1);
    assert_eq!(detect_udp(&qtype), Detection::No);
    assert_eq!(
        detect_udp(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
        Detection::No
    );
    assert_eq!(detect_udp(b"SSH-2.0-OpenSSH_9.6\r\n"), Detection::No);
}

#[test]
fn tcp_detection_needs_the_first_question() {
    let framed = tcp(&query(0x55AA, "www.example.com", 1));
    let q_end = 2 + 12 + name("www.example.com").len() + 4;
    for cut in 0..framed.len() {
        let expected = if cut < q_end {
            Detection::NeedMore
        } else {
            Detection::Yes
        };
        assert_eq!(detect_tcp(&framed[..cut]), expected, "cut at {cut}");
    }
    assert_eq!(detect_tcp(&framed), Detection::Yes);
    let mut two = framed.clone();
    two.extend(tcp(&response_a(1, "a", [1, 1, 1, 1])));
    assert_eq!(detect_tcp(&two), Detection::Yes);
    assert_eq!(detect_tcp(&tcp(&response_a(1, "a.b", [1, 1, 1, 1]))), Detection::Yes);
}

#[test]
fn tcp_implausible_streams_are_refused() {
    assert_eq!(detect_tcp(&[0, 5, 1, 2, 3, 4, 5]), Detection::No);
    assert_eq!(detect_tcp(b"GET / HTTP/1.1\r\n\r\n"), Detection::No);
    let mut q = query(1, "example.com", 1);
    q[5] = 0;
    assert_eq!(detect_tcp(&tcp(&q)), Detection::No);
    // Declared length too short for the counts.
    let q = query(1, "example.com", 1);
    let mut framed = tcp(&q);
    framed[1] = 14;
    assert_eq!(detect_tcp(&framed), Detection::No);
}

#[test]
fn random_buffers_rarely_look_like_dns() {
    let mut rng = Rng::new(0xD15EA5E);
    let cases = 100_000;
    let (mut udp, mut tcp_yes) = (0, 0);
    for _ in 0..cases {
        let buf = rng.bytes(64);
        if detect_udp(&buf) == Detection::Yes {
            udp += 1;
        }
        if detect_tcp(&buf) == Detection::Yes {
            tcp_yes += 1;
        }
    }
    assert!(udp * 1000 < cases, "udp: {udp} of {cases}");
    assert!(tcp_yes * 1000 < cases, "tcp: {tcp_yes} of {cases}");
}
