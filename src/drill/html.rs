//! The HTML report of a `vigie drill` run: one self-contained page (inline CSS, SVG and script)
//! with the verdict, a summary, and per drill the attack, a traffic timeline and every check.

use std::collections::HashSet;
use std::fmt::Write;

use super::result::{DrillReport, DrillResult, ExpectationResult, OtherAlerts, Talker, Timeline, TimelineAlert};

/// At most this many bar columns per timeline; adjacent bins beyond it are merged.
const MAX_COLUMNS: usize = 600;

// Timeline geometry, in viewBox units.
const VIEW_W: f64 = 900.0;
const VIEW_H: f64 = 220.0;
const PLOT_LEFT: f64 = 92.0;
const PLOT_RIGHT: f64 = 876.0;
const PLOT_TOP: f64 = 46.0;
const PLOT_BOTTOM: f64 = 190.0;
const LANE_Y: f64 = 22.0;

/// Renders the whole run as an HTML5 document.
pub fn render(report: &DrillReport) -> String {
    let mut out = String::with_capacity(32 * 1024);
    let anchors = drill_anchors(&report.drills);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>vigie drill report</title>\n");
    out.push_str(STYLE);
    out.push_str("</head>\n<body>\n<main>\n");
    write_header(&mut out, report);
    write_summary(&mut out, report, &anchors);
    for (drill, anchor) in report.drills.iter().zip(&anchors) {
        write_drill(&mut out, drill, anchor);
    }
    out.push_str("</main>\n");
    out.push_str(SCRIPT);
    out.push_str("</body>\n</html>\n");
    out
}

// ---------------------------------------------------------------------------------------------
// Header and summary

fn write_header(out: &mut String, report: &DrillReport) {
    let failing_drills = report.drills.iter().filter(|d| !d.passed).count();
    let failed = report.failed.max(failing_drills);
    let total = report.drills.len().max(report.passed.saturating_add(report.failed));
    let (class, word, detail) = if failed > 0 {
        (
            "fail",
            "FAIL",
            format!("{} of {} failed", fmt_count(failed as u64), plural(total, "drill")),
        )
    } else if total == 0 {
        ("empty", "NO DRILLS", "no drill was run".to_string())
    } else {
        ("pass", "PASS", format!("all {} passed", plural(total, "drill")))
    };
    let packets = report.drills.iter().fold(0u64, |sum, d| sum.saturating_add(d.packets));
    let alerts = report.drills.iter().fold(0u64, |sum, d| sum.saturating_add(d.alerts));
    out.push_str("<header class=\"report-head\">\n<h1>vigie drill report</h1>\n");
    let generated = escape(&report.generated);
    let _ = writeln!(
        out,
        "<p class=\"muted\">Generated <time datetime=\"{generated}\">{generated}</time></p>"
    );
    let _ = writeln!(
        out,
        "<div class=\"banner {class}\" role=\"status\"><strong>{word}</strong> {detail}</div>"
    );
    let _ = writeln!(
        out,
        "<p class=\"counts\"><b>{}</b> · <b>{}</b> passed · <b>{}</b> failed · {} · {}</p>",
        plural(total, "drill"),
        fmt_count(report.passed as u64),
        fmt_count(failed as u64),
        plural_u64(packets, "packet"),
        plural_u64(alerts, "alert"),
    );
    out.push_str("</header>\n");
}

fn write_summary(out: &mut String, report: &DrillReport, anchors: &[String]) {
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n<thead><tr>");
    out.push_str("<th>Drill</th><th>Result</th><th class=\"num\">Expectations</th>");
    out.push_str("<th class=\"num\">Detection</th><th class=\"num\">Alerts</th><th class=\"num\">Packets</th>");
    out.push_str("</tr></thead>\n<tbody>\n");
    if report.drills.is_empty() {
        out.push_str("<tr><td colspan=\"6\" class=\"muted\">No drills were run.</td></tr>\n");
    }
    for (drill, anchor) in report.drills.iter().zip(anchors) {
        write_summary_row(out, drill, anchor);
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn write_summary_row(out: &mut String, drill: &DrillResult, anchor: &str) {
    let met = drill.expectations.iter().filter(|e| e.passed).count();
    let delay = drill
        .expectations
        .iter()
        .find_map(|e| finite_opt(e.delay_secs))
        .map_or_else(|| "—".to_string(), fmt_secs);
    let _ = writeln!(
        out,
        "<tr class=\"{}\"><td><a href=\"#{anchor}\">{}</a></td><td>{}</td><td class=\"num\">{} / {}</td>\
         <td class=\"num\">{delay}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
        result_class(drill.passed),
        escape(&drill.name),
        badge(drill.passed),
        fmt_count(met as u64),
        fmt_count(drill.expectations.len() as u64),
        fmt_count(drill.alerts),
        fmt_count(drill.packets),
    );
}

// ---------------------------------------------------------------------------------------------
// One drill

fn write_drill(out: &mut String, drill: &DrillResult, anchor: &str) {
    let frame = Frame::of(drill);
    let _ = writeln!(
        out,
        "<section class=\"drill\" id=\"{anchor}\" data-result=\"{}\">",
        result_class(drill.passed)
    );
    let _ = writeln!(
        out,
        "<div class=\"drill-head\"><h2>{}</h2>{}<a class=\"top\" href=\"#summary\">↑ summary</a></div>",
        escape(&drill.name),
        badge(drill.passed)
    );
    if let Some(description) = drill.description.as_deref().filter(|d| !d.trim().is_empty()) {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", escape(description));
    }
    write_errors(out, &drill.errors);
    write_facts(out, drill, &frame);
    write_timeline(out, drill, &frame);
    write_expectations(out, &drill.expectations);
    write_other_alerts(out, &drill.other_alerts, drill.max_other_alerts);
    write_talkers(out, &drill.top_talkers);
    out.push_str("</section>\n");
}

fn write_errors(out: &mut String, errors: &[String]) {
    if errors.is_empty() {
        return;
    }
    out.push_str("<div class=\"errors\" role=\"alert\">\n<h3>Errors (the drill fails on these)</h3>\n<ul>\n");
    for error in errors {
        let _ = writeln!(out, "<li>{}</li>", escape(error));
    }
    out.push_str("</ul>\n</div>\n");
}

fn write_facts(out: &mut String, drill: &DrillResult, frame: &Frame) {
    out.push_str("<dl class=\"facts\">\n");
    let _ = writeln!(out, "<dt>Drill file</dt><dd><code>{}</code></dd>", escape(&drill.file));
    let captures = if drill.captures.is_empty() {
        "<span class=\"muted\">none</span>".to_string()
    } else {
        let items: Vec<String> = drill
            .captures
            .iter()
            .map(|c| format!("<code>{}</code>", escape(c)))
            .collect();
        items.join("<br>")
    };
    let _ = writeln!(out, "<dt>Captures</dt><dd>{captures}</dd>");
    let _ = writeln!(
        out,
        "<dt>Attack</dt><dd><code>{}</code> → <code>{}</code></dd>",
        or_dash(&drill.attack.attacker),
        or_dash(&drill.attack.victim)
    );
    let _ = writeln!(out, "<dt>Attack start</dt><dd>{}</dd>", attack_start_text(drill, frame));
    if let Some(window) = capture_window_text(drill) {
        let _ = writeln!(out, "<dt>Capture</dt><dd>{window}</dd>");
    }
    let _ = writeln!(
        out,
        "<dt>Traffic</dt><dd>{}, {}, {}; replayed in {}</dd>",
        plural_u64(drill.packets, "packet"),
        fmt_bytes(drill.bytes),
        plural_u64(drill.alerts, "alert"),
        fmt_secs(drill.elapsed_secs)
    );
    out.push_str("</dl>\n");
}

fn attack_start_text(drill: &DrillResult, frame: &Frame) -> String {
    let rule = drill.attack.start_rule.trim();
    let how = if rule.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"muted\">· found by: {}</span>", escape(rule))
    };
    match finite_opt(drill.attack.start) {
        Some(start) => {
            let utc = fmt_utc(start)
                .map(|u| format!(" <span class=\"muted\">({u})</span>"))
                .unwrap_or_default();
            format!("{}{utc}{how}", fmt_rel(start - frame.origin))
        }
        None => format!("not found{how}"),
    }
}

