//! A real CrowdSec bouncer (Debian's crowdsec-custom-bouncer) enforcing
//! vigie's decisions unchanged: it receives the bans the policy made from a
//! replayed attack capture, the deletion of a revoked one and of an expired
//! one, and never a ban on a protected address.

mod common;

use common::http::*;
use common::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BOUNCER: &str = "/usr/bin/crowdsec-custom-bouncer";

/// The bouncer process, killed when dropped.
struct Bouncer(Child);

impl Drop for Bouncer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the custom bouncer against `api`, running a script that appends
/// each call (`add|del IP DURATION SCENARIO JSON`) to `calls`.
fn start_bouncer(dir: &Path, api: &str, calls: &Path) -> Bouncer {
    let script = dir.join("enforce.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$@\" >> {}\n", calls.display())).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let yaml = dir.join("bouncer.yaml");
    std::fs::write(
        &yaml,
        format!(
            "bin_path: {script}\nupdate_frequency: 1s\ndaemonize: false\nlog_mode: stdout\nlog_level: info\n\
             api_url: http://{api}/\napi_key: {BOUNCER_KEY}\npiddir: {dir}\nlog_dir: {dir}\n",
            script = script.display(),
            dir = dir.display(),
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.join("bouncer.log")).unwrap();
    let child = Command::new(BOUNCER)
        .arg("-c")
        .arg(&yaml)
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start crowdsec-custom-bouncer");
    Bouncer(child)
}

/// Waits until some line of `calls` starts with `prefix`.
fn wait_for_call(calls: &Path, prefix: &str, within: Duration, dir: &Path) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let text = std::fs::read_to_string(calls).unwrap_or_default();
        if text.lines().any(|l| l.starts_with(prefix)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let log = std::fs::read_to_string(dir.join("bouncer.log")).unwrap_or_default();
    let text = std::fs::read_to_string(calls).unwrap_or_default();
    panic!("the bouncer never ran '{prefix} …'\ncalls:\n{text}\nbouncer log:\n{log}");
}

#[test]
fn a_crowdsec_bouncer_enforces_bans_and_their_end() {
    if !Path::new(BOUNCER).exists() {
        eprintln!("SKIP: {BOUNCER} is not installed (apt-get install crowdsec-custom-bouncer)");
        return;
    }
    let dir = scratch("crowdsec-bouncer");
    // The bundled policy, with the scanner 203.0.113.7 inside a protected
    // range and reconnaissance bans short enough to watch them expire.
    let bundled = std::fs::read_to_string(repo().join("rules/policy.toml")).unwrap();
    let (head, tail) = bundled.split_once("name = \"reconnaissance\"").unwrap();
    let tail = tail.replacen("duration = \"30m\"", "duration = \"6s\"", 1);
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "[[protected]]\nname = \"partner scanner\"\nranges = [\"203.0.113.7\"]\n\n{head}name = \"reconnaissance\"{tail}"
        ),
    )
    .unwrap();
    let cfg = api_config(&dir, &format!("[policy]\nfile = \"{}\"\n", policy.display()));
    let served = spawn_served(
        vigie()
            .args(["replay", "--serve", "-c"])
            .arg(&cfg)
            .arg(repo().join("pcaps/venue-attacks.pcap")),
    );
    let calls = dir.join("calls.txt");
    let _bouncer = start_bouncer(&dir, &served.addr, &calls);

    // Bans for the web attacker, the unprotected scanner and the host an
    // exploit answered; the reconnaissance ban then ends by itself.
    let within = Duration::from_secs(30);
    wait_for_call(&calls, "add 203.0.113.66 ", within, &dir);
    wait_for_call(&calls, "add 198.51.100.77 ", within, &dir);
    wait_for_call(&calls, "add 203.0.113.9 ", within, &dir);
    wait_for_call(&calls, "del 203.0.113.9 ", within, &dir);

    // An analyst revokes the web attacker's ban from the command line.
    let store = dir.join("logs/vigie.db");
    let list = run(vigie().args(["decisions", "--store"]).arg(&store).args(["list"]));
    let listing = String::from_utf8_lossy(&list.stdout).into_owned();
    let id = listing
        .lines()
        .find(|l| l.contains("203.0.113.66"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no decision for 203.0.113.66 in\n{listing}"))
        .to_string();
    let revoked = run(vigie().args(["decisions", "--store"]).arg(&store).args(["revoke", &id]));
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    wait_for_call(&calls, "del 203.0.113.66 ", within, &dir);

    let text = std::fs::read_to_string(&calls).unwrap();
    assert!(
        !text.contains("203.0.113.7 "),
        "the protected address reached the bouncer:\n{text}"
    );
    assert!(
        !text.lines().any(|l| l.starts_with("del 198.51.100.77 ")),
        "a ban in force was deleted:\n{text}"
    );
    // Every ban names vigie's scenario.
    for line in text.lines().filter(|l| l.starts_with("add ")) {
        assert!(line.contains("vigie/"), "{line}");
    }
}
