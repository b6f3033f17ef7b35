//! Tests of identification lines: parsing, chunking, pre-banner lines, line endings and lengths.

use super::super::banner::SshBanner;
use super::super::config::SshConfig;
use super::super::direction::Direction::{ToClient, ToServer};
use super::super::event::SshEvent;
use super::super::parser::SshParser;
use super::super::state::SshState;
use super::build::{client_kexinit, server_kexinit};

fn banner(proto: &str, software: &str, comments: Option<&str>) -> SshBanner {
    SshBanner {
        proto_version: proto.into(),
        software_version: software.into(),
        comments: comments.map(|c| c.as_bytes().to_vec()),
    }
}

#[test]
fn line_parts() {
    assert_eq!(
        SshBanner::parse(b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1"),
        Some(banner("2.0", "OpenSSH_8.9p1", Some("Ubuntu-3ubuntu0.1")))
    );
    assert_eq!(
        SshBanner::parse(b"SSH-1.99-Cisco-1.25"),
        Some(banner("1.99", "Cisco-1.25", None))
    );
    assert_eq!(SshBanner::parse(b"SSH-2.0-"), Some(banner("2.0", "", None)));
    assert_eq!(
        SshBanner::parse(b"SSH-2.0-x a b"),
        Some(banner("2.0", "x", Some("a b")))
    );
    assert_eq!(SshBanner::parse(b"SSH-2.0"), None);
    assert_eq!(SshBanner::parse(b"SSH--x"), None);
    assert_eq!(SshBanner::parse(b"SSH-2 0-x"), None);
    assert_eq!(SshBanner::parse(b"ssh-2.0-x"), None);
    assert!(banner("1.99", "", None).is_ssh2() && banner("2.0", "", None).is_ssh2());
    assert!(!banner("1.5", "", None).is_ssh2());
}

#[test]
fn banners_split_byte_by_byte() {
    let client = b"SSH-2.0-PuTTY_Release_0.80\r\n";
    let server = b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n";
    let mut p = SshParser::new();
    for i in 0..server.len().max(client.len()) {
        assert_eq!(p.banner(ToServer).is_some(), i >= client.len());
        if let Some(b) = client.get(i) {
            p.feed(ToServer, std::slice::from_ref(b));
        }
        if let Some(b) = server.get(i) {
            p.feed(ToClient, std::slice::from_ref(b));
        }
    }
    assert_eq!(p.banner(ToServer), Some(&banner("2.0", "PuTTY_Release_0.80", None)));
    assert_eq!(
        p.banner(ToClient),
        Some(&banner("2.0", "OpenSSH_9.6p1", Some("Ubuntu-3ubuntu13")))
    );
    assert_eq!(
        (p.state(ToServer), p.state(ToClient)),
        (SshState::BannerDone, SshState::BannerDone)
    );
    assert!(p.events().is_empty());
}

#[test]
fn lines_before_the_banner_are_skipped() {
    let mut p = SshParser::new();
    p.feed(
        ToClient,
        b"Welcome to host\r\nSS\r\nAuthorized use only\nSSH-2.0-srv\r\n",
    );
    assert_eq!(p.banner(ToClient), Some(&banner("2.0", "srv", None)));
    assert!(p.events().is_empty());
    // The same, byte by byte, and followed at once by a KEXINIT.
    let mut stream = b"hello\r\n\r\nSSH-2.0-srv\r\n".to_vec();
    stream.extend(server_kexinit());
    let mut p = SshParser::new();
    for b in &stream {
        p.feed(ToClient, std::slice::from_ref(b));
    }
    assert_eq!(p.banner(ToClient), Some(&banner("2.0", "srv", None)));
    assert_eq!(p.state(ToClient), SshState::KexInit);
}

#[test]
fn too_many_lines_before_the_banner_give_up() {
    let cfg = SshConfig {
        max_pre_banner_lines: 3,
        ..SshConfig::default()
    };
    let mut p = SshParser::with_config(cfg);
    p.feed(ToClient, b"a\nb\nc\nSSH-2.0-ok\r\n");
    assert!(p.banner(ToClient).is_some());
    let mut p = SshParser::with_config(cfg);
    p.feed(ToClient, b"a\nb\nc\nd\nSSH-2.0-late\r\n");
    assert!(p.banner(ToClient).is_none());
    assert_eq!(p.events(), &[(ToClient, SshEvent::TooManyPreBannerLines)]);
    assert_eq!(p.state(ToClient), SshState::None);
}

#[test]
fn long_lines_before_the_banner_are_skipped_without_being_kept() {
    let mut stream = vec![b'x'; 100_000];
    stream.extend(b"\nSSH-2.0-after\r\n");
    let mut p = SshParser::new();
    p.feed(ToClient, &stream);
    assert_eq!(p.banner(ToClient), Some(&banner("2.0", "after", None)));
    assert!(p.events().is_empty());
}

#[test]
fn missing_cr_is_accepted() {
    let mut p = SshParser::new();
    let mut stream = b"SSH-2.0-OpenSSH_7.4\n".to_vec();
    stream.extend(client_kexinit());
    p.feed(ToServer, &stream);
    assert_eq!(p.banner(ToServer), Some(&banner("2.0", "OpenSSH_7.4", None)));
    assert_eq!(p.state(ToServer), SshState::KexInit);
    assert!(p.events().is_empty());
}

#[test]
fn over_long_banner_is_cut_flagged_and_followed() {
    let mut line = b"SSH-2.0-Long_1.0 ".to_vec();
    line.extend(vec![b'c'; 400]);
    line.extend(b"\r\n");
    let mut stream = line.clone();
    stream.extend(client_kexinit());
    for chunk in [1, 7, 255, stream.len()] {
        let mut p = SshParser::new();
        for part in stream.chunks(chunk) {
            p.feed(ToServer, part);
        }
        let b = p.banner(ToServer).unwrap();
        assert_eq!(
            (b.proto_version.as_slice(), b.software_version.as_slice()),
            (b"2.0".as_slice(), b"Long_1.0".as_slice())
        );
        assert_eq!(b.comments.as_ref().unwrap().len(), 255 - 17);
        assert_eq!(p.events(), &[(ToServer, SshEvent::LongBanner)]);
        assert_eq!(p.state(ToServer), SshState::KexInit, "chunk {chunk}");
    }
}

#[test]
fn slack_allows_longer_banners_but_still_flags_them() {
    let mut line = b"SSH-2.0-Long_1.0 ".to_vec();
    line.extend(vec![b'c'; 260]);
    let cfg = SshConfig {
        banner_slack: 100,
        ..SshConfig::default()
    };
    let mut p = SshParser::with_config(cfg);
    p.feed(ToServer, &line);
    p.feed(ToServer, b"\r\n");
    assert_eq!(p.banner(ToServer).unwrap().comments.as_ref().unwrap().len(), 260);
    assert_eq!(p.events(), &[(ToServer, SshEvent::LongBanner)]);
    // 253 bytes plus CR LF is the longest line without the event.
    let mut line = b"SSH-2.0-x ".to_vec();
    line.extend(vec![b'c'; 243]);
    line.extend(b"\r\n");
    assert_eq!(line.len(), 255);
    let mut p = SshParser::new();
    p.feed(ToServer, &line);
    assert!(p.banner(ToServer).is_some() && p.events().is_empty());
}

#[test]
fn invalid_banner_is_an_event_and_stops_the_direction() {
    let mut p = SshParser::new();
    let mut stream = b"SSH-2.0\r\n".to_vec();
    stream.extend(client_kexinit());
    p.feed(ToServer, &stream);
    assert!(p.banner(ToServer).is_none());
    assert_eq!(p.state(ToServer), SshState::None);
    assert_eq!(p.events(), &[(ToServer, SshEvent::InvalidBanner)]);
}

#[test]
fn ssh1_packets_are_not_followed() {
    let mut p = SshParser::new();
    let mut stream = b"SSH-1.5-old\n".to_vec();
    stream.extend(client_kexinit());
    p.feed(ToServer, &stream);
    assert_eq!(p.banner(ToServer), Some(&banner("1.5", "old", None)));
    assert_eq!(p.state(ToServer), SshState::BannerDone);
}