fn capture_window_text(drill: &DrillResult) -> Option<String> {
    let start = finite_opt(drill.attack.capture_start)?;
    let from = fmt_utc(start).unwrap_or_else(|| fmt_secs(start));
    match finite_opt(drill.attack.capture_end) {
        Some(end) => {
            let to = fmt_utc(end).unwrap_or_else(|| fmt_secs(end));
            Some(format!("{from} → {to} ({})", fmt_secs(end - start)))
        }
        None => Some(format!("from {from}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Timeline

/// The time axis of one drill: seconds relative to `origin`, drawn over `[0, span]`.
struct Frame {
    origin: f64,
    span: f64,
    bin: f64,
}

impl Frame {
    fn of(drill: &DrillResult) -> Frame {
        let timeline = &drill.timeline;
        let bins = timeline.packets.len();
        // Absurd bin widths would make rates or coordinates overflow; one second is a safe stand-in.
        let bin = if (1e-9..=1e9).contains(&timeline.bin_secs) {
            timeline.bin_secs
        } else {
            1.0
        };
        let origin = finite_opt(Some(timeline.start))
            .filter(|_| bins > 0)
            .or_else(|| first_finite(&[drill.attack.capture_start, timeline.alerts.first().map(|a| a.t)]))
            .or_else(|| first_finite(&[drill.attack.start, Some(timeline.start)]))
            .unwrap_or(0.0);
        let span = if bins > 0 {
            bin * bins as f64
        } else {
            latest_event(drill)
                .map(|t| t - origin)
                .filter(|s| s.is_finite() && *s > 0.0)
                .unwrap_or(1.0)
        };
        Frame { origin, span, bin }
    }

    /// Horizontal position of a time (seconds since the epoch), clamped to the plot.
    fn x_at(&self, epoch: f64) -> f64 {
        self.x_rel(epoch - self.origin)
    }

    fn x_rel(&self, rel: f64) -> f64 {
        let fraction = rel / self.span;
        let fraction = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        PLOT_LEFT + fraction * (PLOT_RIGHT - PLOT_LEFT)
    }
}

fn latest_event(drill: &DrillResult) -> Option<f64> {
    let alerts = drill.timeline.alerts.iter().map(|a| a.t);
    let firsts = drill.expectations.iter().filter_map(|e| e.first_alert);
    [drill.attack.capture_end, drill.attack.start]
        .into_iter()
        .flatten()
        .chain(alerts)
        .chain(firsts)
        .filter(|t| t.is_finite())
        .reduce(f64::max)
}

/// One drawn bar: a bin, or several adjacent bins merged.
struct Column {
    /// Seconds from the frame origin.
    start: f64,
    secs: f64,
    packets: u64,
    attack: u64,
}

impl Column {
    fn rate(&self, packets: u64) -> f64 {
        packets as f64 / self.secs
    }
}

fn columns(timeline: &Timeline, bin: f64) -> Vec<Column> {
    let bins = timeline.packets.len();
    let group = bins.div_ceil(MAX_COLUMNS).max(1);
    timeline
        .packets
        .chunks(group)
        .enumerate()
        .map(|(index, chunk)| {
            let first = index * group;
            let attack = timeline.attack_packets.iter().skip(first).take(chunk.len());
            Column {
                start: first as f64 * bin,
                secs: chunk.len() as f64 * bin,
                packets: saturating_sum(chunk.iter()),
                attack: saturating_sum(attack),
            }
        })
        .collect()
}

fn saturating_sum<'a>(values: impl Iterator<Item = &'a u64>) -> u64 {
    values.fold(0, |sum, v| sum.saturating_add(*v))
}

/// The first expected detection: the smallest delay, and where it happened.
fn first_detection(drill: &DrillResult) -> Option<(f64, f64)> {
    drill
        .expectations
        .iter()
        .filter_map(|e| {
            let delay = finite_opt(e.delay_secs)?;
            let at = finite_opt(e.first_alert).or_else(|| finite_opt(drill.attack.start).map(|s| s + delay))?;
            Some((delay, at))
        })
        .reduce(|best, next| if next.0 < best.0 { next } else { best })
}

fn write_timeline(out: &mut String, drill: &DrillResult, frame: &Frame) {
    let cols = columns(&drill.timeline, frame.bin);
    let max_rate = cols.iter().map(|c| c.rate(c.packets.max(c.attack))).fold(0.0, f64::max);
    let has_traffic = max_rate > 0.0 && cols.iter().any(|c| c.packets > 0);
    let detection = first_detection(drill);
    out.push_str("<h3>Timeline</h3>\n<figure class=\"timeline-figure\">\n");
    let _ = writeln!(
        out,
        "<svg class=\"timeline\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {VIEW_W} {VIEW_H}\" width=\"100%\" \
         preserveAspectRatio=\"xMidYMid meet\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(&timeline_summary(drill, frame, detection))
    );
    write_frame(out, frame, has_traffic.then_some(max_rate));
    if has_traffic {
        write_bars(out, &cols, frame, max_rate);
    } else {
        let _ = writeln!(
            out,
            "<text class=\"no-traffic\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no traffic</text>",
            (PLOT_LEFT + PLOT_RIGHT) / 2.0,
            (PLOT_TOP + PLOT_BOTTOM) / 2.0
        );
    }
    if let Some(start) = finite_opt(drill.attack.start) {
        write_marker_line(out, "attack-start", frame.x_at(start), PLOT_TOP + 11.0, "attack start");
    }
    if let Some((delay, at)) = detection {
        let label = format!("detected {}", fmt_signed_secs(delay));
        write_marker_line(out, "detection", frame.x_at(at), PLOT_TOP + 26.0, &label);
    }
    write_alert_markers(out, &drill.timeline.alerts, frame);
    out.push_str("</svg>\n");
    out.push_str(LEGEND);
    write_timeline_notes(out, drill, frame, cols.len());
    out.push_str("</figure>\n");
}

fn timeline_summary(drill: &DrillResult, frame: &Frame, detection: Option<(f64, f64)>) -> String {
    let mut text = format!(
        "Traffic timeline of {}: {} over {}, {}",
        drill.name,
        plural_u64(drill.packets, "packet"),
        fmt_secs(frame.span),
        plural_u64(drill.alerts, "alert")
    );
    if let Some(start) = finite_opt(drill.attack.start) {
        let _ = write!(text, "; attack starts at {}", fmt_rel(start - frame.origin));
    }
    if let Some((delay, _)) = detection {
        let _ = write!(text, "; first expected detection {} after it", fmt_secs(delay));
    }
    text
}

/// Alert lane, axes, tick labels and the y scale.
fn write_frame(out: &mut String, frame: &Frame, max_rate: Option<f64>) {
    let _ = writeln!(
        out,
        "<rect class=\"lane\" x=\"{PLOT_LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"20\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">alerts</text>",
        LANE_Y - 10.0,
        PLOT_RIGHT - PLOT_LEFT,
        PLOT_LEFT - 8.0,
        LANE_Y + 4.0
    );
    let _ = writeln!(
        out,
        "<line class=\"grid\" x1=\"{PLOT_LEFT}\" y1=\"{PLOT_TOP}\" x2=\"{PLOT_RIGHT}\" y2=\"{PLOT_TOP}\"/>\
         <line class=\"axis\" x1=\"{PLOT_LEFT}\" y1=\"{PLOT_TOP}\" x2=\"{PLOT_LEFT}\" y2=\"{PLOT_BOTTOM}\"/>\
         <line class=\"axis\" x1=\"{PLOT_LEFT}\" y1=\"{PLOT_BOTTOM}\" x2=\"{PLOT_RIGHT}\" y2=\"{PLOT_BOTTOM}\"/>"
    );
    let top_label = max_rate.map_or_else(|| "0 pkt/s".to_string(), |r| format!("{} pkt/s", fmt_rate(r)));
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{top_label}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">0</text>",
        PLOT_LEFT - 8.0,
        PLOT_TOP + 4.0,
        PLOT_LEFT - 8.0,
        PLOT_BOTTOM + 4.0
    );
    write_x_ticks(out, frame);
}

fn write_x_ticks(out: &mut String, frame: &Frame) {
    let step = tick_step(frame.span);
    // The bound guards against a step that rounding made too small for the span.
    for k in 0..=12u32 {
        let value = f64::from(k) * step;
        if value > frame.span * (1.0 + 1e-9) {
            break;
        }
        let x = frame.x_rel(value);
        let _ = writeln!(
            out,
            "<line class=\"axis\" x1=\"{x:.2}\" y1=\"{PLOT_BOTTOM}\" x2=\"{x:.2}\" y2=\"{:.1}\"/>\
             <text x=\"{x:.2}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            PLOT_BOTTOM + 4.0,
            PLOT_BOTTOM + 17.0,
            fmt_tick(value, step)
        );
    }
}

/// A round step (1, 2 or 5 times a power of ten) giving about six ticks.
fn tick_step(span: f64) -> f64 {
    let raw = span / 6.0;
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|step| *step >= raw)
        .filter(|step| step.is_finite() && *step > 0.0)
        .unwrap_or(1.0)
}

fn fmt_tick(value: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{} s", fmt_count(value.round() as u64))
    } else {
        let decimals = (-step.log10()).ceil().clamp(1.0, 3.0) as usize;
        format!("{:.*} s", decimals, finite(value))
    }
}

