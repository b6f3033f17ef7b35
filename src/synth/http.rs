//! HTTP/1.1 request and response messages as raw bytes.

/// A GET request with Host, User-Agent, Accept and Connection headers,
/// followed by any extra headers in order.
pub fn get_request(host: &str, path: &str, user_agent: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {user_agent}\r\nAccept: */*\r\n\
         Accept-Encoding: identity\r\nConnection: keep-alive\r\n"
    );
    for (name, value) in extra {
        s.push_str(&format!("{name}: {value}\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

/// A POST request with Host, User-Agent, Accept, Content-Type, an exact
/// Content-Length and Connection headers, any extra headers, then `body`.
pub fn post_request(
    host: &str,
    path: &str,
    user_agent: &str,
    content_type: &str,
    body: &[u8],
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let mut s = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {user_agent}\r\nAccept: */*\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: keep-alive\r\n",
        body.len()
    );
    for (name, value) in extra {
        s.push_str(&format!("{name}: {value}\r\n"));
    }
    s.push_str("\r\n");
    let mut out = s.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A response with Server, Content-Type and an exact Content-Length.
pub fn response(status: u16, reason: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nServer: nginx\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: keep-alive\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A small HTML page with the given title and paragraph.
pub fn html_page(title: &str, text: &str) -> Vec<u8> {
    format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n<body><h1>{title}</h1><p>{text}</p></body></html>\n"
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{HttpMessage, parse_http_stream};
    use super::*;

    #[test]
    fn request_and_response_framing() {
        let req = get_request("example.com", "/a?b=c", "curl/8.5.0", &[("Cookie", "x=1")]);
        assert!(req.starts_with(b"GET /a?b=c HTTP/1.1\r\nHost: example.com\r\n"));
        let body = html_page("Hi", "there");
        let mut stream = response(200, "OK", "text/html", &body);
        stream.extend_from_slice(&response(404, "Not Found", "text/plain", b"no"));
        let msgs = parse_http_stream(&stream).unwrap();
        assert_eq!(msgs.len(), 2);
        assert!(
            matches!(&msgs[0], HttpMessage::Response { status: 200, body: b, headers } if *b == body && headers[0].0 == "Server")
        );
        let reqs = parse_http_stream(&req).unwrap();
        assert!(matches!(&reqs[0], HttpMessage::Request { method, .. } if method == "GET"));
        let post = post_request(
            "example.com",
            "/login",
            "curl/8.5.0",
            "text/plain",
            b"a=b",
            &[("X", "y")],
        );
        assert!(post.starts_with(b"POST /login HTTP/1.1\r\nHost: example.com\r\n"));
        let msgs = parse_http_stream(&post).unwrap();
        assert!(
            matches!(&msgs[0], HttpMessage::Request { method, body, headers, .. } if method == "POST" && body == b"a=b" && headers.len() == 7)
        );
    }
}
