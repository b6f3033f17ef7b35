//! `vigie synth`: regenerates the bundled captures in pcaps/.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Output directory.
    #[arg(default_value = "pcaps")]
    pub dir: PathBuf,
    /// Seed: the same seed writes byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

pub fn run(args: SynthArgs) -> anyhow::Result<ExitCode> {
    let files = vigie::synth::write_bundled_captures(&args.dir, args.seed)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.dir.display()))?;
    for f in files {
        let len = std::fs::metadata(&f).map(|m| m.len()).unwrap_or(0);
        println!("{} ({len} bytes)", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
