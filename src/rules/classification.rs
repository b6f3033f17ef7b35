//! Classtypes: short name to category text and default priority, from the
//! built-in table or a classification.config file
//! (`config classification: name,description,priority`).

use std::collections::HashMap;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classtype {
    pub category: String,
    pub priority: u8,
}

/// The standard classtypes every Snort/Suricata rule set assumes.
const BUILTIN: &[(&str, &str, u8)] = &[
    ("not-suspicious", "Not Suspicious Traffic", 3),
    ("unknown", "Unknown Traffic", 3),
    ("bad-unknown", "Potentially Bad Traffic", 2),
    ("attempted-recon", "Attempted Information Leak", 2),
    ("successful-recon-limited", "Information Leak", 2),
    ("successful-recon-largescale", "Large Scale Information Leak", 2),
    ("attempted-dos", "Attempted Denial of Service", 2),
    ("successful-dos", "Denial of Service", 2),
    ("attempted-user", "Attempted User Privilege Gain", 1),
    ("unsuccessful-user", "Unsuccessful User Privilege Gain", 1),
    ("successful-user", "Successful User Privilege Gain", 1),
    ("attempted-admin", "Attempted Administrator Privilege Gain", 1),
    ("successful-admin", "Successful Administrator Privilege Gain", 1),
    ("rpc-portmap-decode", "Decode of an RPC Query", 2),
    ("shellcode-detect", "Executable code was detected", 1),
    ("string-detect", "A suspicious string was detected", 3),
    ("suspicious-filename-detect", "A suspicious filename was detected", 2),
    (
        "suspicious-login",
        "An attempted login using a suspicious username was detected",
        2,
    ),
    ("system-call-detect", "A system call was detected", 2),
    ("tcp-connection", "A TCP connection was detected", 4),
    ("trojan-activity", "A Network Trojan was detected", 1),
    (
        "unusual-client-port-connection",
        "A client was using an unusual port",
        2,
    ),
    ("network-scan", "Detection of a Network Scan", 3),
    ("denial-of-service", "Detection of a Denial of Service Attack", 2),
    (
        "non-standard-protocol",
        "Detection of a non-standard protocol or event",
        2,
    ),
    ("protocol-command-decode", "Generic Protocol Command Decode", 3),
    (
        "web-application-activity",
        "access to a potentially vulnerable web application",
        2,
    ),
    ("web-application-attack", "Web Application Attack", 1),
    ("misc-activity", "Misc activity", 3),
    ("misc-attack", "Misc Attack", 2),
    ("icmp-event", "Generic ICMP event", 3),
    ("inappropriate-content", "Inappropriate Content was Detected", 1),
    ("policy-violation", "Potential Corporate Privacy Violation", 1),
    (
        "default-login-attempt",
        "Attempt to login by a default username and password",
        2,
    ),
    ("targeted-activity", "Targeted Malicious Activity was Detected", 1),
    ("exploit-kit", "Exploit Kit Activity Detected", 1),
    ("external-ip-check", "Device Retrieving External IP Address Detected", 2),
    ("domain-c2", "Domain Observed Used for C2 Detected", 1),
    ("pup-activity", "Possibly Unwanted Program Detected", 2),
    ("credential-theft", "Successful Credential Theft Detected", 1),
    ("social-engineering", "Possible Social Engineering Attempted", 2),
    ("coin-mining", "Crypto Currency Mining Activity Detected", 2),
    (
        "command-and-control",
        "Malware Command and Control Activity Detected",
        1,
    ),
];

#[derive(Clone, Debug)]
pub struct Classifications {
    map: HashMap<String, Classtype>,
}

impl Default for Classifications {
    fn default() -> Self {
        let map = BUILTIN
            .iter()
            .map(|(name, cat, prio)| {
                (
                    name.to_string(),
                    Classtype {
                        category: cat.to_string(),
                        priority: *prio,
                    },
                )
            })
            .collect();
        Classifications { map }
    }
}

impl Classifications {
    pub fn get(&self, name: &str) -> Option<&Classtype> {
        self.map.get(name)
    }

    /// Reads a classification.config; entries replace the built-in ones of
    /// the same name. Malformed lines are errors naming the line.
    pub fn load_file(&mut self, path: &Path) -> Result<usize, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        self.load_str(&text).map_err(|e| format!("{}:{e}", path.display()))
    }

    pub fn load_str(&mut self, text: &str) -> Result<usize, String> {
        let mut n = 0;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some(rest) = line.strip_prefix("config classification:") else {
                return Err(format!(
                    "{}: expected 'config classification: name,description,priority'",
                    i + 1
                ));
            };
            let parts: Vec<&str> = rest.splitn(3, ',').map(str::trim).collect();
            let [name, desc, prio] = parts[..] else {
                return Err(format!("{}: expected three comma-separated fields", i + 1));
            };
            let priority: u8 = prio
                .parse()
                .map_err(|_| format!("{}: priority '{prio}' is not a number", i + 1))?;
            self.map.insert(
                name.to_string(),
                Classtype {
                    category: desc.to_string(),
                    priority,
                },
            );
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lookup() {
        let c = Classifications::default();
        let t = c.get("trojan-activity").unwrap();
        assert_eq!(t.category, "A Network Trojan was detected");
        assert_eq!(t.priority, 1);
        assert!(c.get("nope").is_none());
    }

    #[test]
    fn file_overrides_and_errors() {
        let mut c = Classifications::default();
        let n =
            c.load_str("# comment\nconfig classification: trojan-activity,Trojan, 3\nconfig classification: x,X,2\n");
        assert_eq!(n, Ok(2));
        assert_eq!(c.get("trojan-activity").unwrap().priority, 3);
        assert!(
            c.load_str("config classification: a,b\n")
                .unwrap_err()
                .starts_with("1:")
        );
        assert!(c.load_str("bogus\n").is_err());
    }

    /// The built-in table agrees with Suricata's default file when it is available.
    #[test]
    fn builtin_agrees_with_reference_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/classification.config");
        if !path.exists() {
            eprintln!("skipped: {} not present", path.display());
            return;
        }
        let mut reference = Classifications { map: HashMap::new() };
        reference.load_file(&path).unwrap();
        let builtin = Classifications::default();
        for (name, ct) in &reference.map {
            assert_eq!(builtin.get(name), Some(ct), "classtype {name}");
        }
    }
}
