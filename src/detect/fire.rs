//! What happens once a rule matched: flow variable changes, `pass`,
//! `noalert`, thresholds, and the alert record itself.

use super::engine::{CompiledRule, DetectCtx, Engine, Subject};
use super::flow_match::apply_post_match;
use super::threshold::{MatchFacts, Verdict};
use super::tx::TxSubject;
use crate::alert::{Alert, FlowSnapshot};
use crate::decode::Packet;
use crate::flow::{Direction, Flow};
use crate::rules::Action;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fired {
    Continue,
    /// A pass rule matched: the rest of the packet's alerts are dropped.
    Pass,
}

impl Engine {
    /// Applies the consequences of rule `idx` matching. `first_alert` is
    /// where this pass's alerts start in `out` (a pass rule removes them).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fire(
        &self,
        idx: u32,
        ctx: &mut DetectCtx,
        sub: &Subject<'_, '_>,
        flow: &mut Flow,
        pkt_src: &'static str,
        tx: Option<&TxSubject<'_>>,
        out: &mut Vec<Alert>,
        first_alert: usize,
    ) -> Fired {
        let cr = &self.rules[idx as usize];
        let pkt = sub.pkt;
        apply_post_match(&cr.rule, flow);
        if cr.rule.action == Action::Pass {
            out.truncate(first_alert);
            flow.passed = true;
            return Fired::Pass;
        }
        if cr.rule.noalert {
            return Fired::Continue;
        }
        let facts = MatchFacts {
            ts: pkt.ts,
            src: pkt.ip.src,
            dst: pkt.ip.dst,
            src_port: pkt.sport(),
            dst_port: pkt.dport(),
            flow_id: flow.id,
        };
        if !cr.rates.is_trivial() && ctx.thresholds.decide(idx, &cr.rates, &facts) == Verdict::Silent {
            return Fired::Continue;
        }
        flow.alerted = true;
        let mut alert = make_alert(cr, pkt, flow, sub.dir);
        alert.pkt_src = pkt_src;
        if !self.traffic_bits.is_empty() {
            let mut traffic = crate::alert::Traffic::default();
            for (bit, is_id, label) in &self.traffic_bits {
                if flow.vars.isset(*bit) {
                    if *is_id {
                        traffic.id.push(label.clone())
                    } else {
                        traffic.label.push(label.clone())
                    }
                }
            }
            if !traffic.id.is_empty() || !traffic.label.is_empty() {
                alert.traffic = Some(traffic);
            }
        }
        if let Some(t) = tx {
            alert.tx_id = Some(t.tx_id);
            alert.app_meta = t.tx.eve(t.side);
        }
        out.push(alert);
        Fired::Continue
    }
}

fn make_alert(cr: &CompiledRule, pkt: &Packet<'_>, flow: &Flow, dir: Direction) -> Alert {
    let icmp = pkt.icmp().map(|i| (i.itype, i.code));
    Alert {
        ts: pkt.ts,
        pcap_cnt: pkt.pcap_cnt,
        flow_id: flow.id,
        src_ip: pkt.ip.src,
        dest_ip: pkt.ip.dst,
        src_port: pkt.sport(),
        dest_port: pkt.dport(),
        proto: pkt.ip.proto,
        ip_version: pkt.ip.version,
        has_ports: pkt.has_ports(),
        icmp,
        vlan: pkt.vlan,
        direction: dir,
        pkt_src: pkt.pkt_src,
        signature: cr.info.clone(),
        action: "allowed",
        app_proto: flow.app_proto.map(|p| p.name()),
        tx_id: None,
        app_meta: None,
        traffic: None,
        flow: FlowSnapshot {
            pkts_toserver: flow.pkts[0],
            pkts_toclient: flow.pkts[1],
            bytes_toserver: flow.bytes[0],
            bytes_toclient: flow.bytes[1],
            start: flow.start,
            src_ip: flow.client.0,
            dest_ip: flow.server.0,
            src_port: flow.client.1,
            dest_port: flow.server.1,
        },
    }
}
