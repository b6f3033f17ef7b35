//! EVE JSON `alert` records, field for field as Suricata writes them, so
//! any consumer of Suricata's eve.json reads vigie's.

use crate::alert::{Alert, proto_name};
use crate::rules::metadata::Metadata;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

#[derive(Serialize)]
struct EveAlert<'a> {
    timestamp: String,
    flow_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pcap_cnt: Option<u64>,
    event_type: &'static str,
    #[serde(skip_serializing_if = "<[u16]>::is_empty")]
    vlan: &'a [u16],
    src_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    dest_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
    ip_v: u8,
    proto: std::borrow::Cow<'static, str>,
    pkt_src: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_id: Option<u64>,
    alert: AlertPart<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_proto: Option<&'static str>,
    direction: &'static str,
    flow: FlowPart,
    #[serde(skip_serializing_if = "Option::is_none")]
    traffic: Option<&'a crate::alert::Traffic>,
    /// The application protocol's object (`"http": {...}`), under its own key.
    #[serde(flatten, skip_serializing_if = "AppMeta::is_empty")]
    app: AppMeta<'a>,
}

struct AppMeta<'a>(Option<&'a (&'static str, serde_json::Value)>);

impl AppMeta<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl Serialize for AppMeta<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(usize::from(self.0.is_some())))?;
        if let Some((k, v)) = self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct AlertPart<'a> {
    action: &'static str,
    gid: u32,
    signature_id: u32,
    rev: u32,
    signature: &'a str,
    category: &'a str,
    severity: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Endpoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<Endpoint>,
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    metadata: &'a Metadata,
}

#[derive(Serialize)]
struct Endpoint {
    ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
}

#[derive(Serialize)]
struct FlowPart {
    pkts_toserver: u64,
    pkts_toclient: u64,
    bytes_toserver: u64,
    bytes_toclient: u64,
    start: String,
    src_ip: String,
    dest_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
}

