//! Live capture from a link: AF_PACKET sources (and, with the `libpcap`
//! feature, BPF filters and the libpcap source) reading a veth pair inside a
//! private network namespace while tcpreplay sends a bundled capture into
//! it. Needs root, `ip` and tcpreplay; each test prints why it skipped
//! otherwise. `cargo test --features libpcap --test live_capture` runs the
//! filter tests too.

mod common;

use common::netns::{Netns, RECV, Rate, SEND};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use vigie::capture::live::{Backend, LiveError, LiveOptions, LiveSource, LiveStats, open_live};
use vigie::capture::{CaptureFile, linktype};
use vigie::timestamp::Timestamp;

/// How long the link must stay quiet after the sender is done.
const QUIET: Duration = Duration::from_millis(600);
/// No test waits longer than this for its packets.
const DEADLINE: Duration = Duration::from_secs(60);

/// One packet as a source handed it.
#[derive(Clone, Debug)]
struct Got {
    data: Vec<u8>,
    wire_len: u32,
    ts: Timestamp,
}

/// What one source saw.
#[derive(Debug)]
struct Captured {
    packets: Vec<Got>,
    stats: LiveStats,
    linktype: u32,
    backend: Backend,
}

fn pcap(rel: &str) -> PathBuf {
    common::repo().join(rel)
}

/// (bytes, wire length) of every frame of a capture file, in order.
fn file_frames(path: &Path) -> Vec<(Vec<u8>, u32)> {
    let mut file = CaptureFile::open(path).expect("open bundled capture");
    assert_eq!(file.truncation(), None);
    let mut out = Vec::new();
    while let Some(p) = file.next_packet().expect("read bundled capture") {
        assert_eq!(p.linktype, linktype::ETHERNET);
        out.push((p.data.to_vec(), p.wire_len));
    }
    out
}

/// Options for a test source: small blocks and a short block timeout, so a
/// test does not wait for blocks to fill.
fn opts() -> LiveOptions {
    LiveOptions {
        block_size: 1 << 16,
        block_count: 64,
        block_timeout: Duration::from_millis(10),
        promisc: false,
        ..LiveOptions::default()
    }
}

/// Reads `source` until `done` has been set and the link has then been
/// quiet for [`QUIET`].
fn drain(source: &mut dyn LiveSource, done: &AtomicBool) -> Result<Vec<Got>, LiveError> {
    let start = Instant::now();
    let mut packets = Vec::new();
    let mut quiet_since: Option<Instant> = None;
    while start.elapsed() < DEADLINE {
        let n = source.next_batch(Duration::from_millis(50), &mut |p| {
            packets.push(Got {
                data: p.data.to_vec(),
                wire_len: p.wire_len,
                ts: p.ts,
            })
        })?;
        if n > 0 || !done.load(Ordering::Acquire) {
            quiet_since = None;
            continue;
        }
        let since = *quiet_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= QUIET {
            break;
        }
    }
    Ok(packets)
}

/// Opens one source per entry of `options` on `iface` inside `ns`, each on
/// a thread of its own as a worker would; runs `send` once all are open and
/// returns what each saw once the link is quiet again.
fn capture_during(
    ns: &Netns,
    iface: &str,
    options: Vec<LiveOptions>,
    send: impl FnOnce(),
) -> Vec<Result<Captured, LiveError>> {
    let ready = Arc::new(Barrier::new(options.len() + 1));
    let done = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = options
        .into_iter()
        .map(|o| {
            let (ready, done, iface) = (ready.clone(), done.clone(), iface.to_string());
            ns.spawn_inside(move || {
                let opened = open_live(&iface, &o);
                ready.wait();
                let mut source = opened?;
                let packets = drain(source.as_mut(), &done)?;
                Ok(Captured {
                    packets,
                    stats: source.stats()?,
                    linktype: source.linktype(),
                    backend: source.backend(),
                })
            })
        })
        .collect();
    ready.wait();
    send();
    done.store(true, Ordering::Release);
    threads
        .into_iter()
        .map(|t| match t.join() {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => panic!("capture thread: {e}"),
            Err(_) => panic!("capture thread panicked"),
        })
        .collect()
}

fn replay<'a>(ns: &'a Netns, rate: Rate, file: &Path) -> impl FnOnce() + 'a {
    let file = file.to_path_buf();
    move || {
        if let Err(e) = ns.replay(SEND, rate, &file) {
            panic!("{e}");
        }
    }
}

