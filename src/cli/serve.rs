//! `vigie serve`: the API over a store, with its retention, until
//! interrupted; and the start-up shared with `replay --serve`.

use super::ConfigArgs;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use vigie::api::{ApiServer, LiveCounters};
use vigie::config::Config;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The store (default: the configured one).
    #[arg(long)]
    pub store: Option<PathBuf>,
    /// Listen here instead of `api.listen`.
    #[arg(long)]
    pub listen: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Starts the API over the configured store; prints where it listens.
pub fn start(cfg: &Config, live: Arc<LiveCounters>) -> anyhow::Result<ApiServer> {
    let protected = vigie::policy::load_configured(cfg)
        .context("loading the policy (for its protected ranges)")?
        .protected;
    let store = super::store_path(cfg, None);
    let server = ApiServer::start(&cfg.api, store, cfg.sensor(), live, protected)?;
    let scheme = if server.tls { "https" } else { "http" };
    eprintln!("vigie: API on {scheme}://{}", server.addr);
    Ok(server)
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = Config::load(args.config.config.as_deref(), &args.config.set)?;
    if let Some(l) = args.listen {
        cfg.api.listen = l;
    }
    if let Some(s) = args.store {
        // The store given on the command line, wherever it is.
        cfg.outputs.store.path = std::path::absolute(&s).unwrap_or(s);
    }
    let server = start(&cfg, Arc::new(LiveCounters::default()))?;
    let retention = cfg.outputs.store.retention();
    let pruner = if retention.is_off() {
        None
    } else {
        let store = super::store_path(&cfg, None);
        Some(vigie::store::Pruner::start(
            store,
            retention,
            vigie::pipeline::PRUNE_EVERY,
        )?)
    };
    vigie::api::wait_for_signal();
    server.stop();
    if let Some(p) = pruner {
        p.finish()?;
    }
    Ok(ExitCode::SUCCESS)
}
