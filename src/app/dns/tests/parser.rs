//! Tests of per-flow parsing: pairing, UDP and TCP framing, gaps, bounds.

use super::super::direction::Direction::{ToClient, ToServer};
use super::super::event::DnsEvent;
use super::super::framing::Framer;
use super::super::limits::{MAX_PENDING_TRANSACTIONS, MAX_TCP_BUFFER, MAX_TRANSACTIONS};
use super::super::parser::{DnsParser, Transport};
use super::build::{query, response_a, tcp};

#[test]
fn udp_request_and_response_pair_by_id() {
    let mut p = DnsParser::new(Transport::Udp);
    p.feed(ToServer, &query(1, "a.example", 1));
    p.feed(ToServer, &query(2, "b.example", 1));
    assert_eq!(p.transactions().len(), 2);
    assert!(p.drain().is_empty());
    p.feed(ToClient, &response_a(2, "b.example", [1, 2, 3, 4]));
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert_eq!((txs[1].id, txs[1].dns_id), (1, 2));
    assert!(txs[1].request.is_some() && txs[1].response.is_some());
    assert_eq!(txs[1].query_names().collect::<Vec<_>>(), vec![b"b.example".as_slice()]);
    let done = p.drain();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].dns_id, 2);
    assert_eq!(p.transactions().len(), 1);
    assert_eq!(p.transactions()[0].dns_id, 1);
}

#[test]
fn response_without_request_gets_its_own_transaction() {
    let mut p = DnsParser::new(Transport::Udp);
    p.feed(ToServer, &query(1, "a.example", 1));
    p.feed(ToClient, &response_a(5, "x.example", [1, 1, 1, 1]));
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert!(txs[1].request.is_none() && txs[1].response.is_some());
    assert!(txs[1].is_complete() && !txs[0].is_complete());
    assert_eq!(txs[1].query_names().count(), 0);
}

#[test]
fn finish_drains_everything_and_ids_count_up() {
    let mut p = DnsParser::new(Transport::Udp);
    for id in 0..5 {
        p.feed(ToServer, &query(id, "a.example", 1));
    }
    p.feed(ToClient, &response_a(3, "a.example", [1, 1, 1, 1]));
    assert_eq!(p.drain().len(), 1);
    p.finish();
    let rest = p.drain();
    assert_eq!(rest.iter().map(|t| t.id).collect::<Vec<_>>(), vec![0, 1, 2, 4]);
    assert!(p.transactions().is_empty());
}

#[test]
fn same_id_pairs_with_the_oldest_pending_request() {
    let mut p = DnsParser::new(Transport::Udp);
    p.feed(ToServer, &query(7, "a.example", 1));
    p.feed(ToServer, &query(7, "a.example", 1));
    p.feed(ToClient, &response_a(7, "a.example", [1, 1, 1, 1]));
    let txs = p.transactions();
    assert!(txs[0].response.is_some() && txs[1].response.is_none());
    p.feed(ToClient, &response_a(7, "a.example", [1, 1, 1, 1]));
    assert!(p.transactions()[1].response.is_some());
    assert_eq!(p.transactions().len(), 2);
}

#[test]
fn wrong_direction_and_garbage_become_events() {
    let mut p = DnsParser::new(Transport::Udp);
    p.feed(ToServer, &response_a(1, "a.example", [1, 1, 1, 1]));
    p.feed(ToClient, &query(2, "a.example", 1));
    p.feed(ToServer, &[0xAB; 5]);
    p.feed(ToServer, &[]);
    let txs = p.drain();
    assert_eq!(txs.len(), 3);
    assert_eq!(txs[0].events, vec![DnsEvent::NotARequest]);
    assert_eq!(txs[1].events, vec![DnsEvent::NotAResponse]);
    assert_eq!(txs[2].events, vec![DnsEvent::MalformedData]);
    assert!(txs.iter().all(|t| t.request.is_none() && t.response.is_none()));
    assert_eq!((txs[0].dns_id, txs[1].dns_id), (1, 2));
}