/// The value a namespace thread returned, or a panic with its error.
fn joined<T>(h: std::thread::JoinHandle<Result<Result<T, LiveError>, String>>) -> T {
    match h.join() {
        Ok(Ok(Ok(v))) => v,
        Ok(Ok(Err(e))) => panic!("{e}"),
        Ok(Err(e)) => panic!("{e}"),
        Err(_) => panic!("capture thread panicked"),
    }
}

fn one(mut results: Vec<Result<Captured, LiveError>>) -> Captured {
    match results.pop() {
        Some(Ok(c)) => c,
        Some(Err(e)) => panic!("{e}"),
        None => panic!("no capture"),
    }
}

/// Asserts the captured packets are the expected frames, in order.
fn assert_same_frames(got: &[Got], want: &[(Vec<u8>, u32)], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: packet count");
    let got_bytes: usize = got.iter().map(|g| g.data.len()).sum();
    let want_bytes: usize = want.iter().map(|w| w.0.len()).sum();
    assert_eq!(got_bytes, want_bytes, "{what}: bytes");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(g.data == w.0, "{what}: frame {} differs from the file's", i + 1);
        assert_eq!(g.wire_len, w.1, "{what}: wire length of frame {}", i + 1);
    }
}

fn report(what: &str, c: &Captured, elapsed: Duration) {
    let span = match (c.packets.first(), c.packets.last()) {
        (Some(a), Some(b)) => b.ts.as_secs_f64() - a.ts.as_secs_f64(),
        _ => 0.0,
    };
    eprintln!(
        "{what}: {} packets, {} bytes, {:?} backend; first to last packet {:.3}s ({:.0} packets/s); \
         whole run {:.2}s; stats {:?}",
        c.packets.len(),
        c.packets.iter().map(|p| p.data.len()).sum::<usize>(),
        c.backend,
        span,
        if span > 0.0 { c.packets.len() as f64 / span } else { 0.0 },
        elapsed.as_secs_f64(),
        c.stats
    );
}

/// The back ends this build has.
fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::AfPacket];
    if cfg!(feature = "libpcap") {
        b.push(Backend::Libpcap);
    }
    b
}

fn with_backend(backend: Backend) -> LiveOptions {
    LiveOptions { backend, ..opts() }
}

#[test]
fn replayed_capture_arrives_whole_and_in_order() {
    let Some(ns) = Netns::for_test("whole", &["tcpreplay"]) else {
        return;
    };
    let file = pcap("pcaps/attacks/web-attacks.pcap");
    let want = file_frames(&file);
    for backend in backends() {
        let t0 = Timestamp::now();
        let start = Instant::now();
        let c = one(capture_during(
            &ns,
            RECV,
            vec![with_backend(backend)],
            replay(&ns, Rate::Pps(2000), &file),
        ));
        let t1 = Timestamp::now();
        report(&format!("{} at 2000 packets/s", backend.name()), &c, start.elapsed());

        assert_eq!(c.backend, backend);
        assert_eq!(c.linktype, linktype::ETHERNET);
        assert_same_frames(&c.packets, &want, backend.name());
        assert_eq!(c.stats.kernel_drops, 0, "no drops at a modest rate");
        assert_eq!(c.stats.delivered, want.len() as u64);
        assert_eq!(c.stats.received, want.len() as u64, "kernel count");
        if backend == Backend::AfPacket {
            assert_eq!(c.stats.freeze_count, Some(0));
        }
        // Capture time, read from the kernel: within the test's run.
        for p in &c.packets {
            assert!(p.ts >= Timestamp::new(t0.secs - 1, 0) && p.ts <= Timestamp::new(t1.secs + 1, 0));
        }
    }
}

/// A symmetric flow key: protocol, the two (address, port) ends sorted.
fn flow_key(frame: &[u8]) -> Option<(u8, [u8; 6], [u8; 6])> {
    if frame.len() < 34 || frame[12..14] != [0x08, 0x00] {
        return None;
    }
    let ihl = usize::from(frame[14] & 0x0f) * 4;
    let proto = frame[23];
    let mut a = [0u8; 6];
    let mut b = [0u8; 6];
    a[..4].copy_from_slice(&frame[26..30]);
    b[..4].copy_from_slice(&frame[30..34]);
    let l4 = 14 + ihl;
    if matches!(proto, 6 | 17) && frame.len() >= l4 + 4 {
        a[4..].copy_from_slice(&frame[l4..l4 + 2]);
        b[4..].copy_from_slice(&frame[l4 + 2..l4 + 4]);
    }
    Some((proto, a.min(b), a.max(b)))
}

