//! Tests of whole-message parsing: sections, record data, and partial parsing of bad messages.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::super::event::DnsEvent;
use super::super::limits::MAX_RECORDS_PER_MESSAGE;
use super::super::message::{DnsError, parse_message};
use super::super::name::NameError;
use super::super::rdata::RData;
use super::build::{RESPONSE, header, labels, name, pointer, query, question, record, response_a};

#[test]
fn query_header_and_question() {
    let msg = parse_message(&query(0x1234, "Example.com", 28)).unwrap();
    let h = &msg.header;
    assert_eq!(h.id, 0x1234);
    assert_eq!(h.flags, 0x0100);
    assert!(!h.qr && h.rd && !h.ra && !h.aa && !h.tc && !h.z && !h.ad && !h.cd);
    assert_eq!((h.opcode, h.rcode), (0, 0));
    assert_eq!(msg.questions.len(), 1);
    assert_eq!(msg.questions[0].name, b"Example.com");
    assert_eq!((msg.questions[0].qtype, msg.questions[0].qclass), (28, 1));
    assert!(msg.answers.is_empty() && msg.events.is_empty());
}

#[test]
fn every_flag_bit_is_split_out() {
    // QR, opcode 5, AA, TC, RD, RA, Z, AD, CD, rcode 3.
    let mut bytes = header(7, 0x8000 | (5 << 11) | 0x07F3, [1, 0, 0, 0]);
    question(&mut bytes, &name("a"), 1, 1);
    let h = parse_message(&bytes).unwrap().header;
    assert!(h.qr && h.aa && h.tc && h.rd && h.ra && h.z && h.ad && h.cd);
    assert_eq!((h.opcode, h.rcode), (5, 3));
}

#[test]
fn response_with_compressed_answer() {
    let msg = parse_message(&response_a(9, "www.example.org", [93, 184, 216, 34])).unwrap();
    assert!(msg.header.qr);
    assert_eq!(msg.answers.len(), 1);
    let a = &msg.answers[0];
    assert_eq!(a.name, b"www.example.org");
    assert_eq!((a.rtype, a.rclass, a.ttl), (1, 1, 300));
    assert_eq!(a.rdata, RData::A(Ipv4Addr::new(93, 184, 216, 34)));
}

/// A response exercising every typed record kind, names compressed against the question.
fn rich_response() -> Vec<u8> {
    let mut out = header(0xBEEF, RESPONSE, [1, 8, 1, 2]);
    question(&mut out, &name("example.com"), 255, 1);
    let q = pointer(12);
    let mut cname = labels("www");
    cname.extend(pointer(12));
    record(&mut out, &cname, 5, 60, &name("edge.cdn.net"));
    record(
        &mut out,
        &q,
        28,
        60,
        &Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).octets(),
    );
    let mut mx = 10u16.to_be_bytes().to_vec();
    mx.extend(labels("mail"));
    mx.extend(pointer(12));
    record(&mut out, &q, 15, 60, &mx);
    record(&mut out, &q, 16, 60, b"\x05hello\x00\x05world");
    let mut srv = vec![0, 1, 0, 2, 0x01, 0xBB];
    srv.extend(labels("sip"));
    srv.extend(pointer(12));
    record(&mut out, &q, 33, 60, &srv);
    record(&mut out, &q, 2, 60, &name("ns1.example.com"));
    record(&mut out, &q, 12, 60, &pointer(12));
    record(&mut out, &q, 99, 60, b"\x01\x02\x03");
    let mut soa = name("ns1.example.com");
    soa.extend(name("hostmaster.example.com"));
    for v in [2024u32, 7200, 3600, 1_209_600, 300] {
        soa.extend(v.to_be_bytes());
    }
    record(&mut out, &q, 6, 900, &soa);
    record(&mut out, &pointer(12), 1, 30, &[192, 0, 2, 1]);
    let opt = [0u8, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8];
    out.push(0);
    out.extend(41u16.to_be_bytes());
    out.extend(1232u16.to_be_bytes());
    out.extend(0u32.to_be_bytes());
    out.extend((opt.len() as u16).to_be_bytes());
    out.extend(opt);
    out
}

