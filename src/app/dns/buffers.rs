//! The DNS buffers rules inspect (`dns.query`), from one transaction.

use super::eve::eve_object_for;
use super::parser::DnsTx;
use crate::detect::TxBuffers;
use crate::flow::Direction;
use crate::rules::buffer::{AppProto, BufferId};
use std::borrow::Cow;

impl TxBuffers for DnsTx {
    fn proto(&self) -> AppProto {
        AppProto::Dns
    }

    fn buffers<'s>(&'s self, id: BufferId, _dir: Direction, out: &mut Vec<Cow<'s, [u8]>>) {
        if id == BufferId::DnsQuery {
            out.extend(self.query_names().map(Cow::Borrowed));
        }
    }

    fn dns_query_types(&self) -> Vec<u16> {
        self.request
            .iter()
            .flat_map(|m| m.questions.iter().map(|q| q.qtype))
            .collect()
    }

    fn eve(&self, dir: Direction) -> Option<(&'static str, serde_json::Value)> {
        Some(("dns", eve_object_for(self, dir)))
    }
}
