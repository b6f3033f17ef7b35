//! The `vigie` command line: parses arguments and hands each subcommand to
//! its module under `cli/`.

// Input reaches almost every function: outside tests, a failure is handled
// or reported, never unwrapped.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod cli;

use clap::Parser;

/// Packets, flows and transactions allocate and free small buffers on
/// every worker, and alerts cross threads; glibc's malloc spent a sixth of
/// a worker's time on that (its arena locks and consolidation), mimalloc's
/// per-thread pages a fraction of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(args.verbose, args.quiet);
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vigie: {e:#}");
            std::process::ExitCode::from(1)
        }
    }
}
