//! What happens once a rule matched: flow variable changes, `pass`,
//! `noalert`, thresholds, and the alert record itself.

use super::engine::{Engine, Subject};
use super::flow_match::apply_post_match;
use super::threshold::{MatchFacts, ThresholdState, Verdict};
use super::tx::TxSubject;
use crate::alert::Alert;
use crate::flow::Flow;
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
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fire(
        &self,
        idx: u32,
        thresholds: Option<&mut ThresholdState>,
        sub: &Subject<'_, '_>,
        flow: &mut Flow,
        pkt_src: &'static str,
        tx: Option<&TxSubject<'_>>,
        out: &mut Vec<Alert>,
        first_alert: usize,
    ) -> Fired {
        let cr = &self.rules[idx as usize];
        let pkt = sub.pkt;
        let decided = thresholds.is_some();
        apply_post_match(&cr.rule, flow);
        if cr.rule.action == Action::Pass {
            out.truncate(first_alert);
            flow.passed = true;
            return Fired::Pass;
        }
        // A noalert rule with xbits still goes to the sequencer, which
        // changes the bits in capture order and then drops it.
        let silent = cr.rule.noalert;
        if silent && cr.rule.xbits.is_empty() {
            return Fired::Continue;
        }
        // A worker alone on the traffic decides thresholds at once (in
        // capture order by construction), before building an alert it may
        // not need; with several workers the sequencer decides later.
        if !silent
            && !cr.rates.is_trivial()
            && let Some(state) = thresholds
        {
            let facts = MatchFacts {
                ts: pkt.ts,
                src: pkt.ip.src,
                dst: pkt.ip.dst,
                src_port: pkt.sport(),
                dst_port: pkt.dport(),
                flow_id: flow.id,
            };
            if state.decide(cr.info.sid, &cr.rates, &facts) == Verdict::Silent {
                return Fired::Continue;
            }
        }
        flow.alerted |= !silent;
        let mut alert = Alert::for_packet(cr.info.clone(), pkt, flow, sub.dir);
        if !cr.rule.xbits.is_empty() {
            alert.xbits = Some(cr.rule.xbits.clone());
            alert.silent = silent;
        }
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
        // Thresholds count matches across flows and workers: they are
        // applied in capture order by the sequencer (see `settle_threshold`).
        if !silent && !cr.rates.is_trivial() && !decided {
            alert.threshold = Some(super::threshold::Pending(cr.rates.clone()));
        }
        out.push(alert);
        Fired::Continue
    }
}
