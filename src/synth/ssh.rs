//! SSH transport bytes (RFC 4253): identification lines, binary packets, KEXINIT, ECDH key exchange and opaque encrypted packets.

use super::rng::Rng;

pub const MSG_KEXINIT: u8 = 20;
pub const MSG_NEWKEYS: u8 = 21;
pub const MSG_KEX_ECDH_INIT: u8 = 30;
pub const MSG_KEX_ECDH_REPLY: u8 = 31;

/// Cipher block size used to pad plaintext packets.
const BLOCK: usize = 8;
/// Authentication tag appended to encrypted packets (AES-GCM style).
const TAG_LEN: usize = 16;

const KEX: &str = "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256";
const HOST_KEYS: &str = "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256";
const CIPHERS: &str = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr";
const MACS: &str = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,hmac-sha2-256";
const COMPRESSION: &str = "none,zlib@openssh.com";

/// The identification line `SSH-2.0-<software>\r\n`.
pub fn identification(software: &str) -> Vec<u8> {
    format!("SSH-2.0-{software}\r\n").into_bytes()
}

fn push_string(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(data);
}

/// An unencrypted binary packet: length, padding length, payload and at
/// least 4 bytes of random padding up to a multiple of the block size.
pub fn binary_packet(rng: &mut Rng, payload: &[u8]) -> Vec<u8> {
    let unpadded = 4 + 1 + payload.len();
    let mut padding = BLOCK - unpadded % BLOCK;
    if padding < 4 {
        padding += BLOCK;
    }
    let mut out = Vec::with_capacity(unpadded + padding);
    out.extend_from_slice(&((1 + payload.len() + padding) as u32).to_be_bytes());
    out.push(padding as u8);
    out.extend_from_slice(payload);
    out.extend_from_slice(&rng.byte_vec(padding));
    out
}

/// KEXINIT payload: random cookie, the ten algorithm name-lists (the same
/// lists both ways), no guessed packet, reserved zero.
pub fn kexinit(rng: &mut Rng) -> Vec<u8> {
    let mut out = vec![MSG_KEXINIT];
    out.extend_from_slice(&rng.byte_vec(16));
    for list in [
        KEX,
        HOST_KEYS,
        CIPHERS,
        CIPHERS,
        MACS,
        MACS,
        COMPRESSION,
        COMPRESSION,
        "",
        "",
    ] {
        push_string(&mut out, list.as_bytes());
    }
    out.push(0);
    out.extend_from_slice(&0u32.to_be_bytes());
    out
}

/// Client's ECDH_INIT payload with a random 32-byte public key.
pub fn ecdh_init(rng: &mut Rng) -> Vec<u8> {
    let mut out = vec![MSG_KEX_ECDH_INIT];
    push_string(&mut out, &rng.byte_vec(32));
    out
}

/// Server's ECDH_REPLY payload: an Ed25519 host key, its ephemeral key and a signature.
pub fn ecdh_reply(rng: &mut Rng, host_key: &[u8; 32]) -> Vec<u8> {
    let mut key_blob = Vec::new();
    push_string(&mut key_blob, b"ssh-ed25519");
    push_string(&mut key_blob, host_key);
    let mut sig_blob = Vec::new();
    push_string(&mut sig_blob, b"ssh-ed25519");
    push_string(&mut sig_blob, &rng.byte_vec(64));
    let mut out = vec![MSG_KEX_ECDH_REPLY];
    push_string(&mut out, &key_blob);
    push_string(&mut out, &rng.byte_vec(32));
    push_string(&mut out, &sig_blob);
    out
}

/// NEWKEYS payload.
pub fn newkeys() -> Vec<u8> {
    vec![MSG_NEWKEYS]
}

/// An encrypted packet whose plaintext would be about `plain_len` bytes: the
/// clear length field, random ciphertext in whole 16-byte blocks, and a tag.
pub fn encrypted_packet(rng: &mut Rng, plain_len: usize) -> Vec<u8> {
    let body = (plain_len + 1 + 4).div_ceil(16) * 16;
    let mut out = Vec::with_capacity(4 + body + TAG_LEN);
    out.extend_from_slice(&(body as u32).to_be_bytes());
    out.extend_from_slice(&rng.byte_vec(body + TAG_LEN));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn be32(b: &[u8]) -> usize {
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
    }

    #[test]
    fn packets_are_framed() {
        let mut rng = Rng::new(1);
        assert_eq!(identification("OpenSSH_9.6"), b"SSH-2.0-OpenSSH_9.6\r\n");
        let kex = kexinit(&mut rng);
        let p = binary_packet(&mut rng, &kex);
        assert_eq!(p.len() % BLOCK, 0);
        assert_eq!(be32(&p) + 4, p.len());
        let pad = usize::from(p[4]);
        assert!(pad >= 4);
        assert_eq!(&p[5..p.len() - pad], &kex[..]);
        // Name-lists: walk all ten, then the boolean and reserved word.
        let mut at = 17;
        let mut lists = Vec::new();
        for _ in 0..10 {
            let len = be32(&kex[at..]);
            lists.push(String::from_utf8(kex[at + 4..at + 4 + len].to_vec()).unwrap());
            at += 4 + len;
        }
        assert_eq!(at + 5, kex.len());
        assert!(lists[0].starts_with("curve25519-sha256"));
        let e = encrypted_packet(&mut rng, 60);
        assert_eq!(be32(&e) % 16, 0);
        assert_eq!(e.len(), 4 + be32(&e) + TAG_LEN);
        let reply = ecdh_reply(&mut rng, &[7; 32]);
        assert_eq!(reply[0], MSG_KEX_ECDH_REPLY);
        assert_eq!(be32(&reply[1..]), 4 + 11 + 4 + 32);
    }
}