/// Renders one alert as a single EVE JSON line (no trailing newline).
pub fn render(a: &Alert, host: Option<&str>) -> String {
    let sig = &a.signature;
    let ports = a.has_ports;
    let port = |p: u16| ports.then_some(p);
    let (source, target) = match sig.target_is_src {
        Some(target_is_src) => {
            let src = Endpoint {
                ip: a.src_ip.to_string(),
                port: port(a.src_port),
            };
            let dst = Endpoint {
                ip: a.dest_ip.to_string(),
                port: port(a.dest_port),
            };
            if target_is_src {
                (Some(dst), Some(src))
            } else {
                (Some(src), Some(dst))
            }
        }
        None => (None, None),
    };
    let rec = EveAlert {
        timestamp: a.ts.eve().to_string(),
        flow_id: a.flow_id,
        pcap_cnt: (a.pcap_cnt > 0).then_some(a.pcap_cnt),
        event_type: "alert",
        vlan: a.vlan.as_slice(),
        src_ip: a.src_ip.to_string(),
        src_port: port(a.src_port),
        dest_ip: a.dest_ip.to_string(),
        dest_port: port(a.dest_port),
        ip_v: a.ip_version,
        proto: proto_name(a.proto),
        pkt_src: a.pkt_src,
        icmp_type: a.icmp.map(|i| i.0),
        icmp_code: a.icmp.map(|i| i.1),
        host,
        tx_id: a.tx_id,
        alert: AlertPart {
            action: a.action,
            gid: sig.gid,
            signature_id: sig.sid,
            rev: sig.rev,
            signature: &sig.msg,
            category: &sig.category,
            severity: sig.severity,
            source,
            target,
            metadata: &sig.metadata,
        },
        app_proto: a.app_proto,
        direction: a.direction.eve_name(),
        flow: FlowPart {
            pkts_toserver: a.flow.pkts_toserver,
            pkts_toclient: a.flow.pkts_toclient,
            bytes_toserver: a.flow.bytes_toserver,
            bytes_toclient: a.flow.bytes_toclient,
            start: a.flow.start.eve().to_string(),
            src_ip: a.flow.src_ip.to_string(),
            dest_ip: a.flow.dest_ip.to_string(),
            src_port: port(a.flow.src_port),
            dest_port: port(a.flow.dest_port),
        },
        traffic: a.traffic.as_ref(),
        app: AppMeta(a.app_meta.as_ref()),
    };
    // Serialising plain structs of strings and numbers cannot fail.
    serde_json::to_string(&rec).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::alert::{FlowSnapshot, SignatureInfo};
    use crate::decode::VlanIds;
    use crate::flow::Direction;
    use crate::timestamp::Timestamp;
    use std::sync::Arc;

    pub fn sample() -> Alert {
        Alert {
            ts: Timestamp::new(1_695_017_621, 532_140_000),
            pcap_cnt: 7,
            flow_id: 123,
            src_ip: "10.0.0.2".parse().unwrap(),
            dest_ip: "10.0.0.1".parse().unwrap(),
            src_port: 80,
            dest_port: 40000,
            proto: 6,
            ip_version: 4,
            has_ports: true,
            icmp: None,
            vlan: VlanIds::default(),
            direction: Direction::ToClient,
            pkt_src: "wire/pcap",
            signature: Arc::new(SignatureInfo {
                gid: 1,
                sid: 2100498,
                rev: 7,
                msg: "GPL ATTACK_RESPONSE id check returned root".into(),
                category: "Potentially Bad Traffic".into(),
                severity: 2,
                metadata: [("tag", "a"), ("tag", "b")].into_iter().collect(),
                target_is_src: None,
            }),
            action: "allowed",
            app_proto: None,
            tx_id: None,
            app_meta: None,
            traffic: None,
            threshold: None,
            xbits: None,
            silent: false,
            flow: FlowSnapshot {
                pkts_toserver: 3,
                pkts_toclient: 2,
                bytes_toserver: 300,
                bytes_toclient: 200,
                start: Timestamp::new(1_695_017_620, 0),
                src_ip: "10.0.0.1".parse().unwrap(),
                dest_ip: "10.0.0.2".parse().unwrap(),
                src_port: 40000,
                dest_port: 80,
            },
        }
    }

    #[test]
    fn suricata_shape() {
        let line = render(&sample(), Some("sensor-1"));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["timestamp"], "2023-09-18T06:13:41.532140+0000");
        assert_eq!(v["event_type"], "alert");
        assert_eq!(v["proto"], "TCP");
        assert_eq!(v["alert"]["signature_id"], 2100498);
        assert_eq!(v["alert"]["metadata"]["tag"], serde_json::json!(["a", "b"]));
        assert_eq!(v["flow"]["src_port"], 40000);
        assert_eq!(v["direction"], "to_client");
        assert_eq!(v["host"], "sensor-1");
        assert!(v.get("vlan").is_none());
        assert!(v.get("http").is_none() && v.get("tx_id").is_none());
        let mut a = sample();
        a.tx_id = Some(3);
        a.app_proto = Some("http");
        a.app_meta = Some(("http", serde_json::json!({"url": "/x"})));
        let v: serde_json::Value = serde_json::from_str(&render(&a, None)).unwrap();
        assert_eq!(v["http"]["url"], "/x");
        assert_eq!(v["tx_id"], 3);
        assert_eq!(v["app_proto"], "http");
        // Field order as Suricata writes it.
        assert!(line.starts_with(
            r#"{"timestamp":"2023-09-18T06:13:41.532140+0000","flow_id":123,"pcap_cnt":7,"event_type":"alert""#
        ));
    }

    #[test]
    fn icmp_has_no_ports() {
        let mut a = sample();
        a.proto = 1;
        a.has_ports = false;
        a.icmp = Some((8, 0));
        let v: serde_json::Value = serde_json::from_str(&render(&a, None)).unwrap();
        assert!(v.get("src_port").is_none());
        assert_eq!(v["icmp_type"], 8);
        assert_eq!(v["proto"], "ICMP");
    }
}