#[test]
fn z_flag_is_an_event() {
    let mut q = query(1, "a.example", 1);
    q[3] |= 0x40;
    let mut p = DnsParser::new(Transport::Udp);
    p.feed(ToServer, &q);
    assert_eq!(p.transactions()[0].events, vec![DnsEvent::ZFlagSet]);
    // AD and CD are not Z.
    let mut q = query(2, "a.example", 1);
    q[3] |= 0x30;
    p.feed(ToServer, &q);
    assert!(p.transactions()[1].events.is_empty());
}

#[test]
fn pending_requests_are_bounded() {
    let mut p = DnsParser::new(Transport::Udp);
    for id in 0..(MAX_PENDING_TRANSACTIONS as u16 + 10) {
        p.feed(ToServer, &query(id, "a.example", 1));
    }
    let txs = p.transactions();
    assert_eq!(txs.len(), MAX_PENDING_TRANSACTIONS);
    assert_eq!(txs[0].dns_id, 10);
    assert_eq!(txs.last().unwrap().events, vec![DnsEvent::Flooded]);
    assert!(txs[MAX_PENDING_TRANSACTIONS - 11].events.is_empty());
}

#[test]
fn undrained_transactions_are_bounded() {
    let mut p = DnsParser::new(Transport::Udp);
    for id in 0..(MAX_TRANSACTIONS as u16 * 2) {
        p.feed(ToClient, &response_a(id, "a.example", [1, 1, 1, 1]));
    }
    assert_eq!(p.transactions().len(), MAX_TRANSACTIONS);
    assert_eq!(p.transactions().last().unwrap().id, MAX_TRANSACTIONS as u64 * 2 - 1);
    assert!(p.transactions().last().unwrap().events.contains(&DnsEvent::Flooded));
}

fn tcp_stream() -> (Vec<u8>, Vec<u8>) {
    let mut to_server = tcp(&query(1, "one.example", 1));
    to_server.extend(tcp(&query(2, "two.example", 28)));
    to_server.extend(tcp(&query(3, "three.example", 16)));
    let mut to_client = tcp(&response_a(2, "two.example", [2, 2, 2, 2]));
    to_client.extend(tcp(&response_a(1, "one.example", [1, 1, 1, 1])));
    (to_server, to_client)
}

fn check_tcp_result(p: &DnsParser) {
    let txs = p.transactions();
    assert_eq!(txs.len(), 3, "{txs:?}");
    let names: Vec<&[u8]> = txs.iter().flat_map(|t| t.query_names()).collect();
    assert_eq!(names, vec![b"one.example".as_slice(), b"two.example", b"three.example"]);
    assert!(txs[0].response.is_some() && txs[1].response.is_some() && txs[2].response.is_none());
    assert!(txs.iter().all(|t| t.events.is_empty()));
    assert_eq!(p.buffered(), 0);
}

#[test]
fn tcp_several_messages_in_one_chunk() {
    let (s, c) = tcp_stream();
    let mut p = DnsParser::new(Transport::Tcp);
    p.feed(ToServer, &s);
    p.feed(ToClient, &c);
    check_tcp_result(&p);
}

#[test]
fn tcp_split_at_every_byte() {
    let (s, c) = tcp_stream();
    for cut in 0..=s.len() {
        let mut p = DnsParser::new(Transport::Tcp);
        p.feed(ToServer, &s[..cut]);
        p.feed(ToServer, &s[cut..]);
        for cut2 in [0, 1, 2, 3, c.len() / 2, c.len()] {
            let mut p = DnsParser::new(Transport::Tcp);
            p.feed(ToServer, &s[..cut]);
            p.feed(ToServer, &s[cut..]);
            p.feed(ToClient, &c[..cut2]);
            p.feed(ToClient, &c[cut2..]);
            check_tcp_result(&p);
        }
    }
}

