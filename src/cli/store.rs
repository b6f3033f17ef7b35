//! `vigie store prune`: the store's retention applied now, with the
//! configured limits or those given, saying what it removed.

use super::StoreLocation;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use std::process::ExitCode;
use vigie::duration::Span;
use vigie::store::{Retention, open_connection, retention};
use vigie::timestamp::Timestamp;

#[derive(Args, Debug)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
    #[command(flatten)]
    pub location: StoreLocation,
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Delete alerts older than the maximum age or beyond the maximum count
    /// (default: `outputs.store.max_age` and `max_rows`), and ended decisions
    /// older than the maximum age.
    Prune {
        /// 30d, 12h, ...: alerts whose time is older go.
        #[arg(long, value_name = "AGE")]
        max_age: Option<String>,
        /// Keep at most this many alerts, the newest.
        #[arg(long, value_name = "N")]
        max_rows: Option<u64>,
    },
}

pub fn run(args: StoreArgs) -> anyhow::Result<ExitCode> {
    let (cfg, path) = args.location.existing()?;
    match args.command {
        StoreCommand::Prune { max_age, max_rows } => {
            let mut keep = cfg.outputs.store.retention();
            if let Some(age) = max_age {
                keep.max_age = Span::parse(&age)
                    .map_err(anyhow::Error::msg)
                    .context("--max-age")?
                    .micros;
            }
            if let Some(rows) = max_rows {
                keep.max_rows = rows;
            }
            if keep.is_off() {
                bail!(
                    "nothing to prune by: set outputs.store.max_age or max_rows in the configuration, \
                     or pass --max-age or --max-rows"
                );
            }
            let mut conn = open_connection(&path)?;
            let done = retention::prune(&mut conn, keep, Timestamp::now().as_micros(), Default::default())
                .with_context(|| format!("pruning {}", path.display()))?;
            println!("{}", report(&done, keep, &path.display().to_string()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn report(done: &vigie::store::Pruned, keep: Retention, path: &str) -> String {
    let mut why = Vec::new();
    if keep.max_age > 0 {
        why.push(format!(
            "{} older than {}",
            done.alerts_by_age,
            vigie::duration::format_micros(keep.max_age)
        ));
    }
    if keep.max_rows > 0 {
        why.push(format!("{} beyond {} rows", done.alerts_by_rows, keep.max_rows));
    }
    format!(
        "pruned {} alerts ({}) and {} ended decisions from {path}",
        done.alerts(),
        why.join(", "),
        done.decisions
    )
}
