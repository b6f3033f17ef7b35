//! `vigie decisions list|add|revoke`: an analyst's hand on the decisions in
//! the store, the same ones the API and the feeds serve.

use super::StoreLocation;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use std::process::ExitCode;
use vigie::store::decisions::{self, Decision, DecisionType, NewDecision};
use vigie::store::open_connection;
use vigie::timestamp::Timestamp;

#[derive(Args, Debug)]
pub struct DecisionsArgs {
    #[command(subcommand)]
    pub command: DecisionsCommand,
    #[command(flatten)]
    pub location: StoreLocation,
}

#[derive(Subcommand, Debug)]
pub enum DecisionsCommand {
    /// Decisions in force (with --all, the most recent whatever their state).
    List {
        #[arg(long)]
        all: bool,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Record a decision about an address or a CIDR range.
    Add {
        value: String,
        /// block, quarantine, step_up or monitor.
        #[arg(long = "type", default_value = "block")]
        kind: String,
        /// 30m, 4h, 7d; absent: until revoked.
        #[arg(long)]
        duration: Option<String>,
        #[arg(long)]
        reason: String,
        /// Act on an address inside a protected range.
        #[arg(long)]
        force: bool,
    },
    /// End a decision now.
    Revoke { id: i64 },
}

fn fmt_time(micros: Option<i64>) -> String {
    micros.map_or("-".to_string(), |m| Timestamp::from_micros(m).short().to_string())
}

fn print_table(list: &[Decision]) {
    println!(
        "{:>5}  {:<10} {:<39} {:<19}  {:<19}  REASON",
        "ID", "TYPE", "VALUE", "CREATED (UTC)", "EXPIRES (UTC)"
    );
    for d in list {
        let ended = if d.revoked_at.is_some() { " (revoked)" } else { "" };
        println!(
            "{:>5}  {:<10} {:<39} {:<19}  {:<19}  {}{ended}",
            d.id,
            d.kind.name(),
            d.value,
            fmt_time(Some(d.created_at)),
            fmt_time(d.expires_at),
            d.reason
        );
    }
}

pub fn run(args: DecisionsArgs) -> anyhow::Result<ExitCode> {
    let (cfg, path) = args.location.resolve()?;
    let conn = open_connection(&path)?;
    let now = Timestamp::now().as_micros();
    match args.command {
        DecisionsCommand::List { all, json } => {
            let list = if all {
                decisions::recent(&conn, 1000)?
            } else {
                decisions::active(&conn, now)?
            };
            if json {
                for d in &list {
                    println!("{}", serde_json::to_string(d)?);
                }
            } else {
                print_table(&list);
            }
        }
        DecisionsCommand::Add {
            value,
            kind,
            duration,
            reason,
            force,
        } => {
            let kind = DecisionType::parse(&kind)
                .with_context(|| format!("--type {kind}: block, quarantine, step_up or monitor"))?;
            let (scope, value) = vigie::api::decisions::scope_of(&value).map_err(|e| anyhow::anyhow!("{e}"))?;
            let protected = vigie::policy::load_configured(&cfg)?.protected;
            let first = value.split('/').next().and_then(|a| a.parse().ok());
            if let Some(range) = first.and_then(|ip| protected.iter().find(|p| p.set.contains(ip)))
                && !force
                && kind != DecisionType::Monitor
            {
                bail!(
                    "{value} is in the protected range '{}': add --force to act on it anyway",
                    range.name
                );
            }
            let expires_at = duration
                .as_deref()
                .map(vigie::duration::parse_positive)
                .transpose()
                .map_err(|e| anyhow::anyhow!("--duration: {e}"))?
                .map(|d| now + d);
            let offence = decisions::count_for(&conn, &value)?.saturating_add(1);
            let user = std::env::var("USER").unwrap_or_else(|_| "analyst".into());
            let id = decisions::insert(
                &conn,
                &NewDecision {
                    created_at: now,
                    expires_at,
                    scope: scope.to_string(),
                    value,
                    kind,
                    origin: "analyst".into(),
                    policy: None,
                    reason: format!("{reason} (by {user})"),
                    sids: Vec::new(),
                    alert_ids: Vec::new(),
                    offence,
                    sensor: cfg.sensor(),
                },
            )?;
            println!("decision {id} added");
        }
        DecisionsCommand::Revoke { id } => {
            if !decisions::revoke(&conn, id, now)? {
                bail!("decision {id} does not exist or has already ended");
            }
            println!("decision {id} revoked");
        }
    }
    Ok(ExitCode::SUCCESS)
}
