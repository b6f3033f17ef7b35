//! Subcommands and their shared options.

mod alerts;
mod decisions;
mod drill;
mod live;
mod replay;
mod rules_check;
mod sensor;
mod serve;
mod store;
mod synth;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use vigie::config::Config;

#[derive(Parser, Debug)]
#[command(
    name = "vigie",
    version,
    about = "Network security monitoring sensor: Suricata-syntax signatures, EVE JSON, a local alert store"
)]
pub struct Cli {
    /// More log output (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Replay capture files (pcap, pcapng, or directories of them) through the rules.
    Replay(replay::ReplayArgs),
    /// Capture from live interfaces through the rules until interrupted.
    Run(live::RunArgs),
    /// Work with rule files.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Write the bundled captures, attack scenarios and floods (deterministic from a seed).
    Synth(synth::SynthArgs),
    /// Replay attack captures and check the sensor raises the expected alerts in time.
    Drill(drill::DrillArgs),
    /// Run the API over the store until interrupted.
    Serve(serve::ServeArgs),
    /// List, add and revoke decisions (block, quarantine, step_up, monitor).
    Decisions(decisions::DecisionsArgs),
    /// Query the stored alerts (`alerts top`: the busiest signatures, sources and targets).
    Alerts(alerts::AlertsArgs),
    /// Look after the store (`store prune`: apply retention now).
    Store(store::StoreArgs),
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// Load rule files and report what loads, what does not and why.
    Check(rules_check::CheckArgs),
}

/// Options every command that loads a configuration accepts.
#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    /// Configuration file (vigie.toml); embedded defaults otherwise.
    #[arg(short = 'c', long = "config", global = true)]
    pub config: Option<PathBuf>,
    /// Override a setting: key=value (e.g. stream.midstream=true). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", global = true)]
    pub set: Vec<String>,
}

/// Where the store is, for the commands that work on one.
#[derive(Args, Debug, Clone)]
pub struct StoreLocation {
    /// The store (default: the configured one, vigie.db in the log directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// The log directory a replay wrote to (as `replay -l`); its store.
    #[arg(short = 'l', long = "log-dir", global = true, value_name = "DIR")]
    pub log_dir: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

impl StoreLocation {
    /// The configuration and the store's path.
    pub fn resolve(&self) -> anyhow::Result<(Config, PathBuf)> {
        let mut cfg = Config::load(self.config.config.as_deref(), &self.config.set)?;
        if let Some(dir) = &self.log_dir {
            cfg.outputs.log_dir = dir.clone();
        }
        let path = store_path(&cfg, self.store.clone());
        Ok((cfg, path))
    }

    /// As `resolve`, for commands that read: the store must already exist.
    pub fn existing(&self) -> anyhow::Result<(Config, PathBuf)> {
        let (cfg, path) = self.resolve()?;
        if !path.is_file() {
            anyhow::bail!(
                "no store at {}: replay a capture first, or name the store with --store PATH or -l DIR",
                path.display()
            );
        }
        Ok((cfg, path))
    }
}

/// The configured store's path, unless one is named.
pub fn store_path(cfg: &Config, explicit: Option<PathBuf>) -> PathBuf {
    explicit.unwrap_or_else(|| cfg.in_log_dir(&cfg.outputs.store.path))
}

pub fn init_logging(verbose: u8, quiet: bool) {
    let default = if quiet {
        "error"
    } else {
        match verbose {
            0 => "warn",
            1 => "info",
            _ => "debug",
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("VIGIE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Replay(a) => replay::run(a, cli.quiet),
        Command::Run(a) => live::run(a, cli.quiet),
        Command::Rules {
            command: RulesCommand::Check(a),
        } => rules_check::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Drill(a) => drill::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Decisions(a) => decisions::run(a),
        Command::Alerts(a) => alerts::run(a),
        Command::Store(a) => store::run(a),
    }
}