#[test]
fn tcp_byte_by_byte() {
    let (s, c) = tcp_stream();
    let mut p = DnsParser::new(Transport::Tcp);
    for b in &s {
        p.feed(ToServer, std::slice::from_ref(b));
    }
    for b in &c {
        p.feed(ToClient, std::slice::from_ref(b));
    }
    check_tcp_result(&p);
}

#[test]
fn tcp_response_before_its_request_is_complete_stands_alone() {
    let mut p = DnsParser::new(Transport::Tcp);
    let framed = tcp(&query(2, "two.example", 1));
    p.feed(ToServer, &framed[..5]);
    p.feed(ToClient, &tcp(&response_a(2, "two.example", [2, 2, 2, 2])));
    p.feed(ToServer, &framed[5..]);
    let txs = p.transactions();
    assert_eq!(txs.len(), 2);
    assert!(txs[0].request.is_none() && txs[0].response.is_some());
    assert!(txs[1].request.is_some() && txs[1].response.is_none());
}

#[test]
fn tcp_zero_length_and_short_frames_are_malformed() {
    let mut p = DnsParser::new(Transport::Tcp);
    p.feed(ToServer, &[0, 0, 0, 3, 1, 2, 3]);
    p.feed(ToServer, &tcp(&query(9, "ok.example", 1)));
    let txs = p.transactions();
    assert_eq!(txs.len(), 3);
    assert_eq!(txs[0].events, vec![DnsEvent::MalformedData]);
    assert_eq!(txs[1].events, vec![DnsEvent::MalformedData]);
    assert_eq!(txs[2].dns_id, 9);
}

#[test]
fn tcp_largest_message_is_reassembled() {
    let mut msg = query(4, "big.example", 1);
    msg.resize(65535, 0);
    let framed = tcp(&msg);
    let mut p = DnsParser::new(Transport::Tcp);
    for size in [1000, 1, 7, 65536] {
        for chunk in framed.chunks(size) {
            p.feed(ToServer, chunk);
            assert!(p.buffered() <= MAX_TCP_BUFFER && p.buffered_capacity() <= 2 * MAX_TCP_BUFFER);
        }
    }
    assert_eq!(p.transactions().len(), 4);
    assert_eq!(p.buffered(), 0);
}

#[test]
fn tcp_buffer_allocation_stays_within_one_message() {
    let mut msg = query(4, "big.example", 1);
    msg.resize(65535, 0);
    let framed = tcp(&msg);
    let mut f = Framer::default();
    for size in [1, 3, 1000, 4095, 65536] {
        for chunk in framed.chunks(size) {
            f.feed(chunk, |_| {});
            assert!(f.capacity() <= MAX_TCP_BUFFER, "size {size}: {}", f.capacity());
        }
        assert_eq!((f.buffered(), f.capacity()), (0, 0));
    }
}

#[test]
fn tcp_gap_drops_partial_data_and_resyncs() {
    let first = tcp(&query(1, "one.example", 1));
    let second = tcp(&query(2, "two.example", 1));
    let mut p = DnsParser::new(Transport::Tcp);
    p.feed(ToServer, &first[..10]);
    p.gap(ToServer);
    assert_eq!(p.buffered(), 0);
    // The tail of the lost message does not look like a message start: dropped.
    p.feed(ToServer, &first[12..]);
    p.feed(ToServer, &second);
    let txs = p.transactions();
    assert_eq!(txs.len(), 1, "{txs:?}");
    assert_eq!(txs[0].dns_id, 2);
}

#[test]
fn finish_drops_partial_tcp_data() {
    let framed = tcp(&query(1, "one.example", 1));
    let mut p = DnsParser::new(Transport::Tcp);
    p.feed(ToServer, &framed[..framed.len() - 1]);
    assert!(p.buffered() > 0);
    p.finish();
    assert_eq!(p.buffered(), 0);
    assert!(p.drain().is_empty());
}
