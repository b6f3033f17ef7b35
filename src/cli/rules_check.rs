//! `vigie rules check`: loads rule files, prints every rejection as
//! `file:line: sid N: reason`, then a summary by reason and the load time.

use super::ConfigArgs;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use vigie::config::Config;
use vigie::detect::{Engine, EngineOptions};
use vigie::rules::sources::load_rules;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Rule files (none: the configured or bundled rules).
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Exit with an error if any rule is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Print only the summary, not each diagnostic.
    #[arg(long)]
    pub summary: bool,
    /// Also list the sids of rules without a fast pattern.
    #[arg(long)]
    pub list_slow: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let cfg = Config::load(args.config.config.as_deref(), &args.config.set)?;
    let (rate_files, files): (Vec<PathBuf>, Vec<PathBuf>) = args
        .files
        .iter()
        .cloned()
        .partition(|f| f.to_string_lossy().ends_with(".rate.toml"));
    if !rate_files.is_empty() {
        // Rate rules load as a whole or not at all: the first error names file, rule and field.
        let mut cfg = cfg.clone();
        cfg.rate.enabled = true;
        let rules = vigie::rate::load_configured(&cfg, &rate_files)?;
        println!("rate rules {} loaded", rules.len());
        if files.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let args = CheckArgs { files, ..args };
    let started = Instant::now();
    let set = load_rules(&cfg, &args.files)?;
    let parsed = started.elapsed();
    if !args.summary {
        for d in &set.diagnostics {
            println!("{d}");
        }
    }
    let rejected = set.rejected();
    let by_class = set.rejected_by_class();
    let loaded = set.rules.len();
    let engine = Engine::build(set, EngineOptions::default());
    let built = started.elapsed();
    let stats = &engine.stats;
    println!("loaded     {loaded}");
    println!("rejected   {rejected}");
    for (class, n) in &by_class {
        println!("  {n:>8}  {class}");
    }
    println!("ip-only    {}", stats.ip_only);
    println!("no fast pattern  {}", stats.without_fast_pattern.len());
    if args.list_slow && !stats.without_fast_pattern.is_empty() {
        let sids: Vec<String> = stats.without_fast_pattern.iter().map(u32::to_string).collect();
        println!("  sids: {}", sids.join(" "));
    }
    println!(
        "groups     {} ({} prefilter patterns)",
        stats.groups, stats.prefilter_patterns
    );
    println!(
        "load time  {:.3} s parse, {:.3} s total",
        parsed.as_secs_f64(),
        built.as_secs_f64()
    );
    if args.strict && rejected > 0 {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
