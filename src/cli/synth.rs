//! `vigie synth`: regenerates the bundled captures in pcaps/, and writes
//! attack scenarios, long benign backgrounds and streaming floods on demand.

use anyhow::{Context, bail};
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use vigie::synth::{self, ScenarioOptions};

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Output directory of the bundled captures (pcaps/ and pcaps/attacks/).
    #[arg(default_value = "pcaps")]
    pub dir: PathBuf,
    /// Seed: the same seed writes byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// List the attack scenarios and exit.
    #[arg(long)]
    pub list: bool,
    /// Write one attack scenario (see --list) over benign background to --output.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["benign_secs", "syn_flood_sources"])]
    pub scenario: Option<String>,
    /// Write this many seconds of benign venue background alone to --output.
    #[arg(long, value_name = "SECS", conflicts_with = "syn_flood_sources")]
    pub benign_secs: Option<u64>,
    /// Stream a SYN flood from this many distinct spoofed sources to --output
    /// (`-` for standard output); frames are made one at a time, so any size fits.
    #[arg(long, value_name = "SOURCES")]
    pub syn_flood_sources: Option<u64>,
    /// SYNs per second of --syn-flood-sources.
    #[arg(long, default_value_t = 100_000)]
    pub syn_rate: u64,
    /// Victim of --syn-flood-sources.
    #[arg(long, default_value = "10.10.0.81:443")]
    pub syn_victim: SocketAddr,
    /// Output file of --scenario, --benign-secs and --syn-flood-sources.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Scenario: seconds of background.
    #[arg(long)]
    pub background_secs: Option<u64>,
    /// Scenario: when the attack starts, in seconds from the capture start.
    #[arg(long)]
    pub attack_offset_secs: Option<u64>,
    /// Scenario: how long the attack lasts, in seconds.
    #[arg(long)]
    pub attack_secs: Option<u64>,
    /// Scenario: multiplies the attack's rates.
    #[arg(long)]
    pub rate_scale: Option<f64>,
    /// Scenario and background: benign flows per second.
    #[arg(long)]
    pub flows_per_sec: Option<f64>,
}

pub fn run(args: SynthArgs) -> anyhow::Result<ExitCode> {
    if args.list {
        for s in synth::scenarios() {
            println!("{:<22} {} -> {}  {}", s.name, s.attacker, s.victim, s.description);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let output = || args.output.clone().context("--output FILE is needed");
    if let Some(name) = &args.scenario {
        let opts = scenario_options(&args, ScenarioOptions::default());
        let Some(scenario) = synth::build_scenario(name, args.seed, &opts) else {
            bail!("unknown scenario {name:?}: `vigie synth --list` names them");
        };
        let path = output()?;
        synth::write_scenario(&path, &scenario).with_context(|| path.display().to_string())?;
        report(&path, scenario.frames.len() as u64);
    } else if let Some(secs) = args.benign_secs {
        let flows = args.flows_per_sec.unwrap_or(synth::bundle::FLOWS_PER_SEC);
        let frames = synth::venue::venue_traffic(args.seed, synth::bundle::START, secs, flows);
        let path = output()?;
        let n = synth::write_ethernet_pcap(&path, &frames).with_context(|| path.display().to_string())?;
        report(&path, n);
    } else if let Some(sources) = args.syn_flood_sources {
        let path = output()?;
        let frames = synth::syn_flood_stream(args.seed, synth::bundle::START, sources, args.syn_rate, args.syn_victim);
        let n = if path.as_os_str() == "-" {
            synth::write_ethernet_pcap_to(std::io::stdout().lock(), frames)
        } else {
            let file = std::fs::File::create(&path).with_context(|| path.display().to_string())?;
            synth::write_ethernet_pcap_to(file, frames)
        }
        .with_context(|| path.display().to_string())?;
        if path.as_os_str() != "-" {
            report(&path, n);
        }
    } else {
        let mut files =
            synth::write_bundled_captures(&args.dir, args.seed).with_context(|| format!("{}", args.dir.display()))?;
        let attacks = args.dir.join("attacks");
        let opts = |name: &str| scenario_options(&args, synth::bundle::bundled_scenario_options(name));
        files.extend(
            synth::bundle::write_scenario_captures(&attacks, args.seed, opts)
                .with_context(|| attacks.display().to_string())?,
        );
        for f in files {
            let len = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
            println!("{} ({len} bytes)", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn scenario_options(args: &SynthArgs, base: ScenarioOptions) -> ScenarioOptions {
    ScenarioOptions {
        background_secs: args.background_secs.unwrap_or(base.background_secs),
        attack_offset_secs: args.attack_offset_secs.unwrap_or(base.attack_offset_secs),
        attack_secs: args.attack_secs.unwrap_or(base.attack_secs),
        rate_scale: args.rate_scale.unwrap_or(base.rate_scale),
        flows_per_sec: args.flows_per_sec.unwrap_or(base.flows_per_sec),
    }
}

fn report(path: &Path, frames: u64) {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!("{} ({frames} packets, {len} bytes)", path.display());
}
