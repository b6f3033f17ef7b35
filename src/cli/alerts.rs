//! `vigie alerts`: the stored alerts, filtered, as a table, JSON lines or
//! the EVE records, optionally followed as they arrive; `vigie alerts top`:
//! the busiest signatures, sources and targets of a period.

use super::StoreLocation;
use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;
use vigie::store::{AlertFilter, Page, StoredAlert, TopView, open_connection, query, top};
use vigie::timestamp::Timestamp;

/// How often `--follow` asks the store for new alerts.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);
/// Alerts read at a time when there is no limit or when following.
const PAGE: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns: time, sid, severity, message, flow, protocol.
    Table,
    /// One JSON object per line with the stored fields.
    Json,
    /// The stored EVE records, one per line, as eve.json has them.
    Eve,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub command: Option<AlertsCommand>,
    #[command(flatten)]
    pub list: ListArgs,
    #[command(flatten)]
    pub location: StoreLocation,
}

#[derive(Subcommand, Debug)]
pub enum AlertsCommand {
    /// The busiest signatures, sources and targets of a period (whole hours).
    Top(TopArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Alerts from this time: a span back from now (30m, 1h, 7d) or an RFC 3339 time.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Alerts before this time (same forms as --since).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    #[arg(long)]
    pub sid: Option<u32>,
    /// Source address.
    #[arg(long, value_name = "IP")]
    pub src: Option<IpAddr>,
    /// Destination address.
    #[arg(long, value_name = "IP")]
    pub dst: Option<IpAddr>,
    /// Severity at most this (1 is the most severe).
    #[arg(long, value_name = "N")]
    pub severity: Option<u8>,
    /// Only this sensor's alerts.
    #[arg(long, value_name = "NAME")]
    pub sensor: Option<String>,
    /// The newest N alerts that match (0: all of them).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Then print new alerts as they are stored (every 250 ms), until interrupted.
    #[arg(long, short = 'f')]
    pub follow: bool,
}

#[derive(Args, Debug)]
pub struct TopArgs {
    /// Start of the period: a span back from now (1d, 6h) or an RFC 3339 time.
    #[arg(long, value_name = "WHEN", default_value = "1d")]
    pub since: String,
    /// End of the period (default: now).
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// How many of each.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
    /// table or json.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

fn point(flag: &str, text: &str, now: Timestamp) -> anyhow::Result<i64> {
    Timestamp::parse_point(text, now)
        .map(|t| t.as_micros())
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("--{flag}"))
}

pub fn run(args: AlertsArgs) -> anyhow::Result<ExitCode> {
    let (_, path) = args.location.existing()?;
    let conn = open_connection(&path)?;
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    let result = match args.command {
        Some(AlertsCommand::Top(t)) => run_top(&conn, t, out),
        None => run_list(&conn, args.list, out),
    };
    match result {
        // A reader that went away (`| head`) is not an error.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

fn run_list(conn: &rusqlite::Connection, a: ListArgs, mut out: impl Write) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let filter = AlertFilter {
        since: a.since.as_deref().map(|t| point("since", t, now)).transpose()?,
        until: a.until.as_deref().map(|t| point("until", t, now)).transpose()?,
        sid: a.sid,
        src: a.src,
        dst: a.dst,
        severity: a.severity,
        sensor: a.sensor,
    };
    if a.follow && filter.until.is_some() {
        bail!("--follow prints what arrives from now on: it cannot stop at --until");
    }
    // Everything up to the newest id now; following starts after it.
    let newest: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM alerts", [], |r| r.get(0))?;
    let mut printer = Printer::new(a.format);
    if a.limit == 0 {
        let mut after = 0;
        loop {
            let mut rows = query::alerts(conn, &filter, Page::After(after), PAGE)?;
            rows.retain(|r| r.id <= newest);
            let Some(last) = rows.last() else { break };
            after = last.id;
            printer.print(&mut out, &rows)?;
        }
    } else {
        let rows = query::alerts(conn, &filter, Page::Before(newest.saturating_add(1)), a.limit)?;
        printer.print(&mut out, &rows)?;
    }
    out.flush()?;
    if !a.follow {
        return Ok(());
    }
    let mut after = newest;
    loop {
        let rows = query::alerts(conn, &filter, Page::After(after), PAGE)?;
        match rows.last() {
            Some(last) => {
                after = last.id;
                printer.print(&mut out, &rows)?;
                out.flush()?;
            }
            None => std::thread::sleep(FOLLOW_EVERY),
        }
    }
}

/// Writes alerts in one format; the table keeps the column widths of its
/// first rows so followed rows line up under them.
struct Printer {
    format: Format,
    widths: Option<(usize, usize, usize)>,
}

const MAX_MSG: usize = 60;

fn endpoint(ip: &str, port: Option<u16>) -> String {
    match port {
        Some(p) if ip.contains(':') => format!("[{ip}]:{p}"),
        Some(p) => format!("{ip}:{p}"),
        None => ip.to_string(),
    }
}

fn flow_text(a: &StoredAlert) -> String {
    format!(
        "{} → {}",
        endpoint(&a.row.src_ip, a.row.src_port),
        endpoint(&a.row.dest_ip, a.row.dest_port)
    )
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

impl Printer {
    fn new(format: Format) -> Printer {
        Printer { format, widths: None }
    }

    fn print(&mut self, out: &mut impl Write, rows: &[StoredAlert]) -> std::io::Result<()> {
        match self.format {
            Format::Eve => {
                for a in rows {
                    writeln!(out, "{}", a.row.eve)?;
                }
            }
            Format::Json => {
                for a in rows {
                    writeln!(out, "{}", serde_json::to_string(a).map_err(std::io::Error::other)?)?;
                }
            }
            Format::Table => self.table(out, rows)?,
        }
        Ok(())
    }

    fn table(&mut self, out: &mut impl Write, rows: &[StoredAlert]) -> std::io::Result<()> {
        let (sid_w, msg_w, flow_w) = match self.widths {
            Some(w) => w,
            None => {
                let sid_w = rows
                    .iter()
                    .map(|a| a.row.sid.to_string().len())
                    .max()
                    .unwrap_or(0)
                    .max(3);
                let msg_w = rows
                    .iter()
                    .map(|a| a.row.signature.chars().count())
                    .max()
                    .unwrap_or(40)
                    .clamp(7, MAX_MSG);
                let flow_w = rows
                    .iter()
                    .map(|a| flow_text(a).chars().count())
                    .max()
                    .unwrap_or(40)
                    .max(15);
                writeln!(
                    out,
                    "{:<19}  {:>sid_w$}  SEV  {:<msg_w$}  {:<flow_w$}  PROTO",
                    "TIME (UTC)", "SID", "MESSAGE", "SOURCE → TARGET"
                )?;
                self.widths = Some((sid_w, msg_w, flow_w));
                (sid_w, msg_w, flow_w)
            }
        };
        for a in rows {
            writeln!(
                out,
                "{:<19}  {:>sid_w$}  {:>3}  {:<msg_w$}  {:<flow_w$}  {}",
                Timestamp::from_micros(a.row.ts_micros).short(),
                a.row.sid,
                a.row.severity,
                clip(&a.row.signature, msg_w),
                flow_text(a),
                a.row.proto
            )?;
        }
        Ok(())
    }
}

fn run_top(conn: &rusqlite::Connection, t: TopArgs, mut out: impl Write) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let since = point("since", &t.since, now)?;
    let until = match &t.until {
        Some(u) => point("until", u, now)?,
        None => now.as_micros().saturating_add(1),
    };
    if until <= since {
        bail!("--until must come after --since");
    }
    let view = top::top(conn, since, until, t.limit.max(1))?;
    match t.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string(&top_json(&view))?)?,
        Format::Table => write_top(&mut out, &view)?,
        Format::Eve => bail!("alerts top: --format table or json"),
    }
    out.flush()?;
    Ok(())
}

