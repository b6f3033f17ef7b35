//! The process's own memory high-water mark, for the run summary.

/// Peak resident set size in bytes (`VmHWM`), where the platform reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(target_os = "linux")]
    fn reads_a_plausible_peak() {
        let peak = super::peak_rss_bytes().expect("VmHWM on Linux");
        assert!(peak > 1 << 20 && peak < 1 << 40, "{peak}");
    }
}
