//! Per-flow SSH state: both identification lines, then the key exchange up to NEWKEYS, with HASSH.

use super::banner::{BannerReader, LineResult, SshBanner};
use super::config::SshConfig;
use super::direction::Direction;
use super::event::SshEvent;
use super::kexinit::{Hassh, KexInit};
use super::packet::{Notice, PacketWalker};
use super::state::SshState;

/// Where one direction's byte stream is.
#[derive(Debug)]
enum Phase {
    /// Looking for the identification line.
    Banner(BannerReader),
    /// The identification line was too long: dropping the rest of it up to LF.
    SkipLine,
    /// Following unencrypted binary packets.
    Packets(PacketWalker),
    /// Nothing more to follow: encrypted, not SSH-2, or broken.
    Done,
}

#[derive(Debug)]
struct Side {
    phase: Phase,
    state: SshState,
    banner: Option<SshBanner>,
    kexinit: Option<Box<KexInit>>,
    hassh: Option<Hassh>,
}

impl Side {
    fn new() -> Self {
        Side {
            phase: Phase::Banner(BannerReader::default()),
            state: SshState::None,
            banner: None,
            kexinit: None,
            hassh: None,
        }
    }
}

/// SSH parser for one flow.
#[derive(Debug)]
pub struct SshParser {
    cfg: SshConfig,
    sides: [Side; 2],
    events: Vec<(Direction, SshEvent)>,
}

impl Default for SshParser {
    fn default() -> Self {
        Self::new()
    }
}

fn index(dir: Direction) -> usize {
    match dir {
        Direction::ToServer => 0,
        Direction::ToClient => 1,
    }
}

impl SshParser {
    pub fn new() -> Self {
        Self::with_config(SshConfig::default())
    }

    pub fn with_config(cfg: SshConfig) -> Self {
        SshParser {
            cfg,
            sides: [Side::new(), Side::new()],
            events: Vec::new(),
        }
    }

    /// Consumes the next stream bytes sent in `dir`, cut anywhere.
    pub fn feed(&mut self, dir: Direction, mut data: &[u8]) {
        let cfg = self.cfg;
        let i = index(dir);
        let mut raised = Vec::new();
        while !data.is_empty() {
            let side = &mut self.sides[i];
            match &mut side.phase {
                Phase::Banner(reader) => match reader.feed(data, &cfg, &mut raised) {
                    LineResult::NeedMore => data = &[],
                    LineResult::GaveUp => {
                        side.phase = Phase::Done;
                        data = &[];
                    }
                    LineResult::Found { banner, consumed, cut } => {
                        data = &data[consumed.min(data.len())..];
                        side.phase = match &banner {
                            None => Phase::Done,
                            Some(_) if cut => Phase::SkipLine,
                            Some(b) if b.is_ssh2() => Phase::Packets(PacketWalker::default()),
                            Some(_) => Phase::Done,
                        };
                        if banner.is_some() {
                            side.state = SshState::BannerDone;
                        }
                        side.banner = banner;
                    }
                },
                Phase::SkipLine => match data.iter().position(|&b| b == b'\n') {
                    Some(lf) => {
                        data = &data[lf + 1..];
                        let ssh2 = side.banner.as_ref().is_some_and(SshBanner::is_ssh2);
                        side.phase = if ssh2 {
                            Phase::Packets(PacketWalker::default())
                        } else {
                            Phase::Done
                        };
                    }
                    None => data = &[],
                },
                Phase::Packets(walker) => {
                    let notices = walker.feed(data, &cfg);
                    if walker.stopped() {
                        side.phase = Phase::Done;
                    }
                    data = &[];
                    for notice in notices {
                        self.on_notice(dir, notice, &mut raised);
                    }
                }
                Phase::Done => data = &[],
            }
        }
        for event in raised {
            self.raise(dir, event);
        }
    }

    /// Data is missing in `dir`: packet boundaries are lost, so that direction is no longer followed.
    /// Before the identification line, the partial line is dropped and reading goes on.
    pub fn gap(&mut self, dir: Direction) {
        let side = &mut self.sides[index(dir)];
        side.phase = match side.phase {
            Phase::Banner(_) => Phase::Banner(BannerReader::default()),
            _ => Phase::Done,
        };
    }

    /// The identification line sent in `dir` (client's to the server, server's to the client).
    pub fn banner(&self, dir: Direction) -> Option<&SshBanner> {
        self.sides[index(dir)].banner.as_ref()
    }

    /// How far `dir` has gone.
    pub fn state(&self, dir: Direction) -> SshState {
        self.sides[index(dir)].state
    }

    /// The KEXINIT name-lists sent in `dir`.
    pub fn kexinit(&self, dir: Direction) -> Option<&KexInit> {
        self.sides[index(dir)].kexinit.as_deref()
    }

    /// The client's HASSH (MD5 hex), from its KEXINIT.
    pub fn hassh(&self) -> Option<&str> {
        self.sides[0].hassh.as_ref().map(|h| h.hash.as_str())
    }

    /// The string hashed into [`SshParser::hassh`].
    pub fn hassh_string(&self) -> Option<&[u8]> {
        self.sides[0].hassh.as_ref().map(|h| h.string.as_slice())
    }

    /// The server's HASSHServer (MD5 hex), from its KEXINIT.
    pub fn hassh_server(&self) -> Option<&str> {
        self.sides[1].hassh.as_ref().map(|h| h.hash.as_str())
    }

    /// The string hashed into [`SshParser::hassh_server`].
    pub fn hassh_server_string(&self) -> Option<&[u8]> {
        self.sides[1].hassh.as_ref().map(|h| h.string.as_slice())
    }

    /// Events raised so far, each at most once per direction.
    pub fn events(&self) -> &[(Direction, SshEvent)] {
        &self.events
    }

    /// Both sides sent NEWKEYS: the rest of the flow is encrypted and needs no parsing.
    pub fn encrypted(&self) -> bool {
        self.sides.iter().all(|s| s.state == SshState::NewKeys)
    }

    /// Neither direction will be parsed any further (encrypted, or given up).
    pub fn done(&self) -> bool {
        self.sides.iter().all(|s| matches!(s.phase, Phase::Done))
    }

    fn on_notice(&mut self, dir: Direction, notice: Notice, raised: &mut Vec<SshEvent>) {
        let side = &mut self.sides[index(dir)];
        match notice {
            Notice::KexInit(payload) => {
                side.state = side.state.max(SshState::KexInit);
                if side.kexinit.is_none()
                    && let Some(kex) = KexInit::parse(&payload)
                {
                    side.hassh = Some(match dir {
                        Direction::ToServer => kex.hassh_client(),
                        Direction::ToClient => kex.hassh_server(),
                    });
                    side.kexinit = Some(Box::new(kex));
                }
            }
            Notice::LongKexInit => {
                side.state = side.state.max(SshState::KexInit);
                raised.push(SshEvent::LongKexRecord);
            }
            Notice::NewKeys => side.state = SshState::NewKeys,
            Notice::BadLength => raised.push(SshEvent::InvalidRecordLength),
        }
    }

    fn raise(&mut self, dir: Direction, event: SshEvent) {
        if !self.events.contains(&(dir, event)) {
            self.events.push((dir, event));
        }
    }
}
