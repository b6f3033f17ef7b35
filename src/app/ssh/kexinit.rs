//! The SSH_MSG_KEXINIT name-lists and the HASSH fingerprints built from them.

use md5::{Digest, Md5};

/// Lowercase hex MD5 of `data` (the HASSH form).
fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// The algorithm name-lists of a KEXINIT, in wire order, as sent (comma-separated).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KexInit {
    pub kex_algorithms: Vec<u8>,
    pub server_host_key_algorithms: Vec<u8>,
    pub encryption_client_to_server: Vec<u8>,
    pub encryption_server_to_client: Vec<u8>,
    pub mac_client_to_server: Vec<u8>,
    pub mac_server_to_client: Vec<u8>,
    pub compression_client_to_server: Vec<u8>,
    pub compression_server_to_client: Vec<u8>,
    pub languages_client_to_server: Vec<u8>,
    pub languages_server_to_client: Vec<u8>,
    pub first_kex_packet_follows: bool,
}

/// A HASSH fingerprint: the string hashed and its MD5 in lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hassh {
    pub string: Vec<u8>,
    pub hash: String,
}

impl KexInit {
    /// Reads a KEXINIT payload following its message code: 16-byte cookie, ten name-lists, then a
    /// boolean and a reserved word (both optional here). `None` if a name-list is cut.
    pub fn parse(payload: &[u8]) -> Option<KexInit> {
        let mut rest = payload.get(16..)?;
        let mut lists: [Vec<u8>; 10] = Default::default();
        for list in &mut lists {
            let (len, tail) = rest.split_first_chunk::<4>()?;
            let len = usize::try_from(u32::from_be_bytes(*len)).ok()?;
            let bytes = tail.get(..len)?;
            *list = bytes.to_vec();
            rest = &tail[len..];
        }
        let [
            kex,
            host_key,
            enc_cs,
            enc_sc,
            mac_cs,
            mac_sc,
            comp_cs,
            comp_sc,
            lang_cs,
            lang_sc,
        ] = lists;
        Some(KexInit {
            kex_algorithms: kex,
            server_host_key_algorithms: host_key,
            encryption_client_to_server: enc_cs,
            encryption_server_to_client: enc_sc,
            mac_client_to_server: mac_cs,
            mac_server_to_client: mac_sc,
            compression_client_to_server: comp_cs,
            compression_server_to_client: comp_sc,
            languages_client_to_server: lang_cs,
            languages_server_to_client: lang_sc,
            first_kex_packet_follows: rest.first().is_some_and(|&b| b != 0),
        })
    }

    /// HASSH of a client's KEXINIT: "kex;encryption c2s;mac c2s;compression c2s".
    pub fn hassh_client(&self) -> Hassh {
        hassh(&[
            &self.kex_algorithms,
            &self.encryption_client_to_server,
            &self.mac_client_to_server,
            &self.compression_client_to_server,
        ])
    }

    /// HASSHServer of a server's KEXINIT: "kex;encryption s2c;mac s2c;compression s2c".
    pub fn hassh_server(&self) -> Hassh {
        hassh(&[
            &self.kex_algorithms,
            &self.encryption_server_to_client,
            &self.mac_server_to_client,
            &self.compression_server_to_client,
        ])
    }
}

fn hassh(parts: &[&[u8]]) -> Hassh {
    let string = parts.join(&b';');
    let hash = md5_hex(&string);
    Hassh { string, hash }
}
