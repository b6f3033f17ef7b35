//! Hand assembly of SSH streams for the tests.

pub const CLIENT_KEX: &[u8] = b"curve25519-sha256,diffie-hellman-group14-sha256";
pub const CLIENT_ENC: &[u8] = b"aes128-ctr,chacha20-poly1305@openssh.com";
pub const CLIENT_MAC: &[u8] = b"hmac-sha2-256";
pub const CLIENT_COMP: &[u8] = b"none,zlib@openssh.com";
/// MD5 of "kex;enc;mac;comp" for the lists above.
pub const CLIENT_HASSH: &str = "4c62cbcd7d7bd5d7bab969610482f47a";

/// One unencrypted binary packet with `padding` bytes of padding.
pub fn packet(payload: &[u8], padding: u8) -> Vec<u8> {
    let len = (payload.len() + 1 + usize::from(padding)) as u32;
    let mut out = len.to_be_bytes().to_vec();
    out.push(padding);
    out.extend_from_slice(payload);
    out.extend(std::iter::repeat_n(0xAA, usize::from(padding)));
    out
}

/// A KEXINIT payload (message code included) whose c2s lists are `c2s` and s2c lists `s2c`
/// (encryption, mac, compression).
pub fn kexinit_payload(kex: &[u8], c2s: [&[u8]; 3], s2c: [&[u8]; 3]) -> Vec<u8> {
    let mut out = vec![20];
    out.extend([0x11; 16]);
    let lists: [&[u8]; 10] = [
        kex,
        b"ssh-ed25519,rsa-sha2-512",
        c2s[0],
        s2c[0],
        c2s[1],
        s2c[1],
        c2s[2],
        s2c[2],
        b"",
        b"",
    ];
    for list in lists {
        out.extend((list.len() as u32).to_be_bytes());
        out.extend_from_slice(list);
    }
    out.push(0);
    out.extend([0, 0, 0, 0]);
    out
}

pub fn client_kexinit() -> Vec<u8> {
    packet(
        &kexinit_payload(
            CLIENT_KEX,
            [CLIENT_ENC, CLIENT_MAC, CLIENT_COMP],
            [b"aes256-ctr", b"hmac-sha1", b"none"],
        ),
        7,
    )
}

pub fn server_kexinit() -> Vec<u8> {
    packet(
        &kexinit_payload(
            CLIENT_KEX,
            [b"aes128-ctr", b"hmac-sha1", b"zlib"],
            [b"aes256-gcm@openssh.com", b"hmac-sha2-512", b"none"],
        ),
        4,
    )
}

pub fn newkeys() -> Vec<u8> {
    packet(&[21], 10)
}

/// A client stream: banner, KEXINIT, a key exchange packet, NEWKEYS, then "encrypted" bytes.
pub fn client_stream() -> Vec<u8> {
    let mut out = b"SSH-2.0-OpenSSH_9.6 Debian-1\r\n".to_vec();
    out.extend(client_kexinit());
    out.extend(packet(&[30, 0, 0, 0, 32, 9, 9, 9], 6));
    out.extend(newkeys());
    out.extend([0xFF; 40]);
    out
}
