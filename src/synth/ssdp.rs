//! SSDP (UPnP discovery over UDP 1900): M-SEARCH requests and the unicast "HTTP/1.1 200 OK" answers devices send.

/// SSDP's UDP port.
pub const SSDP_PORT: u16 = 1900;

/// Search targets a home gateway answers an `ssdp:all` search with, one response each.
pub const GATEWAY_SEARCH_TARGETS: [&str; 8] = [
    "upnp:rootdevice",
    "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
    "urn:schemas-upnp-org:service:Layer3Forwarding:1",
    "urn:schemas-upnp-org:device:WANDevice:1",
    "urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1",
    "urn:schemas-upnp-org:device:WANConnectionDevice:1",
    "urn:schemas-upnp-org:service:WANIPConnection:1",
    "urn:schemas-upnp-org:service:WANPPPConnection:1",
];

/// A multicast-style M-SEARCH for `st` (e.g. `ssdp:all`).
pub fn m_search(st: &str, mx: u8) -> Vec<u8> {
    format!(
        "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: {mx}\r\nST: {st}\r\n\r\n"
    )
    .into_bytes()
}

/// A device's answer to a search: where its description lives, what it is
/// (`st`) and its unique service name `uuid:<uuid>::<st>`.
pub fn search_response(location: &str, server: &str, st: &str, uuid: &str, max_age: u32) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age={max_age}\r\nEXT:\r\nLOCATION: {location}\r\nSERVER: {server}\r\n\
         ST: {st}\r\nUSN: uuid:{uuid}::{st}\r\n\r\n"
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_lines() {
        let r = search_response(
            "http://198.18.0.1:5000/rootDesc.xml",
            "Linux/4.4 UPnP/1.0 gateway/1.0",
            GATEWAY_SEARCH_TARGETS[0],
            "12345678-aaaa-bbbb-cccc-0123456789ab",
            1800,
        );
        let text = String::from_utf8(r).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n") && text.ends_with("\r\n\r\n"));
        assert!(text.contains("\r\nUSN: uuid:12345678-aaaa-bbbb-cccc-0123456789ab::upnp:rootdevice\r\n"));
        assert_eq!(text.matches("\r\n").count(), 8);
        assert!(m_search("ssdp:all", 1).starts_with(b"M-SEARCH * HTTP/1.1\r\n"));
    }
}