fn write_bars(out: &mut String, cols: &[Column], frame: &Frame, max_rate: f64) {
    for col in cols.iter().filter(|c| c.packets > 0) {
        write_bar(out, "bar-total", col, col.packets, frame, max_rate);
    }
    for col in cols.iter().filter(|c| c.attack > 0) {
        write_bar(out, "bar-attack", col, col.attack, frame, max_rate);
    }
}

fn write_bar(out: &mut String, class: &str, col: &Column, packets: u64, frame: &Frame, max_rate: f64) {
    let x0 = frame.x_rel(col.start);
    let width = frame.x_rel(col.start + col.secs) - x0;
    // A small gap keeps wide bars apart; narrow ones touch so they stay visible.
    let gap = if width >= 4.0 { (width * 0.15).min(2.0) } else { 0.0 };
    let plot_h = PLOT_BOTTOM - PLOT_TOP;
    let height = finite(col.rate(packets) / max_rate * plot_h).clamp(1.0, plot_h);
    let _ = writeln!(
        out,
        "<rect class=\"{class}\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{height:.2}\"><title>{}–{}: {} \
         ({} attacker ↔ victim)</title></rect>",
        x0 + gap / 2.0,
        PLOT_BOTTOM - height,
        (width - gap).max(0.1),
        fmt_secs(col.start),
        fmt_secs(col.start + col.secs),
        plural_u64(col.packets, "packet"),
        fmt_count(col.attack),
    );
}

