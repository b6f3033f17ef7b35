//! `vigie run`: capture from live interfaces through the rules until
//! interrupted, optionally serving the API, dropping privileges once the
//! capture sockets are open.

use super::ConfigArgs;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use vigie::capture::live::{Backend, LiveOptions, open_live};
use vigie::config::Config;
use vigie::pipeline::{self, LiveSources};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Interface to capture from (repeatable).
    #[arg(short = 'i', long = "interface", required = true, value_name = "IFACE")]
    pub interfaces: Vec<String>,
    /// BPF filter expression (needs the `libpcap` build feature), e.g. 'not port 22'.
    #[arg(short = 'f', long = "filter", value_name = "EXPR")]
    pub filter: Option<String>,
    /// Capture back end: auto (AF_PACKET on Linux), af-packet or libpcap.
    #[arg(long, value_name = "NAME", default_value = "auto")]
    pub backend: String,
    /// Rule file (repeatable); replaces the configured rules.
    #[arg(short = 'S', long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Rate rule file (repeatable); replaces the configured rate rules.
    #[arg(long = "rate-rules", value_name = "FILE")]
    pub rate_rules: Vec<PathBuf>,
    /// Run without rate rules.
    #[arg(long = "no-rate")]
    pub no_rate: bool,
    /// Log directory for eve.json, fast.log and the store.
    #[arg(short = 'l', long = "log-dir", value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// Worker threads (default: `workers` in vigie.toml, else one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub workers: Option<usize>,
    /// Serve the API (vigie.toml `[api]`) while capturing.
    #[arg(long)]
    pub serve: bool,
    /// After opening the capture sockets, run as this user.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// After opening the capture sockets, run as this group (default: the user's).
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// Print the summary as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

fn backend(name: &str) -> anyhow::Result<Backend> {
    Ok(match name {
        "auto" => Backend::Auto,
        "af-packet" | "af_packet" => Backend::AfPacket,
        "libpcap" | "pcap" => Backend::Libpcap,
        other => anyhow::bail!("unknown capture back end '{other}' (auto, af-packet, libpcap)"),
    })
}

/// The capture sockets: with AF_PACKET and several workers, one per worker
/// and interface, an interface's in a fanout group of its own; otherwise one
/// per interface.
fn open_sources(cfg: &Config, interfaces: &[String], options: &LiveOptions) -> anyhow::Result<LiveSources> {
    let workers = cfg.worker_count();
    let af_packet = cfg!(target_os = "linux") && matches!(options.backend, Backend::Auto | Backend::AfPacket);
    if workers < 2 || !af_packet || !cfg.capture.fanout {
        let mut sources = Vec::new();
        for iface in interfaces {
            sources.push(open_live(iface, options).with_context(|| format!("opening {iface} for capture"))?);
        }
        return Ok(LiveSources::Shared(sources));
    }
    let mut sockets: Vec<Vec<_>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, iface) in interfaces.iter().enumerate() {
        let per_socket = LiveOptions {
            fanout_group: Some(fanout_group(i)),
            // The interface's ring memory is shared out, not multiplied.
            block_count: (options.block_count / workers as u32).max(8),
            // Alerts are settled in capture order once every worker is past
            // them: a block not yet full must not hold a quiet worker back
            // long.
            block_timeout: options.block_timeout.min(std::time::Duration::from_millis(2)),
            ..options.clone()
        };
        for (w, worker_sockets) in sockets.iter_mut().enumerate() {
            let socket = open_live(iface, &per_socket)
                .with_context(|| format!("opening {iface} for capture (socket {} of {workers})", w + 1))?;
            worker_sockets.push(socket);
        }
    }
    Ok(LiveSources::PerWorker(sockets))
}

/// The fanout group id of this process's `i`-th interface. Ids are shared
/// by every process of the network namespace: the process id keeps two
/// sensors on one link from joining each other's group.
fn fanout_group(i: usize) -> u16 {
    (std::process::id() as u16).wrapping_add((i as u16).wrapping_mul(0x1000))
}

pub fn run(args: RunArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let mut cfg = Config::load(args.config.config.as_deref(), &args.config.set)?;
    if let Some(dir) = args.log_dir {
        cfg.outputs.log_dir = dir;
    }
    if let Some(n) = args.workers {
        cfg.workers = n;
    }
    if args.no_rate {
        cfg.rate.enabled = false;
    }
    let options = LiveOptions {
        backend: backend(&args.backend)?,
        bpf: args.filter.clone(),
        ..LiveOptions::default()
    };
    // Rules first: a rule set that fails to load must not leave sockets open.
    let (engine, rate_rules) = super::sensor::load_detection(&cfg, &args.rules, &args.rate_rules, quiet)?;
    let sources = open_sources(&cfg, &args.interfaces, &options)?;
    std::fs::create_dir_all(&cfg.outputs.log_dir)
        .with_context(|| format!("creating the log directory {}", cfg.outputs.log_dir.display()))?;
    if args.user.is_some() || args.group.is_some() {
        vigie::privileges::drop_to(args.user.as_deref(), args.group.as_deref())?;
    }
    if !quiet {
        eprintln!(
            "vigie: capturing on {} with {} worker(s); Ctrl-C stops",
            args.interfaces.join(", "),
            cfg.worker_count()
        );
    }
    let reload = super::sensor::reloader(&cfg, &args.rules, engine.clone());
    let (summary, server) = super::sensor::run_sensor(&cfg, args.serve, 0.0, Some(reload), None, |hooks| {
        pipeline::live(&cfg, engine, rate_rules, sources, hooks)
    })?;
    super::sensor::report(&cfg, &summary, args.json, server, false)?;
    Ok(ExitCode::SUCCESS)
}
