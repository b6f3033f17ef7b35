//! Connectionless LDAP (UDP 389): BER-encoded searchResEntry/searchResDone answers to a root DSE search.

/// CLDAP's UDP port.
pub const CLDAP_PORT: u16 = 389;

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_ENUMERATED: u8 = 0x0A;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
/// [APPLICATION 4] SearchResultEntry, constructed.
const TAG_SEARCH_RES_ENTRY: u8 = 0x64;
/// [APPLICATION 5] SearchResultDone, constructed.
const TAG_SEARCH_RES_DONE: u8 = 0x65;

/// An attribute and its values.
pub type Attribute = (String, Vec<String>);

/// Tag, definite length (short or long form) and content.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A non-negative INTEGER in its shortest two's-complement form.
fn integer(tag: u8, value: u32) -> Vec<u8> {
    let mut bytes = vec![0u8];
    bytes.extend_from_slice(&value.to_be_bytes());
    // Drop leading zeros, keeping one where the next byte would read as negative.
    let mut start = 0;
    while start < 4 && bytes[start] == 0 && bytes[start + 1] & 0x80 == 0 {
        start += 1;
    }
    tlv(tag, &bytes[start..])
}

fn message(message_id: u32, op: &[u8]) -> Vec<u8> {
    let mut body = integer(TAG_INTEGER, message_id);
    body.extend_from_slice(op);
    tlv(TAG_SEQUENCE, &body)
}

/// An LDAPMessage carrying a searchResEntry for `dn` with `attributes`.
pub fn search_res_entry(message_id: u32, dn: &str, attributes: &[Attribute]) -> Vec<u8> {
    let mut list = Vec::new();
    for (name, values) in attributes {
        let mut vals = Vec::new();
        for v in values {
            vals.extend_from_slice(&tlv(TAG_OCTET_STRING, v.as_bytes()));
        }
        let mut attr = tlv(TAG_OCTET_STRING, name.as_bytes());
        attr.extend_from_slice(&tlv(TAG_SET, &vals));
        list.extend_from_slice(&tlv(TAG_SEQUENCE, &attr));
    }
    let mut entry = tlv(TAG_OCTET_STRING, dn.as_bytes());
    entry.extend_from_slice(&tlv(TAG_SEQUENCE, &list));
    message(message_id, &tlv(TAG_SEARCH_RES_ENTRY, &entry))
}

/// An LDAPMessage carrying a successful searchResDone.
pub fn search_res_done(message_id: u32) -> Vec<u8> {
    let mut done = integer(TAG_ENUMERATED, 0);
    done.extend_from_slice(&tlv(TAG_OCTET_STRING, b""));
    done.extend_from_slice(&tlv(TAG_OCTET_STRING, b""));
    message(message_id, &tlv(TAG_SEARCH_RES_DONE, &done))
}

