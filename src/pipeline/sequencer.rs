//! The one place where state that spans flows is kept: thresholds and
//! detection filters, xbits, and the rate rules' trackers. Workers hand it,
//! packet by packet in capture order, the alerts they raised and the rate
//! matches they saw; it decides which alerts stand and which rate alerts
//! rise. The order is the capture's whatever the number of workers, so the
//! alerts are the same with one worker or many.

use crate::alert::Alert;
use crate::alert::AlertSite;
use crate::detect::threshold::ThresholdState;
use crate::detect::xbits::XbitState;
use crate::rate::{RateCounter, RateOp};

pub struct Sequencer {
    /// None while a lone worker holds it (it decides as rules match).
    pub thresholds: Option<ThresholdState>,
    pub rate: Option<RateCounter>,
    /// Host and address-pair bits, for every worker.
    pub xbits: XbitState,
}

impl Sequencer {
    pub fn new(threshold_trackers: usize, rate: Option<RateCounter>) -> Sequencer {
        Sequencer {
            thresholds: Some(ThresholdState::new(threshold_trackers)),
            rate,
            xbits: XbitState::default(),
        }
    }

    /// Settles what one packet produced: its alerts pass their thresholds
    /// or are dropped, then its rate matches (seen at `sites`) are counted.
    /// What stands is appended to `out`.
    pub fn settle(
        &mut self,
        alerts: impl IntoIterator<Item = Alert>,
        ops: impl IntoIterator<Item = RateOp>,
        sites: &[AlertSite],
        out: &mut Vec<Alert>,
    ) {
        for mut alert in alerts {
            if !self.thresholds.as_mut().is_none_or(|t| t.settle(&mut alert)) {
                continue;
            }
            if let Some(ops) = alert.xbits.take()
                && !self.xbits.apply(&ops, alert.ts, alert.src_ip, alert.dest_ip)
            {
                continue;
            }
            if !alert.silent {
                out.push(alert);
            }
        }
        if let Some(rate) = self.rate.as_mut() {
            for op in ops {
                rate.apply(op, sites, out);
            }
        }
    }
}
