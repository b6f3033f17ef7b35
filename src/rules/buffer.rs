//! Inspection buffers: the names rules use for them (sticky buffers and the
//! legacy content modifiers), which application protocol provides each, and
//! in which direction.

/// An application-layer buffer a rule can inspect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BufferId {
    HttpUri,
    HttpUriRaw,
    HttpMethod,
    HttpProtocol,
    HttpRequestLine,
    HttpHost,
    HttpHostRaw,
    HttpUserAgent,
    HttpCookie,
    HttpReferer,
    HttpAccept,
    HttpAcceptEnc,
    HttpAcceptLang,
    HttpConnection,
    HttpContentType,
    HttpContentLen,
    /// Request or response headers, by direction (normalised: name, ": ", value, CRLF).
    HttpHeader,
    HttpHeaderRaw,
    HttpHeaderNames,
    /// One buffer per request header line (`Name: value`).
    HttpRequestHeader,
    HttpResponseHeader,
    HttpStart,
    HttpRequestBody,
    HttpStatCode,
    HttpStatMsg,
    HttpResponseLine,
    HttpLocation,
    HttpServer,
    HttpResponseBody,
    /// Message bodies (responses, and requests in the to-server direction).
    FileData,
    DnsQuery,
    TlsSni,
    TlsCertSubject,
    TlsCertIssuer,
    TlsCertSerial,
    TlsCertFingerprint,
    /// One buffer per certificate (DER).
    TlsCerts,
    Ja3Hash,
    Ja3String,
    Ja3sHash,
    Ja3sString,
    Ja4Hash,
    SshProto,
    SshSoftware,
}

/// Application protocols vigie identifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AppProto {
    Http,
    Tls,
    Dns,
    Ssh,
    Smtp,
    Ftp,
    Smb,
    Dcerpc,
}

impl AppProto {
    pub const ALL: [AppProto; 8] = [
        AppProto::Http,
        AppProto::Tls,
        AppProto::Dns,
        AppProto::Ssh,
        AppProto::Smtp,
        AppProto::Ftp,
        AppProto::Smb,
        AppProto::Dcerpc,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AppProto::Http => "http",
            AppProto::Tls => "tls",
            AppProto::Dns => "dns",
            AppProto::Ssh => "ssh",
            AppProto::Smtp => "smtp",
            AppProto::Ftp => "ftp",
            AppProto::Smb => "smb",
            AppProto::Dcerpc => "dcerpc",
        }
    }

    /// Protocol names in rule headers and `app-layer-protocol`, with the
    /// aliases rule sets use.
    pub fn parse(s: &str) -> Option<AppProto> {
        Some(match s.to_ascii_lowercase().as_str() {
            "http" | "http1" => AppProto::Http,
            "tls" | "ssl" => AppProto::Tls,
            "dns" => AppProto::Dns,
            "ssh" => AppProto::Ssh,
            "smtp" => AppProto::Smtp,
            "ftp" | "ftp-data" => AppProto::Ftp,
            "smb" => AppProto::Smb,
            "dcerpc" => AppProto::Dcerpc,
            _ => return None,
        })
    }
}

/// Which way the data of a buffer travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufferSide {
    ToServer,
    ToClient,
    Either,
}

impl BufferId {
    /// Sticky buffer keyword (and its aliases) to buffer.
    pub fn from_sticky(name: &str) -> Option<BufferId> {
        use BufferId::*;
        Some(match name {
            "http.uri" => HttpUri,
            "http.uri.raw" => HttpUriRaw,
            "http.method" => HttpMethod,
            "http.protocol" | "http_protocol" => HttpProtocol,
            "http.request_line" | "http_request_line" => HttpRequestLine,
            "http.host" => HttpHost,
            "http.host.raw" => HttpHostRaw,
            "http.user_agent" => HttpUserAgent,
            "http.cookie" => HttpCookie,
            "http.referer" | "http_referer" => HttpReferer,
            "http.accept" | "http_accept" => HttpAccept,
            "http.accept_enc" | "http_accept_enc" => HttpAcceptEnc,
            "http.accept_lang" | "http_accept_lang" => HttpAcceptLang,
            "http.connection" | "http_connection" => HttpConnection,
            "http.content_type" | "http_content_type" => HttpContentType,
            "http.content_len" | "http_content_len" => HttpContentLen,
            "http.header" => HttpHeader,
            "http.header.raw" => HttpHeaderRaw,
            "http.header_names" | "http_header_names" => HttpHeaderNames,
            "http.request_header" => HttpRequestHeader,
            "http.response_header" => HttpResponseHeader,
            "http.start" | "http_start" => HttpStart,
            "http.request_body" => HttpRequestBody,
            "http.stat_code" => HttpStatCode,
            "http.stat_msg" => HttpStatMsg,
            "http.response_line" | "http_response_line" => HttpResponseLine,
            "http.location" => HttpLocation,
            "http.server" => HttpServer,
            "http.response_body" => HttpResponseBody,
            "file.data" | "file_data" => FileData,
            "dns.query" | "dns_query" => DnsQuery,
            "tls.sni" | "tls_sni" => TlsSni,
            "tls.cert_subject" | "tls_cert_subject" => TlsCertSubject,
            "tls.cert_issuer" | "tls_cert_issuer" => TlsCertIssuer,
            "tls.cert_serial" | "tls_cert_serial" => TlsCertSerial,
            "tls.cert_fingerprint" | "tls_cert_fingerprint" | "tls.fingerprint" => TlsCertFingerprint,
            "tls.certs" => TlsCerts,
            "ja3.hash" | "ja3_hash" => Ja3Hash,
            "ja3.string" | "ja3_string" => Ja3String,
            "ja3s.hash" | "ja3s_hash" => Ja3sHash,
            "ja3s.string" | "ja3s_string" => Ja3sString,
            "ja4.hash" | "ja4_hash" => Ja4Hash,
            "ssh.proto" | "ssh_proto" => SshProto,
            "ssh.software" | "ssh_software" => SshSoftware,
            _ => return None,
        })
    }