/// The top view as JSON: the period in EVE's time form, then the lists.
#[derive(serde::Serialize)]
struct TopJson<'a> {
    from: String,
    to: String,
    signatures: &'a [vigie::store::top::TopSignature],
    sources: &'a [vigie::store::top::TopAddress],
    targets: &'a [vigie::store::top::TopAddress],
}

fn top_json(v: &TopView) -> TopJson<'_> {
    TopJson {
        from: Timestamp::from_micros(v.from).eve().to_string(),
        to: Timestamp::from_micros(v.to).eve().to_string(),
        signatures: &v.signatures,
        sources: &v.sources,
        targets: &v.targets,
    }
}

fn write_top(out: &mut impl Write, v: &TopView) -> std::io::Result<()> {
    writeln!(
        out,
        "Alerts from {} to {} (UTC)",
        Timestamp::from_micros(v.from).short(),
        Timestamp::from_micros(v.to).short()
    )?;
    writeln!(out, "\nBusiest signatures\n{:>10}  {:>10}  MESSAGE", "ALERTS", "SID")?;
    for s in &v.signatures {
        writeln!(out, "{:>10}  {:>10}  {}", s.count, s.sid, s.msg)?;
    }
    for (title, list) in [("sources", &v.sources), ("targets", &v.targets)] {
        writeln!(out, "\nBusiest {title}\n{:>10}  ADDRESS", "ALERTS")?;
        for a in list {
            writeln!(out, "{:>10}  {}", a.count, a.ip)?;
        }
    }
    Ok(())
}
