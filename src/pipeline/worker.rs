//! The per-packet path: decode, follow tunnels, track the flow, detect.
//! One worker owns its decoder, flow table and detection state; nothing on
//! this path locks or allocates per packet beyond the alerts it raises.

use crate::alert::Alert;
use crate::capture::RawPacket;
use crate::config::Config;
use crate::decode::{Decoder, Packet, VlanIds};
use crate::detect::{DetectCtx, Engine};
use crate::flow::{FlowTable, StreamOptions};
use std::sync::Arc;

pub struct Worker {
    pub decoder: Decoder,
    pub flows: FlowTable,
    pub detect: DetectCtx,
    engine: Arc<Engine>,
    vlan_tracking: bool,
    /// Packets decoded to an inspectable IP layer (tunnel layers counted once).
    pub decoded: u64,
    pub tunnelled: u64,
}

impl Worker {
    pub fn new(cfg: &Config, engine: Arc<Engine>) -> Worker {
        let stream = StreamOptions {
            midstream: cfg.stream.midstream,
            async_oneside: cfg.stream.async_oneside,
        };
        Worker {
            decoder: Decoder::new(cfg.capture.checksum),
            flows: FlowTable::new(cfg.flow.max_flows, cfg.flow.timeouts, stream),
            detect: DetectCtx::new(cfg.detect.threshold_trackers),
            engine,
            vlan_tracking: cfg.flow.vlan_tracking,
            decoded: 0,
            tunnelled: 0,
        }
    }

    /// Processes one captured frame; alerts are appended to `alerts`.
    pub fn process(&mut self, raw: &RawPacket<'_>, pcap_cnt: u64, alerts: &mut Vec<Alert>) {
        let Some(mut pkt) = self.decoder.decode(raw, pcap_cnt) else {
            return;
        };
        self.decoded += 1;
        loop {
            let passed = self.inspect(&pkt, alerts);
            if passed {
                break;
            }
            match self.decoder.decode_inner(&pkt) {
                Some(inner) => {
                    self.tunnelled += 1;
                    pkt = inner;
                }
                None => break,
            }
        }
        // Ended flows carry no state that outlives them yet.
        self.flows.take_ended().for_each(drop);
    }

    fn inspect(&mut self, pkt: &Packet<'_>, alerts: &mut Vec<Alert>) -> bool {
        let (flow, dir) = if self.vlan_tracking {
            self.flows.update(pkt)
        } else {
            let mut keyed = *pkt;
            keyed.vlan = VlanIds::default();
            self.flows.update(&keyed)
        };
        self.engine.inspect(&mut self.detect, pkt, flow, dir, alerts)
    }

    /// End of input: every flow ends.
    pub fn finish(&mut self) -> usize {
        self.flows.flush().len()
    }
}