/// LDAP GeneralizedTime (`YYYYMMDDHHMMSS.0Z`) of a Unix time.
pub fn generalized_time(unix_secs: u64) -> String {
    let days = unix_secs / 86_400;
    let rem = unix_secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}.0Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn dn_of(domain: &str) -> String {
    domain
        .split('.')
        .map(|label| format!("DC={label}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Root DSE attributes of an Active Directory domain controller `host` of
/// DNS domain `domain` (largest lists last).
pub fn rootdse_attributes(host: &str, domain: &str, usn: u64, current_time: &str) -> Vec<Attribute> {
    let base = dn_of(domain);
    let config = format!("CN=Configuration,{base}");
    let upper = host.to_uppercase();
    let server = format!("CN={upper},CN=Servers,CN=Default-First-Site-Name,CN=Sites,{config}");
    let one = |v: String| vec![v];
    let many = |vs: &[&str]| vs.iter().map(|v| v.to_string()).collect::<Vec<_>>();
    let controls: Vec<String> = [
        319, 801, 473, 528, 417, 619, 841, 529, 805, 521, 970, 1338, 474, 1339, 1340, 1413, 1504, 1852, 802, 1907,
        1948, 1974, 1341, 2026, 2064, 2065, 2066, 2090, 2205, 2204, 2206, 2211, 2239, 2255, 2256, 2309,
    ]
    .iter()
    .map(|n| format!("1.2.840.113556.1.4.{n}"))
    .collect();
    vec![
        ("currentTime".into(), one(current_time.to_string())),
        (
            "subschemaSubentry".into(),
            one(format!("CN=Aggregate,CN=Schema,{config}")),
        ),
        ("dsServiceName".into(), one(format!("CN=NTDS Settings,{server}"))),
        (
            "namingContexts".into(),
            vec![
                base.clone(),
                config.clone(),
                format!("CN=Schema,{config}"),
                format!("DC=DomainDnsZones,{base}"),
                format!("DC=ForestDnsZones,{base}"),
            ],
        ),
        ("defaultNamingContext".into(), one(base.clone())),
        ("schemaNamingContext".into(), one(format!("CN=Schema,{config}"))),
        ("configurationNamingContext".into(), one(config.clone())),
        ("rootDomainNamingContext".into(), one(base.clone())),
        ("supportedLDAPVersion".into(), many(&["3", "2"])),
        ("highestCommittedUSN".into(), one(usn.to_string())),
        (
            "supportedSASLMechanisms".into(),
            many(&["GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5"]),
        ),
        ("dnsHostName".into(), one(format!("{host}.{domain}"))),
        (
            "ldapServiceName".into(),
            one(format!("{domain}:{host}$@{}", domain.to_uppercase())),
        ),
        ("serverName".into(), one(server)),
        ("isSynchronized".into(), many(&["TRUE"])),
        ("isGlobalCatalogReady".into(), many(&["TRUE"])),
        ("domainFunctionality".into(), many(&["7"])),
        ("forestFunctionality".into(), many(&["7"])),
        ("domainControllerFunctionality".into(), many(&["7"])),
        (
            "supportedLDAPPolicies".into(),
            many(&[
                "MaxPoolThreads",
                "MaxPercentDirSyncRequests",
                "MaxDatagramRecv",
                "MaxReceiveBuffer",
                "InitRecvTimeout",
                "MaxConnections",
                "MaxConnIdleTime",
                "MaxPageSize",
                "MaxBatchReturnMessages",
                "MaxQueryDuration",
                "MaxDirSyncDuration",
                "MaxTempTableSize",
                "MaxResultSetSize",
                "MinResultSets",
                "MaxResultSetsPerConn",
                "MaxNotificationPerConn",
                "MaxValRange",
                "MaxValRangeTransitive",
                "ThreadMemoryLimit",
                "SystemMemoryLimitPercent",
            ]),
        ),
        ("supportedControl".into(), controls),
    ]
}

/// The answer to a root DSE search in one datagram of at most `max_len`
/// bytes: a searchResEntry with as many of `attributes` (and, for the last
/// one that fits partly, as many of its values) as fit, then searchResDone.
pub fn rootdse_response(message_id: u32, attributes: &[Attribute], max_len: usize) -> Vec<u8> {
    let done = search_res_done(message_id);
    let fits = |attrs: &[Attribute]| search_res_entry(message_id, "", attrs).len() + done.len() <= max_len;
    let mut chosen: Vec<Attribute> = Vec::new();
    for (name, values) in attributes {
        chosen.push((name.clone(), values.clone()));
        if fits(&chosen) {
            continue;
        }
        chosen.pop();
        let mut partial = (name.clone(), Vec::new());
        for v in values {
            partial.1.push(v.clone());
            chosen.push(partial.clone());
            let ok = fits(&chosen);
            chosen.pop();
            if !ok {
                partial.1.pop();
                break;
            }
        }
        if !partial.1.is_empty() {
            chosen.push(partial);
        }
        break;
    }
    let mut out = search_res_entry(message_id, "", &chosen);
    out.extend_from_slice(&done);
    out
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Walks BER TLVs, descending into constructed ones; returns the number
    /// of elements or `None` if any length overruns its parent.
    pub(in super::super) fn ber_elements(mut data: &[u8]) -> Option<usize> {
        let mut count = 0;
        while !data.is_empty() {
            let tag = data[0];
            let first = *data.get(1)? as usize;
            let (len, head) = if first < 0x80 {
                (first, 2)
            } else {
                let n = first & 0x7F;
                let bytes = data.get(2..2 + n)?;
                (bytes.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b)), 2 + n)
            };
            let content = data.get(head..head + len)?;
            count += 1;
            if tag & 0x20 != 0 {
                count += ber_elements(content)?;
            }
            data = &data[head + len..];
        }
        Some(count)
    }

    #[test]
    fn lengths_and_integers() {
        assert_eq!(tlv(4, b"ab"), [4, 2, b'a', b'b']);
        assert_eq!(&tlv(4, &[0; 200])[..3], &[4, 0x81, 200]);
        assert_eq!(&tlv(4, &[0; 300])[..4], &[4, 0x82, 1, 44]);
        assert_eq!(integer(2, 5), [2, 1, 5]);
        assert_eq!(integer(2, 0), [2, 1, 0]);
        assert_eq!(integer(2, 0x80), [2, 2, 0, 0x80]);
        assert_eq!(integer(2, 0x1234), [2, 2, 0x12, 0x34]);
        assert_eq!(integer(2, 0x8000_0000), [2, 5, 0, 0x80, 0, 0, 0]);
        assert_eq!(
            search_res_done(1),
            [0x30, 0x0C, 2, 1, 1, 0x65, 7, 0x0A, 1, 0, 4, 0, 4, 0]
        );
    }

    #[test]
    fn times() {
        assert_eq!(generalized_time(0), "19700101000000.0Z");
        assert_eq!(generalized_time(1_717_264_805), "20240601180005.0Z");
        assert_eq!(generalized_time(951_825_599), "20000229115959.0Z");
    }

    #[test]
    fn rootdse_fills_the_datagram() {
        let attrs = rootdse_attributes("dc07", "corp.example.com", 123_456, "20240601180005.0Z");
        let full = search_res_entry(9, "", &attrs);
        assert!(full.len() > 2000, "{}", full.len());
        let r = rootdse_response(9, &attrs, 1400);
        assert!(r.len() <= 1400 && r.len() > 1300, "{}", r.len());
        assert!(ber_elements(&r).unwrap() > 50);
        assert_eq!(r[0], 0x30);
        assert!(r.windows(13).any(|w| w == b"ldapServiceNa"));
        assert!(r.ends_with(&search_res_done(9)));
    }
}
