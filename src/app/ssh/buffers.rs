//! The SSH buffers rules inspect (`ssh.proto`, `ssh.software`), from the
//! identification line of the side sending in the packet's direction.

use super::eve::eve_object;
use super::parser::SshParser;
use crate::detect::TxBuffers;
use crate::flow::Direction;
use crate::rules::buffer::{AppProto, BufferId};
use std::borrow::Cow;

impl TxBuffers for SshParser {
    fn proto(&self) -> AppProto {
        AppProto::Ssh
    }

    fn buffers<'s>(&'s self, id: BufferId, dir: Direction, out: &mut Vec<Cow<'s, [u8]>>) {
        let Some(banner) = self.banner(dir) else { return };
        match id {
            BufferId::SshProto => out.push(Cow::Borrowed(&banner.proto_version)),
            BufferId::SshSoftware => out.push(Cow::Borrowed(&banner.software_version)),
            _ => {}
        }
    }

    fn eve(&self, _dir: Direction) -> Option<(&'static str, serde_json::Value)> {
        Some(("ssh", eve_object(self)))
    }
}