#[test]
fn every_typed_record_kind_decodes() {
    let msg = parse_message(&rich_response()).unwrap();
    assert!(msg.events.is_empty(), "{:?}", msg.events);
    assert_eq!(
        (msg.answers.len(), msg.authorities.len(), msg.additionals.len()),
        (8, 1, 2)
    );
    let rdata: Vec<&RData> = msg.answers.iter().map(|r| &r.rdata).collect();
    assert_eq!(msg.answers[0].name, b"www.example.com");
    assert!(matches!(rdata[0], RData::Cname(n) if n.value == b"edge.cdn.net"));
    assert_eq!(rdata[1], &RData::Aaaa("2001:db8::1".parse().unwrap()));
    assert!(matches!(rdata[2], RData::Mx { preference: 10, exchange } if exchange.value == b"mail.example.com"));
    assert!(
        matches!(rdata[3], RData::Txt { strings, truncated: false } if strings == &[b"hello".to_vec(), vec![], b"world".to_vec()])
    );
    assert!(
        matches!(rdata[4], RData::Srv(s) if (s.priority, s.weight, s.port) == (1, 2, 443) && s.target.value == b"sip.example.com")
    );
    assert!(matches!(rdata[5], RData::Ns(n) if n.value == b"ns1.example.com"));
    assert!(matches!(rdata[6], RData::Ptr(n) if n.value == b"example.com"));
    assert!(matches!(rdata[7], RData::Raw { data, truncated: false } if data == &[1, 2, 3]));
    let RData::Soa(soa) = &msg.authorities[0].rdata else {
        panic!("not SOA")
    };
    assert_eq!(soa.mname.value, b"ns1.example.com");
    assert_eq!(soa.rname.value, b"hostmaster.example.com");
    assert_eq!(
        (soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum),
        (2024, 7200, 3600, 1_209_600, 300)
    );
    assert_eq!(msg.additionals[1].rtype, 41);
    assert!(msg.additionals[1].name.is_empty());
}

#[test]
fn truncated_answers_keep_the_questions() {
    let full = rich_response();
    let question_end = 12 + name("example.com").len() + 4;
    for cut in question_end..full.len() {
        let msg = parse_message(&full[..cut]).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert_eq!(msg.questions.len(), 1, "cut at {cut}");
        assert!(!msg.events.is_empty(), "cut at {cut}");
    }
}

#[test]
fn truncated_authorities_and_additionals_raise_their_own_events() {
    let mut out = header(1, RESPONSE, [1, 1, 1, 0]);
    question(&mut out, &name("a.b"), 1, 1);
    record(&mut out, &pointer(12), 1, 1, &[1, 2, 3, 4]);
    out.extend(pointer(12));
    let msg = parse_message(&out).unwrap();
    assert_eq!(msg.answers.len(), 1);
    assert_eq!(msg.events, vec![DnsEvent::InvalidAuthorities]);

    let mut out = header(1, RESPONSE, [1, 0, 0, 1]);
    question(&mut out, &name("a.b"), 1, 1);
    out.extend([0, 0, 41]);
    assert_eq!(parse_message(&out).unwrap().events, vec![DnsEvent::InvalidAdditionals]);
}

#[test]
fn short_or_questionless_messages_fail() {
    let q = query(1, "example.com", 1);
    for cut in 0..12 {
        assert_eq!(parse_message(&q[..cut]), Err(DnsError::HeaderTooShort));
    }
    for cut in 12..q.len() {
        assert!(parse_message(&q[..cut]).is_err(), "cut at {cut}");
    }
    assert_eq!(parse_message(&q[..q.len() - 1]), Err(DnsError::QuestionTruncated));
}

#[test]
fn a_second_bad_question_keeps_the_first() {
    let mut out = header(1, 0, [2, 0, 0, 0]);
    question(&mut out, &name("good.example"), 1, 1);
    out.extend(pointer(0x3FF0));
    let msg = parse_message(&out).unwrap();
    assert_eq!(msg.questions.len(), 1);
    assert_eq!(msg.events, vec![DnsEvent::MalformedData]);
}

#[test]
fn question_pointer_loop_is_an_infinite_loop_event() {
    let mut out = header(1, 0, [1, 0, 0, 0]);
    out.extend(pointer(12));
    let err = parse_message(&out).unwrap_err();
    assert_eq!(err, DnsError::QuestionName(NameError::Loop));
    assert_eq!(err.event(), DnsEvent::InfiniteLoop);
}

#[test]
fn answer_pointer_loop_keeps_questions() {
    let mut out = header(1, RESPONSE, [1, 1, 0, 0]);
    question(&mut out, &name("x.y"), 1, 1);
    let at = out.len() as u16;
    record(&mut out, &pointer(at), 1, 1, &[1, 2, 3, 4]);
    let msg = parse_message(&out).unwrap();
    assert_eq!(msg.questions.len(), 1);
    assert!(msg.answers.is_empty());
    assert!(msg.events.contains(&DnsEvent::InfiniteLoop) && msg.events.contains(&DnsEvent::MalformedData));
}

