//! `vigie drill`: runs drill files, prints a pass/fail table, writes the
//! JSON result and the HTML report; exits non-zero when a drill fails.

use super::ConfigArgs;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use vigie::drill::{self, ConfigSource, DrillReport, DrillResult};

#[derive(Args, Debug)]
pub struct DrillArgs {
    /// Drill files (TOML), e.g. drills/*.toml.
    #[arg(value_name = "DRILL", required = true)]
    pub drills: Vec<PathBuf>,
    /// Folder for each drill's outputs, the JSON result and the HTML report.
    #[arg(short, long, default_value = "drill-results")]
    pub out: PathBuf,
    /// JSON result file (default: OUT/drill-results.json).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// HTML report file (default: OUT/drill-report.html).
    #[arg(long)]
    pub html: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

pub fn run(args: DrillArgs) -> anyhow::Result<ExitCode> {
    let base = ConfigSource {
        file: args.config.config.clone(),
        sets: args.config.set.clone(),
    };
    std::fs::create_dir_all(&args.out).with_context(|| args.out.display().to_string())?;
    let report = drill::run_all(&args.drills, &base, &args.out);
    print!("{}", table(&report));

    let json_path = args.json.unwrap_or_else(|| args.out.join("drill-results.json"));
    let html_path = args.html.unwrap_or_else(|| args.out.join("drill-report.html"));
    let json = serde_json::to_string_pretty(&report)?;
    std::fs::write(&json_path, json).with_context(|| json_path.display().to_string())?;
    std::fs::write(&html_path, drill::html::render(&report)).with_context(|| html_path.display().to_string())?;
    println!("result     {}", json_path.display());
    println!("report     {}", html_path.display());
    Ok(if report.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The terminal table: one line per drill, then why each failure failed.
fn table(report: &DrillReport) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<26} {:<6} {:>7} {:>10} {:>7} {:>9}",
        "DRILL", "RESULT", "EXPECT", "DETECTED", "ALERTS", "PACKETS"
    );
    for d in &report.drills {
        let ok = d.expectations.iter().filter(|e| e.passed).count();
        let _ = writeln!(
            s,
            "{:<26} {:<6} {:>7} {:>10} {:>7} {:>9}",
            d.name,
            if d.passed { "PASS" } else { "FAIL" },
            format!("{ok}/{}", d.expectations.len()),
            first_delay(d).map_or("-".to_string(), |t| format!("+{t:.2} s")),
            d.alerts,
            d.packets
        );
    }
    for d in report.drills.iter().filter(|d| !d.passed) {
        let _ = writeln!(s, "\n{} ({}):", d.name, d.file);
        for e in d.expectations.iter().filter(|e| !e.passed) {
            let _ = writeln!(s, "  {}: {}", e.label, e.reason.as_deref().unwrap_or("failed"));
        }
        for e in &d.errors {
            let _ = writeln!(s, "  {e}");
        }
    }
    let _ = writeln!(
        s,
        "\n{} drills: {} passed, {} failed",
        report.drills.len(),
        report.passed,
        report.failed
    );
    s
}

/// Detection delay of the first expectation that has one.
fn first_delay(d: &DrillResult) -> Option<f64> {
    d.expectations.iter().find_map(|e| e.delay_secs)
}