/// A vertical line through the plot with a label near its top, kept inside the view.
fn write_marker_line(out: &mut String, class: &str, x: f64, label_y: f64, label: &str) {
    let near_right = x > PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * 0.8;
    let (label_x, anchor) = if near_right {
        (x - 5.0, "end")
    } else {
        (x + 5.0, "start")
    };
    let _ = writeln!(
        out,
        "<line class=\"{class}\" x1=\"{x:.2}\" y1=\"{:.1}\" x2=\"{x:.2}\" y2=\"{PLOT_BOTTOM}\"/>\
         <text class=\"label {class}-label\" x=\"{label_x:.2}\" y=\"{label_y:.1}\" text-anchor=\"{anchor}\">{}</text>",
        LANE_Y + 10.0,
        escape(label)
    );
}

fn write_alert_markers(out: &mut String, alerts: &[TimelineAlert], frame: &Frame) {
    // Expected alerts last, so they sit on top where markers overlap.
    for alert in alerts
        .iter()
        .filter(|a| !a.expected)
        .chain(alerts.iter().filter(|a| a.expected))
    {
        let x = frame.x_at(alert.t);
        let title = format!(
            "{}  [1:{}] {}  {} → {}",
            fmt_rel(alert.t - frame.origin),
            alert.sid,
            alert.msg,
            alert.src,
            alert.dst
        );
        let shape = if alert.expected {
            format!(
                "<path d=\"M{:.2} {:.1} L{:.2} {:.1} L{x:.2} {:.1} Z\"/>",
                x - 5.0,
                LANE_Y - 6.0,
                x + 5.0,
                LANE_Y - 6.0,
                LANE_Y + 6.0
            )
        } else {
            format!("<circle cx=\"{x:.2}\" cy=\"{LANE_Y}\" r=\"4\"/>")
        };
        let kind = if alert.expected { "expected" } else { "other" };
        let _ = writeln!(
            out,
            "<g class=\"alert-marker {kind}\"><title>{}</title>{shape}</g>",
            escape(&title)
        );
    }
}

fn write_timeline_notes(out: &mut String, drill: &DrillResult, frame: &Frame, columns: usize) {
    let timeline = &drill.timeline;
    let bins = timeline.packets.len();
    let mut notes = vec!["Times are seconds from the start of the capture.".to_string()];
    if bins > columns && columns > 0 {
        notes.push(format!(
            "{} bins of {} merged into {} columns.",
            fmt_count(bins as u64),
            fmt_secs(frame.bin),
            fmt_count(columns as u64)
        ));
    } else if bins > 0 {
        notes.push(format!("Bins of {}.", fmt_secs(frame.bin)));
    }
    if timeline.alerts_omitted > 0 {
        notes.push(format!(
            "{} shown; {} more not drawn.",
            plural(timeline.alerts.len(), "alert"),
            fmt_count(timeline.alerts_omitted)
        ));
    }
    let _ = writeln!(out, "<figcaption class=\"muted\">{}</figcaption>", notes.join(" "));
}

// ---------------------------------------------------------------------------------------------
// Tables