    /// Legacy content modifiers that move the preceding content into a buffer.
    pub fn from_content_modifier(name: &str) -> Option<BufferId> {
        use BufferId::*;
        Some(match name {
            "http_uri" => HttpUri,
            "http_raw_uri" => HttpUriRaw,
            "http_method" => HttpMethod,
            "http_header" => HttpHeader,
            "http_raw_header" => HttpHeaderRaw,
            "http_cookie" => HttpCookie,
            "http_user_agent" => HttpUserAgent,
            "http_host" => HttpHost,
            "http_raw_host" => HttpHostRaw,
            "http_client_body" => HttpRequestBody,
            "http_server_body" => HttpResponseBody,
            "http_stat_code" => HttpStatCode,
            "http_stat_msg" => HttpStatMsg,
            _ => return None,
        })
    }

    /// The buffer a pcre modifier letter selects.
    pub fn from_pcre_modifier(c: char) -> Option<BufferId> {
        use BufferId::*;
        Some(match c {
            'U' => HttpUri,
            'I' => HttpUriRaw,
            'P' => HttpRequestBody,
            'Q' => FileData,
            'H' => HttpHeader,
            'D' => HttpHeaderRaw,
            'M' => HttpMethod,
            'C' => HttpCookie,
            'S' => HttpStatCode,
            'Y' => HttpStatMsg,
            'V' => HttpUserAgent,
            'W' => HttpHost,
            'Z' => HttpHostRaw,
            'K' => HttpHeader,
            _ => return None,
        })
    }

    pub fn proto(self) -> AppProto {
        use BufferId::*;
        match self {
            DnsQuery => AppProto::Dns,
            TlsSni | TlsCertSubject | TlsCertIssuer | TlsCertSerial | TlsCertFingerprint | TlsCerts | Ja3Hash
            | Ja3String | Ja3sHash | Ja3sString | Ja4Hash => AppProto::Tls,
            SshProto | SshSoftware => AppProto::Ssh,
            _ => AppProto::Http,
        }
    }

    pub fn side(self) -> BufferSide {
        use BufferId::*;
        match self {
            HttpUri | HttpUriRaw | HttpMethod | HttpRequestLine | HttpHost | HttpHostRaw | HttpUserAgent
            | HttpReferer | HttpAccept | HttpAcceptEnc | HttpAcceptLang | HttpRequestHeader | HttpRequestBody
            | DnsQuery | TlsSni | Ja3Hash | Ja3String | Ja4Hash => BufferSide::ToServer,
            HttpStatCode | HttpStatMsg | HttpResponseLine | HttpLocation | HttpServer | HttpResponseHeader
            | HttpResponseBody | TlsCertSubject | TlsCertIssuer | TlsCertSerial | TlsCertFingerprint | TlsCerts
            | Ja3sHash | Ja3sString => BufferSide::ToClient,
            HttpProtocol | HttpCookie | HttpConnection | HttpContentType | HttpContentLen | HttpHeader
            | HttpHeaderRaw | HttpHeaderNames | HttpStart | FileData | SshProto | SshSoftware => BufferSide::Either,
        }
    }

    /// The buffer that holds the same bytes as this one in every
    /// transaction, seen from `side`: in HTTP, `file_data` is the body of
    /// the message travelling that way. Rules on either are then
    /// prefiltered in one scan of those bytes.
    pub fn same_bytes_as(self, side: BufferSide) -> BufferId {
        match (self, side) {
            (BufferId::HttpResponseBody, BufferSide::ToClient) | (BufferId::HttpRequestBody, BufferSide::ToServer) => {
                BufferId::FileData
            }
            _ => self,
        }
    }

    /// Buffers that are only complete once the whole message is in.
    pub fn needs_complete_message(self) -> bool {
        matches!(
            self,
            BufferId::HttpRequestBody | BufferId::HttpResponseBody | BufferId::FileData
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        assert_eq!(BufferId::from_sticky("http.uri"), Some(BufferId::HttpUri));
        assert_eq!(BufferId::from_sticky("file_data"), Some(BufferId::FileData));
        assert_eq!(
            BufferId::from_sticky("tls.fingerprint"),
            Some(BufferId::TlsCertFingerprint)
        );
        assert_eq!(
            BufferId::from_content_modifier("http_client_body"),
            Some(BufferId::HttpRequestBody)
        );
        assert_eq!(BufferId::from_pcre_modifier('U'), Some(BufferId::HttpUri));
        assert_eq!(BufferId::from_sticky("nope"), None);
        assert_eq!(BufferId::DnsQuery.proto(), AppProto::Dns);
        assert_eq!(BufferId::HttpStatCode.side(), BufferSide::ToClient);
        assert_eq!(AppProto::parse("SSL"), Some(AppProto::Tls));
    }
}
