//! Tests of name decoding: labels, compression, loops and length limits.

use super::super::name::{NameError, read_name};
use super::build::{header, labels, name, pointer};

fn message_with(body: &[u8]) -> Vec<u8> {
    let mut msg = header(1, 0, [0; 4]);
    msg.extend_from_slice(body);
    msg
}

#[test]
fn plain_name_keeps_case_and_has_no_trailing_dot() {
    let msg = message_with(&name("WwW.Example.COM"));
    let read = read_name(&msg, 12).unwrap();
    assert_eq!(read.name.value, b"WwW.Example.COM");
    assert!(!read.name.truncated && !read.too_long);
    assert_eq!(read.end, msg.len());
}

#[test]
fn root_is_empty() {
    let msg = message_with(&[0]);
    let read = read_name(&msg, 12).unwrap();
    assert!(read.name.value.is_empty());
    assert_eq!(read.end, 13);
}

#[test]
fn compression_pointer_is_followed_and_end_is_after_the_pointer() {
    let mut body = name("example.com");
    body.extend(labels("www"));
    body.extend(pointer(12));
    let msg = message_with(&body);
    let second = 12 + name("example.com").len();
    let read = read_name(&msg, second).unwrap();
    assert_eq!(read.name.value, b"www.example.com");
    assert_eq!(read.end, second + 4 + 2);
}

#[test]
fn chained_pointers_resolve() {
    let mut body = name("com");
    let a = 12 + body.len();
    body.extend(labels("example"));
    body.extend(pointer(12));
    let b = 12 + body.len();
    body.extend(labels("mail"));
    body.extend(pointer(a as u16));
    let msg = message_with(&body);
    assert_eq!(read_name(&msg, b).unwrap().name.value, b"mail.example.com");
}

#[test]
fn pointer_to_itself_is_a_loop() {
    let msg = message_with(&pointer(12));
    assert_eq!(read_name(&msg, 12), Err(NameError::Loop));
}

#[test]
fn two_pointers_pointing_at_each_other_are_a_loop() {
    let mut body = labels("a");
    body.extend(pointer(16)); // at 14, to 16
    body.extend(labels("b")); // at 16
    body.extend(pointer(12)); // at 18, back to 12
    let msg = message_with(&body);
    assert_eq!(read_name(&msg, 12), Err(NameError::Loop));
}

#[test]
fn more_than_128_jumps_is_refused() {
    // Pointer i (at 12 + 2i) points at pointer i - 1; the first one ends at a root label.
    let mut body = vec![0u8];
    for i in 0..200u16 {
        let prev = if i == 0 { 12 } else { 13 + 2 * (i - 1) };
        body.extend(pointer(prev));
    }
    let msg = message_with(&body);
    let start_of = |i: usize| 13 + 2 * i;
    assert!(read_name(&msg, start_of(100)).is_ok());
    assert_eq!(read_name(&msg, start_of(199)), Err(NameError::Loop));
}

#[test]
fn pointer_past_the_end_is_refused() {
    let msg = message_with(&pointer(0x3FFF));
    assert_eq!(read_name(&msg, 12), Err(NameError::PointerOutOfRange));
}

#[test]
fn reserved_label_types_are_refused() {
    for first in [0x40u8, 0x80] {
        let msg = message_with(&[first, 0, 0]);
        assert_eq!(read_name(&msg, 12), Err(NameError::BadLabelType));
    }
}

#[test]
fn cut_names_are_out_of_bounds() {
    let full = name("example.com");
    for cut in 0..full.len() {
        let msg = message_with(&full[..cut]);
        assert_eq!(read_name(&msg, 12), Err(NameError::OutOfBounds), "cut at {cut}");
    }
    let msg = message_with(&[0xC0]);
    assert_eq!(read_name(&msg, 12), Err(NameError::OutOfBounds));
}

#[test]
fn longest_legal_name_is_kept_whole() {
    // Four labels of 63, 63, 63, 61: 253 dotted bytes, 255 on the wire.
    let dotted = format!(
        "{}.{}.{}.{}",
        "a".repeat(63),
        "b".repeat(63),
        "c".repeat(63),
        "d".repeat(61)
    );
    let msg = message_with(&name(&dotted));
    let read = read_name(&msg, 12).unwrap();
    assert_eq!(read.name.value, dotted.as_bytes());
    assert!(!read.too_long && !read.name.truncated);
}

#[test]
fn over_long_names_are_cut_at_255_and_flagged() {
    let dotted = vec!["x".repeat(63); 8].join(".");
    let msg = message_with(&name(&dotted));
    let read = read_name(&msg, 12).unwrap();
    assert_eq!(read.name.value.len(), 255);
    assert_eq!(read.name.value, &dotted.as_bytes()[..255]);
    assert!(read.name.truncated && read.too_long);
    assert_eq!(read.end, msg.len());
}

#[test]
fn over_long_names_through_pointers_stop_early() {
    // A long suffix reused many times via pointers, each adding a label.
    let mut body = name(&vec!["y".repeat(63); 3].join("."));
    let mut prev = 12u16;
    for _ in 0..10 {
        let at = 12 + body.len() as u16;
        body.extend(labels(&"z".repeat(40)));
        body.extend(pointer(prev));
        prev = at;
    }
    let msg = message_with(&body);
    let read = read_name(&msg, usize::from(prev)).unwrap();
    assert!(read.too_long && read.name.truncated);
    assert_eq!(read.name.value.len(), 255);
    assert_eq!(read.end, msg.len());
}

#[test]
fn forward_pointers_are_refused_as_possible_loops() {
    // At 12: pointer to 14, where a plain name sits.
    let mut body = pointer(14);
    body.extend(name("later"));
    let msg = message_with(&body);
    assert_eq!(read_name(&msg, 12), Err(NameError::Loop));
    assert_eq!(read_name(&msg, 14).unwrap().name.value, b"later");
}

#[test]
fn pointer_back_into_the_same_name_is_refused() {
    // "a" then a pointer back to the start of the same name.
    let mut body = labels("a");
    body.extend(pointer(12));
    let msg = message_with(&body);
    assert_eq!(read_name(&msg, 12), Err(NameError::Loop));
}