fn write_expectations(out: &mut String, expectations: &[ExpectationResult]) {
    out.push_str("<h3>Expectations</h3>\n");
    if expectations.is_empty() {
        out.push_str("<p class=\"muted\">This drill sets no expectations.</p>\n");
        return;
    }
    out.push_str("<table class=\"expectations\">\n<thead><tr><th>Expectation</th><th>Attacker → victim</th>");
    out.push_str("<th class=\"num\">Expected</th><th class=\"num\">Within</th><th class=\"num\">Seen</th>");
    out.push_str("<th class=\"num\">Delay</th><th>Result</th><th>Reason</th></tr></thead>\n<tbody>\n");
    for e in expectations {
        let within = finite_opt(e.within_secs).map_or_else(|| "—".to_string(), |s| format!("≤ {}", fmt_secs(s)));
        let delay = finite_opt(e.delay_secs).map_or_else(|| "—".to_string(), fmt_secs);
        let reason = e.reason.as_deref().map_or_else(|| "—".to_string(), escape);
        let _ = writeln!(
            out,
            "<tr class=\"{}\"><td>{}</td><td><code>{}</code> → <code>{}</code></td><td class=\"num\">{}</td>\
             <td class=\"num\">{within}</td><td class=\"num\">{}</td><td class=\"num\">{delay}</td><td>{}</td>\
             <td>{reason}</td></tr>",
            result_class(e.passed),
            escape(&e.label),
            or_dash(&e.attacker),
            or_dash(&e.victim),
            expected_range(e),
            fmt_count(e.count),
            badge(e.passed),
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn expected_range(e: &ExpectationResult) -> String {
    match e.max {
        None => format!("≥{}", fmt_count(e.min)),
        Some(max) if max == e.min => fmt_count(max),
        Some(max) => format!("{}–{}", fmt_count(e.min), fmt_count(max)),
    }
}

fn write_other_alerts(out: &mut String, others: &[OtherAlerts], max_other: Option<u64>) {
    out.push_str("<h3>Other alerts</h3>\n");
    let total = others.iter().fold(0u64, |sum, o| sum.saturating_add(o.count));
    if let Some(max) = max_other {
        let class = if total > max { "limit over" } else { "limit" };
        let _ = writeln!(
            out,
            "<p class=\"{class}\">Allowed: at most {}; seen {}.</p>",
            fmt_count(max),
            fmt_count(total)
        );
    }
    if others.is_empty() {
        out.push_str("<p class=\"muted\">None: every alert was claimed by an expectation.</p>\n");
        return;
    }
    out.push_str("<table class=\"other-alerts\">\n<thead><tr><th class=\"num\">SID</th><th>Message</th>");
    out.push_str("<th class=\"num\">Count</th></tr></thead>\n<tbody>\n");
    for other in others {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            other.sid,
            escape(&other.msg),
            fmt_count(other.count)
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

fn write_talkers(out: &mut String, talkers: &[Talker]) {
    out.push_str("<h3>Top talkers</h3>\n");
    if talkers.is_empty() {
        out.push_str("<p class=\"muted\">No traffic recorded.</p>\n");
        return;
    }
    out.push_str("<table class=\"talkers\">\n<thead><tr><th>Address</th><th class=\"num\">Packets</th>");
    out.push_str("<th class=\"num\">Bytes</th><th>Role</th></tr></thead>\n<tbody>\n");
    for talker in talkers {
        let mut roles = String::new();
        if talker.attacker {
            roles.push_str("<span class=\"tag attacker\">attacker</span> ");
        }
        if talker.victim {
            roles.push_str("<span class=\"tag victim\">victim</span>");
        }
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&talker.addr),
            fmt_count(talker.packets),
            fmt_bytes(talker.bytes),
            roles.trim_end()
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

// ---------------------------------------------------------------------------------------------
// Small pieces

/// Unique, URL-safe section ids, `drill-<slug>`, in drill order.
fn drill_anchors(drills: &[DrillResult]) -> Vec<String> {
    let mut used = HashSet::new();
    drills
        .iter()
        .enumerate()
        .map(|(index, drill)| {
            let mut base = slug(&drill.name);
            if base.is_empty() {
                base = (index + 1).to_string();
            }
            let mut anchor = format!("drill-{base}");
            let mut suffix = 2;
            while !used.insert(anchor.clone()) {
                anchor = format!("drill-{base}-{suffix}");
                suffix += 1;
            }
            anchor
        })
        .collect()
}

fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 60 {
            break;
        }
    }
    slug.trim_end_matches('-').to_string()
}

fn badge(passed: bool) -> &'static str {
    if passed {
        "<span class=\"badge pass\">PASS</span>"
    } else {
        "<span class=\"badge fail\">FAIL</span>"
    }
}

fn result_class(passed: bool) -> &'static str {
    if passed { "pass" } else { "fail" }
}

fn or_dash(text: &str) -> String {
    if text.trim().is_empty() {
        "—".to_string()
    } else {
        escape(text)
    }
}

/// Escapes text for HTML element content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// NaN and infinities become 0 so they never reach the SVG; -0 becomes 0.
fn finite(value: f64) -> f64 {
    if value.is_finite() && value != 0.0 { value } else { 0.0 }
}

fn finite_opt(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

fn first_finite(candidates: &[Option<f64>]) -> Option<f64> {
    candidates.iter().copied().flatten().find(|v| v.is_finite())
}

fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize, noun: &str) -> String {
    plural_u64(n as u64, noun)
}

fn plural_u64(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", fmt_count(n))
    }
}

fn fmt_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    // 999.95 would print as "1000.0", so it moves up a unit too.
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).unwrap_or(&"EB"))
}

fn fmt_secs(secs: f64) -> String {
    format!("{:.2} s", finite(secs))
}

fn fmt_signed_secs(secs: f64) -> String {
    format!("{:+.2} s", finite(secs))
}

/// A time relative to the capture start: `t+2.31 s`.
fn fmt_rel(secs: f64) -> String {
    format!("t{}", fmt_signed_secs(secs))
}

fn fmt_rate(rate: f64) -> String {
    let rate = finite(rate);
    if rate >= 100.0 {
        fmt_count(rate.round() as u64)
    } else if rate >= 10.0 {
        format!("{rate:.1}")
    } else {
        format!("{rate:.2}")
    }
}

/// `2024-05-01 12:00:03.210 UTC`, for times between 1970 and 9999.
fn fmt_utc(epoch: f64) -> Option<String> {
    if !(0.0..=253_402_300_799.0).contains(&epoch) {
        return None;
    }
    let millis = (epoch * 1000.0).round() as i64;
    let (secs, ms) = (millis.div_euclid(1000), millis.rem_euclid(1000));
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = crate::timestamp::civil_from_days(days);
    let (hour, minute, second) = (day_secs / 3600, day_secs % 3600 / 60, day_secs % 60);
    Some(format!(
        "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.{ms:03} UTC"
    ))
}

// ---------------------------------------------------------------------------------------------
// Static parts

const LEGEND: &str = "<ul class=\"legend\">\
<li><svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\">\
<rect class=\"sw-total\" x=\"1\" y=\"1\" width=\"12\" height=\"12\"/></svg>all packets</li>\
<li><svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\">\
<rect class=\"sw-attack\" x=\"1\" y=\"1\" width=\"12\" height=\"12\"/></svg>attacker ↔ victim packets</li>\
<li><svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\">\
<line class=\"sw-attack-start\" x1=\"7\" y1=\"0\" x2=\"7\" y2=\"14\"/></svg>attack start</li>\
<li><svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\">\
<line class=\"sw-detection\" x1=\"7\" y1=\"0\" x2=\"7\" y2=\"14\"/></svg>first expected detection</li>\
<li><svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\">\
<path class=\"sw-expected\" d=\"M2 2 L12 2 L7 12 Z\"/></svg>expected alert</li>\
<li><svg class=\"swatch\" width=\"14\" height=\"14\" viewBox=\"0 0 14 14\" aria-hidden=\"true\">\
<circle class=\"sw-other\" cx=\"7\" cy=\"7\" r=\"4\"/></svg>other alert</li>\
</ul>\n";