#[test]
fn fanout_group_splits_by_flow_and_sees_each_packet_once() {
    let Some(ns) = Netns::for_test("fanout", &["tcpreplay"]) else {
        return;
    };
    let file = pcap("pcaps/venue-attacks.pcap");
    let want = file_frames(&file);
    let group = LiveOptions {
        fanout_group: Some(4242),
        ..opts()
    };
    let start = Instant::now();
    let results = capture_during(
        &ns,
        RECV,
        vec![group.clone(), group],
        replay(&ns, Rate::Pps(5000), &file),
    );
    let caps: Vec<Captured> = results
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    for (i, c) in caps.iter().enumerate() {
        report(&format!("fanout socket {i} at 5000 packets/s"), c, start.elapsed());
        assert_eq!(c.stats.kernel_drops, 0);
        assert_eq!(c.stats.received, c.packets.len() as u64);
    }

    // Together: every frame of the file exactly once.
    let mut got: Vec<&[u8]> = caps
        .iter()
        .flat_map(|c| c.packets.iter().map(|p| &p.data[..]))
        .collect();
    let mut expected: Vec<&[u8]> = want.iter().map(|w| &w.0[..]).collect();
    got.sort();
    expected.sort();
    assert_eq!(got.len(), expected.len(), "packets seen by the group");
    assert!(got == expected, "the group saw other frames than the file's");

    // Each flow (both directions) on one socket only.
    let mut owner: HashMap<_, usize> = HashMap::new();
    let mut flows = vec![BTreeSet::new(); caps.len()];
    for (i, c) in caps.iter().enumerate() {
        assert!(
            !c.packets.is_empty(),
            "socket {i} got no packet: the group did not spread flows"
        );
        for p in &c.packets {
            let key = flow_key(&p.data).expect("IPv4 frame");
            flows[i].insert(key);
            let first = *owner.entry(key).or_insert(i);
            assert_eq!(first, i, "flow {key:?} reached two sockets");
        }
    }
    eprintln!(
        "fanout: {} flows, {} on socket 0, {} on socket 1",
        owner.len(),
        flows[0].len(),
        flows[1].len()
    );
}

#[test]
fn an_idle_link_times_out_with_no_packets() {
    let Some(ns) = Netns::for_test("idle", &[]) else {
        return;
    };
    for backend in backends() {
        idle_waits(&ns, backend);
    }
}

fn idle_waits(ns: &Netns, backend: Backend) {
    let waits = ns.spawn_inside(move || -> Result<Vec<(usize, Duration)>, LiveError> {
        let mut source = open_live(RECV, &with_backend(backend))?;
        let mut out = Vec::new();
        for timeout in [Duration::ZERO, Duration::from_millis(200), Duration::from_millis(50)] {
            let start = Instant::now();
            let n = source.next_batch(timeout, &mut |_| {})?;
            out.push((n, start.elapsed()));
        }
        Ok(out)
    });
    let waits = joined(waits);
    eprintln!("idle waits, {}: {waits:?}", backend.name());
    assert_eq!(waits[0].0, 0);
    assert!(waits[0].1 < Duration::from_millis(50), "a zero timeout does not wait");
    assert_eq!(waits[1].0, 0);
    assert!(
        waits[1].1 >= Duration::from_millis(190) && waits[1].1 < Duration::from_secs(1),
        "200 ms timeout took {:?}",
        waits[1].1
    );
    assert_eq!(waits[2].0, 0);
    assert!(waits[2].1 >= Duration::from_millis(45) && waits[2].1 < Duration::from_millis(500));
}

#[test]
fn a_full_ring_counts_kernel_drops() {
    let Some(ns) = Netns::for_test("drops", &["tcpreplay"]) else {
        return;
    };
    let file = pcap("pcaps/venue-attacks.pcap");
    let want = file_frames(&file);
    // Two 8 KiB blocks: room for a few dozen frames while nobody reads.
    let tiny = LiveOptions {
        block_size: 8192,
        block_count: 2,
        ..opts()
    };
    let ready = Arc::new(Barrier::new(2));
    let sent = Arc::new(Barrier::new(2));
    let (r, s) = (ready.clone(), sent.clone());
    let t = ns.spawn_inside(move || -> Result<(LiveStats, usize, LiveStats), LiveError> {
        let opened = open_live(RECV, &tiny);
        r.wait();
        let mut source = opened?;
        // Read nothing while the file is sent.
        s.wait();
        let done = AtomicBool::new(true);
        let packets = drain(source.as_mut(), &done)?;
        let first = source.stats()?;
        // Counters accumulate: a second read adds nothing new.
        let again = source.stats()?;
        assert_eq!(first, again);
        Ok((first, packets.len(), again))
    });
    ready.wait();
    let replayed = ns.replay(SEND, Rate::TopSpeed, &file);
    sent.wait();
    let (stats, read, _) = joined(t);
    if let Err(e) = replayed {
        panic!("{e}");
    }
    eprintln!(
        "unread tiny ring, {} frames sent: read {read}, stats {stats:?}",
        want.len()
    );
    assert!(stats.kernel_drops > 0, "a ring nobody reads must drop");
    assert_eq!(stats.delivered, read as u64);
    assert_eq!(stats.received, want.len() as u64, "kernel counts drops among received");
    assert_eq!(stats.delivered + stats.kernel_drops, stats.received);
}