#[test]
fn bad_rdata_is_kept_raw_and_parsing_goes_on() {
    let mut out = header(1, RESPONSE, [1, 2, 0, 0]);
    question(&mut out, &name("x.y"), 1, 1);
    record(&mut out, &pointer(12), 1, 1, &[1, 2, 3, 4, 5]);
    record(&mut out, &pointer(12), 5, 1, &[3, b'a', b'b']);
    record(&mut out, &pointer(12), 1, 1, &[10, 0, 0, 1]);
    let mut fixed = out.clone();
    fixed[7] = 3;
    let msg = parse_message(&fixed).unwrap();
    assert_eq!(msg.answers.len(), 3);
    assert_eq!(
        msg.answers[0].rdata,
        RData::Raw {
            data: vec![1, 2, 3, 4, 5],
            truncated: false
        }
    );
    assert!(matches!(&msg.answers[1].rdata, RData::Raw { .. }));
    assert_eq!(msg.answers[2].rdata, RData::A(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(msg.events, vec![DnsEvent::MalformedData]);
}

#[test]
fn names_in_rdata_must_stay_inside_it() {
    let mut out = header(1, RESPONSE, [1, 1, 0, 0]);
    question(&mut out, &name("x.y"), 1, 1);
    let cname = name("outside.example");
    record(&mut out, &pointer(12), 5, 1, &cname[..4]);
    out.extend(&cname[4..]);
    let msg = parse_message(&out).unwrap();
    assert!(matches!(&msg.answers[0].rdata, RData::Raw { .. }));
    assert_eq!(msg.events, vec![DnsEvent::MalformedData]);
}

#[test]
fn big_raw_and_txt_rdata_are_capped() {
    let mut out = header(1, RESPONSE, [1, 2, 0, 0]);
    question(&mut out, &name("x.y"), 1, 1);
    record(&mut out, &pointer(12), 10, 1, &vec![7u8; 4000]);
    let mut txt = Vec::new();
    for _ in 0..20 {
        txt.push(255);
        txt.extend(vec![b't'; 255]);
    }
    record(&mut out, &pointer(12), 16, 1, &txt);
    let msg = parse_message(&out).unwrap();
    assert!(matches!(&msg.answers[0].rdata, RData::Raw { data, truncated: true } if data.len() == 512));
    let RData::Txt { strings, truncated } = &msg.answers[1].rdata else {
        panic!("not TXT")
    };
    assert!(*truncated);
    assert!(strings.iter().map(|s| s.len() + 1).sum::<usize>() <= 1024);
    assert!(msg.events.is_empty());
}

#[test]
fn many_empty_txt_strings_stay_bounded() {
    let mut out = header(1, RESPONSE, [1, 1, 0, 0]);
    question(&mut out, &name("x.y"), 1, 1);
    record(&mut out, &pointer(12), 16, 1, &vec![0u8; 60_000]);
    let msg = parse_message(&out).unwrap();
    let RData::Txt { strings, truncated } = &msg.answers[0].rdata else {
        panic!("not TXT")
    };
    assert!(*truncated && strings.len() <= 1024);
}

#[test]
fn records_beyond_the_cap_are_dropped_with_an_event() {
    let n = 200u16;
    let mut out = header(1, RESPONSE, [1, n, 0, 0]);
    question(&mut out, &name("x.y"), 1, 1);
    for i in 0..n {
        record(&mut out, &pointer(12), 1, 1, &[10, 0, (i >> 8) as u8, i as u8]);
    }
    let msg = parse_message(&out).unwrap();
    assert_eq!(msg.questions.len() + msg.answers.len(), MAX_RECORDS_PER_MESSAGE);
    assert_eq!(msg.events, vec![DnsEvent::TooManyRecords]);
}

#[test]
fn over_long_question_name_is_cut_with_an_event() {
    let long = vec!["q".repeat(60); 6].join(".");
    let mut out = header(1, 0, [1, 0, 0, 0]);
    question(&mut out, &name(&long), 1, 1);
    let msg = parse_message(&out).unwrap();
    assert_eq!(msg.questions[0].name.len(), 255);
    assert!(msg.questions[0].name_truncated);
    assert_eq!(msg.questions[0].qtype, 1);
    assert_eq!(msg.events, vec![DnsEvent::NameTooLong]);
}

#[test]
fn trailing_bytes_are_ignored() {
    let mut q = query(1, "example.com", 1);
    q.extend([0xFF; 7]);
    let msg = parse_message(&q).unwrap();
    assert_eq!(msg.questions.len(), 1);
    assert!(msg.events.is_empty());
}

#[test]
fn worst_case_pointer_chains_stay_cheap() {
    // The first answer's rdata holds a chain of 127 pointers ending at the root question name;
    // every following answer's owner name enters the chain at its far end.
    let mut out = header(1, RESPONSE, [1, 0, 0, 0]);
    question(&mut out, &[0], 1, 1);
    let chain_start = out.len() + 11;
    let mut chain = pointer(12);
    for i in 1..127u16 {
        chain.extend(pointer(chain_start as u16 + 2 * (i - 1)));
    }
    record(&mut out, &[0], 10, 1, &chain);
    let far_end = pointer(chain_start as u16 + 2 * 126);
    let mut count = 1u16;
    while out.len() + 16 <= 65535 {
        record(&mut out, &far_end, 1, 1, &[1, 2, 3, 4]);
        count += 1;
    }
    out[6..8].copy_from_slice(&count.to_be_bytes());
    let started = std::time::Instant::now();
    let msg = parse_message(&out).unwrap();
    assert!(started.elapsed().as_secs() < 5);
    assert_eq!(msg.questions.len() + msg.answers.len(), MAX_RECORDS_PER_MESSAGE);
    assert!(msg.answers[1].name.is_empty());
    assert_eq!(msg.events, vec![DnsEvent::TooManyRecords]);
}