const STYLE: &str = r#"<style>
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --soft: #f6f8fa;
  --pass: #1a7f37; --pass-bg: #dafbe1; --fail: #cf222e; --fail-bg: #ffebe9;
  --bar: #b4bcc6; --attack: #e0520f; --expected: #0550ae; --other: #8250df; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--fg); font-size: 15px; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 24px 64px; }
h1 { font-size: 1.7rem; margin: 0 0 2px; }
h2 { font-size: 1.3rem; margin: 0; overflow-wrap: anywhere; }
h3 { font-size: 1.02rem; margin: 26px 0 8px; }
a { color: var(--expected); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.88em;
  overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.banner { margin: 14px 0 8px; padding: 14px 20px; border: 1px solid; border-left-width: 8px; border-radius: 6px;
  font-size: 1.1rem; }
.banner strong { font-size: 1.6rem; letter-spacing: 0.05em; margin-right: 14px; vertical-align: -2px; }
.banner.pass { background: var(--pass-bg); border-color: var(--pass); color: #0f4d21; }
.banner.fail { background: var(--fail-bg); border-color: var(--fail); color: #82071e; }
.banner.empty { background: var(--soft); border-color: var(--line); }
.counts { margin: 0 0 8px; color: var(--muted); }
.counts b { color: var(--fg); }
#summary { margin-top: 28px; }
table { width: 100%; border-collapse: collapse; margin: 8px 0; font-size: 0.93rem; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; }
th.num, td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.other-alerts, table.talkers { width: auto; min-width: 60%; }
tr.fail td { background: #fff8f7; }
.badge { display: inline-block; padding: 0 9px; border: 1px solid; border-radius: 999px; font-size: 0.78rem;
  font-weight: 700; letter-spacing: 0.05em; white-space: nowrap; }
.badge.pass { color: var(--pass); background: var(--pass-bg); }
.badge.fail { color: var(--fail); background: var(--fail-bg); }
.tag { display: inline-block; padding: 0 7px; border-radius: 4px; font-size: 0.78rem; font-weight: 600; }
.tag.attacker { background: #fff1e5; color: #953800; }
.tag.victim { background: #ddf4ff; color: #0a3069; }
section.drill { margin-top: 44px; padding-top: 16px; border-top: 4px solid var(--line); }
section.drill[data-result="pass"] { border-top-color: var(--pass); }
section.drill[data-result="fail"] { border-top-color: var(--fail); }
.drill-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px; }
.drill-head .top { margin-left: auto; font-size: 0.85rem; }
.description { margin: 8px 0 0; max-width: 75ch; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 14px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.errors { margin: 14px 0; padding: 4px 16px; background: var(--fail-bg); border: 1px solid var(--fail);
  border-radius: 6px; color: #82071e; }
.errors h3 { margin: 8px 0 4px; }
.errors ul { margin: 4px 0 10px; padding-left: 20px; }
.limit { margin: 4px 0; }
.limit.over { color: var(--fail); font-weight: 600; }
figure.timeline-figure { margin: 8px 0 0; }
figure.timeline-figure figcaption { font-size: 0.85rem; margin-top: 4px; }
svg.timeline { display: block; width: 100%; height: auto; background: #fff; border: 1px solid var(--line);
  border-radius: 6px; }
svg.timeline text { font-size: 12px; fill: var(--muted); font-family: inherit; }
svg.timeline .label { fill: var(--fg); font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 4px;
  stroke-linejoin: round; }
svg.timeline .no-traffic { font-size: 15px; }
svg.timeline .lane { fill: var(--soft); }
svg.timeline .axis { stroke: #8c959f; stroke-width: 1; }
svg.timeline .grid { stroke: var(--line); stroke-dasharray: 3 3; }
svg.timeline .bar-total, .sw-total { fill: var(--bar); }
svg.timeline .bar-attack, .sw-attack { fill: var(--attack); }
svg.timeline line.attack-start, .sw-attack-start { stroke: var(--attack); stroke-width: 1.6; stroke-dasharray: 5 4; }
svg.timeline line.detection, .sw-detection { stroke: var(--expected); stroke-width: 2; }
svg.timeline .attack-start-label { fill: #a33a00; }
svg.timeline .detection-label { fill: var(--expected); }
svg.timeline .alert-marker.expected path, .sw-expected { fill: var(--expected); }
svg.timeline .alert-marker.other circle, .sw-other { fill: #fff; stroke: var(--other); stroke-width: 1.6; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 8px 0 0; padding: 0; list-style: none;
  font-size: 0.85rem; color: var(--muted); }
.legend svg { vertical-align: -2px; margin-right: 6px; }
@media print {
  body { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  a { color: inherit; text-decoration: none; }
  .drill-head .top { display: none; }
  section.drill { break-before: page; }
  tr, figure, .errors { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
"#;

// Proves in a headless browser that the timelines were laid out; the page reads the same without it.
const SCRIPT: &str = r#"<script>
(function () {
  function measure() {
    var rendered = 0, bars = 0;
    var svgs = document.querySelectorAll("svg.timeline");
    for (var i = 0; i < svgs.length; i++) {
      var rects = svgs[i].querySelectorAll("rect.bar-total"), drawn = 0;
      for (var j = 0; j < rects.length; j++) {
        if (rects[j].getBoundingClientRect().width > 0) drawn++;
      }
      bars += drawn;
      var wide = svgs[i].getBoundingClientRect().width > 100;
      if (wide && (drawn > 0 || svgs[i].querySelector(".no-traffic"))) rendered++;
    }
    document.body.dataset.timelinesRendered = String(rendered);
    document.body.dataset.timelineBars = String(bars);
  }
  measure();
  window.addEventListener("load", measure);
})();
</script>
"#;

#[cfg(test)]
mod tests {
    use super::super::result::AttackInfo;
    use super::*;

    const T0: f64 = 1_714_564_800.0; // 2024-05-01 12:00:00 UTC

    fn alert(t: f64, sid: u32, msg: &str, expected: bool) -> TimelineAlert {
        TimelineAlert {
            t,
            sid,
            msg: msg.to_string(),
            src: "10.0.0.66".into(),
            dst: "10.0.0.5".into(),
            expected,
        }
    }

    fn passing_drill() -> DrillResult {
        DrillResult {
            name: "SYN flood".into(),
            file: "drills/syn-flood.toml".into(),
            description: Some("A SYN flood against the web server.".into()),
            passed: true,
            captures: vec!["captures/syn-flood.pcap".into()],
            attack: AttackInfo {
                attacker: "10.0.0.66".into(),
                victim: "10.0.0.5".into(),
                start: Some(T0 + 2.0),
                start_rule: "first packet from attacker to victim".into(),
                capture_start: Some(T0),
                capture_end: Some(T0 + 5.9),
            },
            packets: 1_579,
            bytes: 1_234_567,
            alerts: 4,
            elapsed_secs: 0.42,
            expectations: vec![ExpectationResult {
                label: "sid 9200004 SYN flood".into(),
                sid: Some(9_200_004),
                attacker: "10.0.0.66".into(),
                victim: "10.0.0.5".into(),
                min: 1,
                within_secs: Some(5.0),
                count: 3,
                first_alert: Some(T0 + 2.84),
                delay_secs: Some(0.84),
                passed: true,
                ..Default::default()
            }],
            other_alerts: vec![OtherAlerts {
                sid: 2_200_003,
                msg: "TCP checksum".into(),
                count: 1,
            }],
            max_other_alerts: Some(5),
            timeline: Timeline {
                start: T0,
                bin_secs: 1.0,
                packets: vec![12, 0, 800, 700, 0, 67],
                bytes: vec![1_000, 0, 60_000, 50_000, 0, 5_000],
                attack_packets: vec![0, 0, 780, 690, 0, 0],
                alerts: vec![
                    alert(T0 + 2.84, 9_200_004, "SYN flood", true),
                    alert(T0 + 3.1, 9_200_004, "SYN flood", true),
                    alert(T0 + 4.0, 2_200_003, "TCP checksum", false),
                    // Past the binned range: drawn at the right edge.
                    alert(T0 + 60.0, 9_200_004, "SYN flood", true),
                ],
                alerts_omitted: 0,
            },
            top_talkers: vec![Talker {
                addr: "10.0.0.66".into(),
                packets: 1_470,
                bytes: 1_100_000,
                attacker: true,
                victim: false,
            }],
            errors: vec![],
        }
    }

    fn hostile_drill() -> DrillResult {
        let hostile = "<script>alert(1)</script>";
        DrillResult {
            name: hostile.into(),
            file: "drills/\"quoted\" & 'odd'.toml".into(),
            passed: false,
            captures: vec!["missing.pcap".into()],
            expectations: vec![ExpectationResult {
                label: format!("sid 1 {hostile}"),
                attacker: hostile.into(),
                victim: "10.0.0.5".into(),
                min: 1,
                max: Some(3),
                reason: Some(format!("no alert {hostile}")),
                ..Default::default()
            }],
            other_alerts: vec![OtherAlerts {
                sid: 1,
                msg: hostile.into(),
                count: 2,
            }],
            timeline: Timeline {
                alerts: vec![TimelineAlert {
                    t: T0,
                    sid: 1,
                    msg: hostile.into(),
                    ..Default::default()
                }],
                ..Default::default()
            },
            errors: vec![format!("cannot read missing.pcap: {hostile}")],
            ..Default::default()
        }
    }

    fn sample_report() -> DrillReport {
        DrillReport {
            generated: "2024-05-01T12:30:00Z".into(),
            passed: 1,
            failed: 1,
            drills: vec![passing_drill(), hostile_drill()],
        }
    }

    /// The HTML of each drill section, in order.
    fn sections(html: &str) -> Vec<&str> {
        html.split("<section class=\"drill\"").skip(1).collect()
    }

    #[test]
    fn one_timeline_per_drill() {
        let html = render(&sample_report());
        assert_eq!(html.matches("<svg class=\"timeline\"").count(), 2);
        for section in sections(&html) {
            assert_eq!(section.matches("<svg class=\"timeline\"").count(), 1);
            assert!(section.contains("viewBox=\"0 0 900 220\""));
        }
    }

    #[test]
    fn bars_match_non_empty_bins() {
        let html = render(&sample_report());
        let parts = sections(&html);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].matches("class=\"bar-total\"").count(), 4);
        assert_eq!(parts[0].matches("class=\"bar-attack\"").count(), 2);
        assert_eq!(parts[1].matches("class=\"bar-total\"").count(), 0);
        assert!(parts[1].contains("class=\"no-traffic\""));
        assert!(!parts[0].contains("class=\"no-traffic\""));
    }

    #[test]
    fn tallest_bin_sets_the_y_label_and_full_height() {
        let html = render(&sample_report());
        assert!(html.contains(">800 pkt/s</text>"));
        let full = format!("height=\"{:.2}\"", PLOT_BOTTOM - PLOT_TOP);
        assert_eq!(sections(&html)[0].matches(&full).count(), 1);
    }

    #[test]
    fn hostile_text_is_escaped() {
        let html = render(&sample_report());
        assert!(!html.contains("<script>alert(1)"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_eq!(html.matches("<script>").count(), 1, "only the report's own script");
        assert!(html.contains("&quot;quoted&quot; &amp; &#39;odd&#39;"));
        assert!(html.contains("id=\"drill-script-alert-1-script\""));
    }

    #[test]
    fn banner_says_fail_when_a_drill_failed() {
        let html = render(&sample_report());
        assert!(html.contains("<div class=\"banner fail\" role=\"status\"><strong>FAIL</strong> 1 of 2 drills failed"));
        assert!(!html.contains("banner pass"));
    }

    #[test]
    fn banner_says_pass_when_all_passed() {
        let report = DrillReport {
            passed: 1,
            failed: 0,
            drills: vec![passing_drill()],
            ..Default::default()
        };
        let html = render(&report);
        assert!(html.contains("<strong>PASS</strong> all 1 drill passed"));
        assert!(!html.contains("banner fail"));
    }

    #[test]
    fn empty_report_renders() {
        let html = render(&DrillReport::default());
        assert!(html.contains("NO DRILLS"));
        assert!(html.contains("No drills were run."));
        assert!(!html.contains("<svg class=\"timeline\""));
    }

    #[test]
    fn thousands_of_bins_are_merged() {
        let mut drill = passing_drill();
        drill.timeline.packets = (0..5_000).map(|i| i % 7 + 1).collect();
        drill.timeline.attack_packets = vec![1; 5_000];
        drill.timeline.bin_secs = 0.1;
        let html = render(&DrillReport {
            drills: vec![drill],
            ..Default::default()
        });
        let bars = html.matches("class=\"bar-total\"").count();
        assert!(bars <= MAX_COLUMNS, "{bars} bars");
        // 5,000 bins in groups of 9: 555 full columns and one of 5 bins.
        assert_eq!(bars, 556);
        assert!(html.contains("5,000 bins of 0.10 s merged into 556 columns."));
    }

    #[test]
    fn single_bin_and_zero_bins_draw() {
        let mut drill = passing_drill();
        drill.timeline.packets = vec![3];
        drill.timeline.attack_packets = vec![];
        let html = render(&DrillReport {
            drills: vec![drill.clone()],
            ..Default::default()
        });
        assert_eq!(html.matches("class=\"bar-total\"").count(), 1);
        drill.timeline.packets = vec![0, 0, 0];
        let html = render(&DrillReport {
            drills: vec![drill],
            ..Default::default()
        });
        assert_eq!(html.matches("class=\"bar-total\"").count(), 0);
        assert!(html.contains("no traffic"));
        assert!(html.contains(">0 pkt/s</text>"));
    }

    #[test]
    fn attack_start_detection_and_alerts_are_marked() {
        let html = render(&sample_report());
        let first = sections(&html)[0];
        assert_eq!(first.matches("<line class=\"attack-start\"").count(), 1);
        assert_eq!(first.matches("<line class=\"detection\"").count(), 1);
        assert!(first.contains(">detected +0.84 s</text>"));
        assert!(first.contains(">attack start</text>"));
        assert_eq!(first.matches("<g class=\"alert-marker expected\">").count(), 3);
        assert_eq!(first.matches("<g class=\"alert-marker other\">").count(), 1);
        assert!(first.contains("<title>t+2.84 s  [1:9200004] SYN flood  10.0.0.66 → 10.0.0.5</title>"));
        // The late alert is clamped to the right edge of the plot.
        assert!(first.contains(&format!("L{PLOT_RIGHT:.2} {:.1} Z", LANE_Y + 6.0)));
        assert!(first.contains("<td class=\"num\">0.84 s</td>"));
    }

    #[test]
    fn expectation_ranges_read_naturally() {
        let mut e = ExpectationResult {
            min: 1,
            ..Default::default()
        };
        assert_eq!(expected_range(&e), "≥1");
        e.max = Some(3);
        assert_eq!(expected_range(&e), "1–3");
        e.max = Some(1);
        assert_eq!(expected_range(&e), "1");
    }

    #[test]
    fn non_finite_numbers_stay_out_of_the_svg() {
        let mut drill = passing_drill();
        drill.timeline.start = f64::NAN;
        drill.timeline.bin_secs = f64::INFINITY;
        drill.attack.start = Some(f64::NEG_INFINITY);
        drill.attack.capture_start = Some(f64::NAN);
        drill.expectations[0].delay_secs = Some(f64::NAN);
        drill.timeline.alerts.push(alert(f64::NAN, 1, "nan", false));
        drill.elapsed_secs = f64::NAN;
        let html = render(&DrillReport {
            drills: vec![drill],
            ..Default::default()
        });
        assert!(!html.contains("NaN"));
        assert!(!html.contains("inf"));
        assert_eq!(html.matches("class=\"bar-total\"").count(), 4);
    }

    #[test]
    fn duplicate_names_get_distinct_anchors() {
        let drills = vec![passing_drill(), passing_drill(), DrillResult::default()];
        assert_eq!(
            drill_anchors(&drills),
            ["drill-syn-flood", "drill-syn-flood-2", "drill-3"]
        );
    }

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(1_234), "1,234");
        assert_eq!(fmt_count(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(fmt_bytes(999), "999 B");
        assert_eq!(fmt_bytes(1_234_567), "1.2 MB");
        assert_eq!(fmt_bytes(999_960), "1.0 MB");
        assert_eq!(fmt_bytes(u64::MAX), "18.4 EB");
        assert_eq!(fmt_secs(0.8412), "0.84 s");
        assert_eq!(fmt_secs(f64::NAN), "0.00 s");
        assert_eq!(fmt_rate(1_234.4), "1,234");
        assert_eq!(fmt_utc(T0 + 3.21).as_deref(), Some("2024-05-01 12:00:03.210 UTC"));
        assert_eq!(fmt_utc(951_782_400.0).as_deref(), Some("2000-02-29 00:00:00.000 UTC"));
        assert_eq!(fmt_utc(-1.0), None);
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn ticks_are_round_and_stay_in_range() {
        assert_eq!(tick_step(6.0), 1.0);
        assert_eq!(tick_step(30.0), 5.0);
        assert_eq!(tick_step(0.6), 0.1);
        assert_eq!(tick_step(f64::NAN), 1.0);
        assert_eq!(fmt_tick(0.0, 5.0), "0 s");
        assert_eq!(fmt_tick(0.2, 0.1), "0.2 s");
        let html = render(&sample_report());
        let first = sections(&html)[0];
        assert!(first.contains(">0 s</text>") && first.contains(">5 s</text>") && !first.contains(">7 s</text>"));
    }
}