#[test]
fn vlan_tags_stripped_by_the_kernel_are_put_back() {
    let Some(ns) = Netns::for_test("vlan", &["tcpreplay", "tcprewrite"]) else {
        return;
    };
    // The kernel lets a full-size frame carry one 802.1Q tag past the MTU,
    // but not an 802.1ad one: make room for the tag on both ends.
    for iface in [SEND, RECV] {
        if let Err(e) = ns.set_mtu(iface, 1504) {
            panic!("{e}");
        }
    }
    let dir = common::scratch("live-vlan");
    let plain = pcap("pcaps/attacks/web-attacks.pcap");
    for (proto, tpid) in [("802.1q", [0x81, 0x00]), ("802.1ad", [0x88, 0xa8])] {
        let tagged = dir.join(format!("{proto}.pcap"));
        let out = std::process::Command::new("tcprewrite")
            .args([
                "--enet-vlan=add",
                "--enet-vlan-tag=42",
                "--enet-vlan-pri=5",
                "--enet-vlan-cfi=0",
            ])
            .arg(format!("--enet-vlan-proto={proto}"))
            .arg(format!("--infile={}", plain.display()))
            .arg(format!("--outfile={}", tagged.display()))
            .output()
            .expect("run tcprewrite");
        assert!(
            out.status.success(),
            "tcprewrite: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want = file_frames(&tagged);
        assert!(
            want.iter().all(|w| w.0[12..14] == tpid),
            "tcprewrite tagged every frame"
        );
        for backend in backends() {
            let start = Instant::now();
            let c = one(capture_during(
                &ns,
                RECV,
                vec![with_backend(backend)],
                replay(&ns, Rate::Pps(2000), &tagged),
            ));
            report(
                &format!("{proto} tagged frames, {}", backend.name()),
                &c,
                start.elapsed(),
            );
            assert_same_frames(&c.packets, &want, &format!("{proto}, {}", backend.name()));
            assert_eq!(c.stats.kernel_drops, 0);
        }
    }
}

#[test]
fn loopback_frames_are_ethernet_and_seen_once() {
    let Some(ns) = Netns::for_test("loopback", &["tcpreplay"]) else {
        return;
    };
    // Real loopback traffic: five datagrams to a local socket.
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let t = ns.spawn_inside(move || -> Result<(Vec<Got>, u32, u16), LiveError> {
        let mut source = open_live("lo", &opts())?;
        let rx = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let tx = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = rx.local_addr().expect("addr").port();
        for i in 0..5u8 {
            tx.send_to(&[i; 20], ("127.0.0.1", port)).expect("send");
        }
        d.store(true, Ordering::Release);
        let packets = drain(source.as_mut(), &d)?;
        Ok((packets, source.linktype(), port))
    });
    let (packets, link, port) = joined(t);
    assert_eq!(link, linktype::ETHERNET);
    assert_eq!(packets.len(), 5, "each datagram once, not once out and once in");
    for p in &packets {
        assert_eq!(&p.data[..12], &[0u8; 12], "loopback MAC addresses are zero");
        assert_eq!(&p.data[12..14], &[0x08, 0x00], "then an IPv4 ethertype");
        assert_eq!(p.data[23], 17);
        assert_eq!(u16::from_be_bytes([p.data[36], p.data[37]]), port);
    }

    // tcpreplay onto lo: the file's frames, each once.
    let file = pcap("pcaps/attacks/web-attacks.pcap");
    let want = file_frames(&file);
    let c = one(capture_during(&ns, "lo", vec![opts()], || {
        if let Err(e) = ns.replay("lo", Rate::Pps(2000), &file) {
            panic!("{e}");
        }
    }));
    assert_same_frames(&c.packets, &want, "lo");
}

#[test]
fn a_link_going_down_pauses_the_source_and_its_removal_ends_it() {
    let Some(ns) = Netns::for_test("linkdown", &["tcpreplay"]) else {
        return;
    };
    let file = pcap("pcaps/attacks/web-attacks.pcap");
    let want = file_frames(&file).len();
    let ready = Arc::new(Barrier::new(2));
    let step = Arc::new(Barrier::new(2));
    let (r, s) = (ready.clone(), step.clone());
    let t = ns.spawn_inside(move || -> Result<(usize, usize, String), LiveError> {
        let mut source = open_live(RECV, &opts())?;
        r.wait();
        // 1. The link is set down: waits end with no packet and no error.
        s.wait();
        let mut down = 0;
        for _ in 0..4 {
            down += source.next_batch(Duration::from_millis(50), &mut |_| {})?;
        }
        // 2. Back up, the file is sent: every frame arrives.
        s.wait();
        s.wait();
        let done = AtomicBool::new(true);
        let after = drain(source.as_mut(), &done)?.len();
        // 3. The pair is deleted: the source says so.
        s.wait();
        let mut gone = String::new();
        for _ in 0..20 {
            if let Err(e) = source.next_batch(Duration::from_millis(50), &mut |_| {}) {
                gone = e.to_string();
                break;
            }
        }
        Ok((down, after, gone))
    });
    let ip = |args: &[&str]| {
        if let Err(e) = ns.exec("ip", args) {
            panic!("{e}");
        }
    };
    ready.wait();
    ip(&["link", "set", RECV, "down"]);
    step.wait();
    step.wait();
    ip(&["link", "set", RECV, "up"]);
    if let Err(e) = ns.replay(SEND, Rate::Pps(2000), &file) {
        panic!("{e}");
    }
    step.wait();
    step.wait();
    ip(&["link", "del", SEND]);
    let (down, after, gone) = joined(t);
    assert_eq!(down, 0);
    assert_eq!(after, want, "every frame after the link came back");
    assert_eq!(gone, "veth-b: the interface was removed while captured");
}

#[test]
fn open_errors_name_the_interface_and_the_cause() {
    let Some(ns) = Netns::for_test("errors", &[]) else {
        return;
    };
    let r = ns
        .spawn_inside(|| {
            let missing = open_live("nosuch0", &opts()).err().map(|e| e.to_string());
            let bad_block = open_live(
                RECV,
                &LiveOptions {
                    block_size: 6144,
                    ..opts()
                },
            )
            .err()
            .map(|e| e.to_string());
            (missing, bad_block)
        })
        .join();
    let Ok(Ok((missing, bad_block))) = r else {
        panic!("thread failed");
    };
    assert_eq!(missing.as_deref(), Some("nosuch0: no such network interface"));
    let bad_block = bad_block.unwrap_or_default();
    assert!(
        bad_block.starts_with("veth-b: invalid capture option: block size 6144"),
        "{bad_block}"
    );
}

#[cfg(feature = "libpcap")]
fn is_udp(frame: &[u8]) -> bool {
    match frame.get(12..14) {
        Some([0x08, 0x00]) => frame.get(23) == Some(&17),
        Some([0x86, 0xdd]) => frame.get(20) == Some(&17),
        _ => false,
    }
}

#[cfg(feature = "libpcap")]
#[test]
fn a_bpf_filter_delivers_only_matching_packets() {
    let Some(ns) = Netns::for_test("bpf", &["tcpreplay"]) else {
        return;
    };
    let file = pcap("pcaps/attacks/web-attacks.pcap");
    let want: Vec<(Vec<u8>, u32)> = file_frames(&file).into_iter().filter(|f| is_udp(&f.0)).collect();
    assert!(!want.is_empty());
    for backend in [Backend::AfPacket, Backend::Libpcap] {
        let o = LiveOptions {
            backend,
            bpf: Some("udp".into()),
            ..opts()
        };
        let start = Instant::now();
        let c = one(capture_during(&ns, RECV, vec![o], replay(&ns, Rate::Pps(2000), &file)));
        report(&format!("filter 'udp', {backend:?}"), &c, start.elapsed());
        assert_eq!(c.backend, backend);
        assert_eq!(c.linktype, linktype::ETHERNET);
        assert_same_frames(&c.packets, &want, backend.name());
        assert_eq!(c.stats.kernel_drops, 0);
        assert_eq!(
            c.stats.received,
            want.len() as u64,
            "{backend:?}: the kernel counts only what passed"
        );
    }
}
