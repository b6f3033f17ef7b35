//! Network namespaces for live capture tests: a fresh namespace holding a
//! veth pair (`veth-a` sends, `veth-b` receives, both up, IPv6 off so the
//! kernel sends nothing of its own), commands and tcpreplay run inside it,
//! and threads that enter it to open sockets there. Removed on drop. Never
//! touches an interface of the host's namespace.

use std::ffi::OsStr;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// The end tcpreplay writes to.
pub const SEND: &str = "veth-a";
/// The end the sources capture on.
pub const RECV: &str = "veth-b";

/// A network namespace with a veth pair, deleted on drop.
pub struct Netns {
    name: String,
}

/// How fast tcpreplay sends.
#[derive(Clone, Copy, Debug)]
pub enum Rate {
    Pps(u32),
    Mbps(f64),
    TopSpeed,
}

/// Why live tests cannot run here, if they cannot: they need root and the
/// listed programs (plus `ip`).
pub fn skip_reason(tools: &[&str]) -> Option<String> {
    // SAFETY: geteuid takes no arguments and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root (network namespaces and AF_PACKET need it)".into());
    }
    let missing: Vec<&str> = std::iter::once(&"ip")
        .chain(tools)
        .copied()
        .filter(|t| find_program(t).is_none())
        .collect();
    if !missing.is_empty() {
        return Some(format!(
            "missing {} (apt-get install iproute2 tcpreplay)",
            missing.join(", ")
        ));
    }
    None
}

/// `tool` on PATH.
pub fn find_program(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|d| d.join(tool)).find(|p| p.is_file())
}

impl Netns {
    /// A namespace for test `tag`, or `None` (after printing why) when live
    /// tests cannot run here. Panics if the namespace cannot be set up
    /// although the tools are there.
    pub fn for_test(tag: &str, tools: &[&str]) -> Option<Netns> {
        if let Some(reason) = skip_reason(tools) {
            // Straight to stderr: the test harness keeps eprintln! output
            // of passing tests to itself.
            let _ = writeln!(std::io::stderr(), "skipped live capture test {tag}: {reason}");
            return None;
        }
        match Netns::new(tag) {
            Ok(ns) => Some(ns),
            Err(e) => panic!("cannot set up a network namespace for {tag}: {e}"),
        }
    }

    pub fn new(tag: &str) -> Result<Netns, String> {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "vigie-{tag}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        ip(&["netns", "add", &name])?;
        // From here on, drop removes the namespace whatever fails next.
        let ns = Netns { name };
        // IPv6 off before the veth exists, so it never gets an address, DAD
        // probes or router solicitations: the link carries only the test's frames.
        ns.sh("for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6 2>/dev/null; done; true")?;
        ns.ip(&["link", "add", SEND, "type", "veth", "peer", "name", RECV])?;
        for dev in ["lo", SEND, RECV] {
            ns.ip(&["link", "set", dev, "up"])?;
        }
        Ok(ns)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ip netns exec NAME program args...`.
    pub fn command<S: AsRef<OsStr>>(&self, program: &str, args: &[S]) -> Command {
        let mut cmd = Command::new(find_program("ip").unwrap_or_else(|| PathBuf::from("ip")));
        cmd.args(["netns", "exec", &self.name, program]).args(args);
        cmd
    }

    /// Runs a command in the namespace; an error carries its stderr.
    pub fn exec<S: AsRef<OsStr>>(&self, program: &str, args: &[S]) -> Result<Output, String> {
        let out = self
            .command(program, args)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{program} in {}: {}: {}",
                self.name,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(out)
    }

    /// Sets the MTU of an interface of the namespace.
    pub fn set_mtu(&self, iface: &str, mtu: u32) -> Result<(), String> {
        self.ip(&["link", "set", iface, "mtu", &mtu.to_string()]).map(drop)
    }

    fn ip(&self, args: &[&str]) -> Result<Output, String> {
        self.exec("ip", args)
    }

    fn sh(&self, script: &str) -> Result<Output, String> {
        self.exec("sh", &["-c", script])
    }

    fn replay_command(&self, iface: &str, rate: Rate, file: &Path) -> Command {
        let mut args: Vec<String> = vec!["-q".into(), "-i".into(), iface.into()];
        match rate {
            Rate::Pps(n) => args.push(format!("--pps={n}")),
            Rate::Mbps(m) => args.push(format!("--mbps={m}")),
            Rate::TopSpeed => args.push("--topspeed".into()),
        }
        args.push(file.display().to_string());
        self.command("tcpreplay", &args)
    }

    /// Sends `file` out of `iface` with tcpreplay and waits for it to finish.
    pub fn replay(&self, iface: &str, rate: Rate, file: &Path) -> Result<Output, String> {
        let out = self
            .replay_command(iface, rate, file)
            .output()
            .map_err(|e| format!("tcpreplay: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "tcpreplay in {}: {}: {}{}",
                self.name,
                out.status,
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(out)
    }

    /// Starts tcpreplay without waiting for it.
    pub fn spawn_replay(&self, iface: &str, rate: Rate, file: &Path) -> std::io::Result<Child> {
        self.replay_command(iface, rate, file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
    }

    /// Runs `f` on a new thread that has entered the namespace (setns(2)),
    /// so sockets it opens live there; the thread ends with `f`.
    pub fn spawn_inside<T, F>(&self, f: F) -> std::thread::JoinHandle<Result<T, String>>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let path = PathBuf::from("/var/run/netns").join(&self.name);
        std::thread::spawn(move || {
            let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            // SAFETY: setns(2) on a descriptor we hold open; it only changes
            // this thread's network namespace, and the thread ends with `f`.
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            if rc != 0 {
                return Err(format!("setns {}: {}", path.display(), std::io::Error::last_os_error()));
            }
            Ok(f())
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = ip(&["netns", "del", &self.name]) {
            eprintln!("could not remove network namespace {}: {e}", self.name);
        }
    }
}

fn ip(args: &[&str]) -> Result<Output, String> {
    let out = Command::new(find_program("ip").unwrap_or_else(|| PathBuf::from("ip")))
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out)
}
