//! `vigie replay`: capture files through the rules into EVE, fast.log and
//! the store, with a progress bar and a closing summary.

use super::ConfigArgs;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use vigie::capture::expand_inputs;
use vigie::config::Config;
use vigie::decode::ChecksumMode;
use vigie::pipeline;

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// Capture files or directories.
    #[arg(required = true, value_name = "PCAP")]
    pub inputs: Vec<PathBuf>,
    /// Rule file (repeatable); replaces the configured rules. Default: the bundled rules.
    #[arg(short = 'S', long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Log directory for eve.json, fast.log and the store.
    #[arg(short = 'l', long = "log-dir", value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    /// Checksum validation: none, all or auto.
    #[arg(short = 'k', value_name = "MODE")]
    pub checksum: Option<ChecksumMode>,
    /// Rate rule file (repeatable); replaces the configured rate rules.
    #[arg(long = "rate-rules", value_name = "FILE")]
    pub rate_rules: Vec<PathBuf>,
    /// Run without rate rules.
    #[arg(long = "no-rate")]
    pub no_rate: bool,
    /// Print the summary as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Serve the API (vigie.toml `[api]`) during the replay and afterwards,
    /// until interrupted: decisions reach bouncers as they are made.
    #[arg(long)]
    pub serve: bool,
    /// Accepted for Suricata command lines: vigie is passive, and `drop`
    /// and `reject` rules alert as they would in IDS mode.
    #[arg(long, hide = true)]
    pub simulate_ips: bool,
    /// Replay at capture speed (1), N times faster (N), or as fast as
    /// possible (0, the default).
    #[arg(long, value_name = "N", default_value_t = 0.0)]
    pub speed: f64,
    /// Worker threads (default: `workers` in vigie.toml, else one per
    /// core). The alerts are the same whatever the number.
    #[arg(short = 'j', long, value_name = "N")]
    pub workers: Option<usize>,
    /// Accepted for Suricata command lines (`single` means one worker).
    #[arg(long, hide = true, value_name = "MODE")]
    pub runmode: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run(args: ReplayArgs, quiet: bool) -> anyhow::Result<ExitCode> {
    let mut cfg = Config::load(args.config.config.as_deref(), &args.config.set)?;
    if let Some(dir) = args.log_dir {
        cfg.outputs.log_dir = dir;
    }
    if let Some(n) = args.workers {
        cfg.workers = n;
    } else if args.runmode.as_deref() == Some("single") {
        cfg.workers = 1;
    } else if cfg.workers == 0 && args.inputs.iter().any(|p| p.as_os_str() == "-") {
        // A pipe delivers packets as they happen: inspected inline, each
        // alert leaves as soon as its packet is read, instead of waiting
        // for a round of packets to fill.
        cfg.workers = 1;
    }
    if let Some(k) = args.checksum {
        cfg.capture.checksum = k;
    }
    let inputs = expand_inputs(&args.inputs)?;
    if inputs.is_empty() {
        anyhow::bail!("no capture files found in {:?}", args.inputs);
    }
    if args.no_rate {
        cfg.rate.enabled = false;
    }
    let (engine, rate_rules) = super::sensor::load_detection(&cfg, &args.rules, &args.rate_rules, quiet)?;

    let total: u64 = inputs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {wide_bar} {msg} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut progress = |bytes: u64, packets: u64| {
        if let Some(b) = &bar {
            b.set_position(bytes);
            b.set_message(format!("{packets} packets"));
        }
    };
    let reload = super::sensor::reloader(&cfg, &args.rules, engine.clone());
    let (summary, server) = super::sensor::run_sensor(
        &cfg,
        args.serve,
        args.speed,
        Some(reload),
        Some(&mut progress),
        |hooks| pipeline::replay(&cfg, engine, rate_rules, &inputs, hooks),
    )?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    super::sensor::report(&cfg, &summary, args.json, server, true)?;
    if !summary.failed_files.is_empty() {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
