//! A small HTTP/1.1 client for worker-to-worker requests (kafka-connect-spec.md §1.3, §1.6): one request per
//! connection, JSON bodies, `http://` or `https://` URLs as workers advertise them (TLS with
//! the worker's `listeners.https.*` / `ssl.*` trust settings).

use std::time::Duration;

use kconnect_api::{ConnectError, ConnectResult};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::rest::tls::ClientTls;

/// A response: status code and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body (de-chunked).
    pub body: Vec<u8>,
}

/// A parsed worker URL.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    https: bool,
    /// `host:port`.
    addr: String,
    /// The host alone (what the certificate must name).
    host: String,
    /// The base path, ending in `/`.
    base: String,
}

/// Splits `http(s)://host:port/base/` into its parts.
fn split_url(url: &str) -> ConnectResult<Target> {
    let (https, rest) = if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else {
        return Err(ConnectError::other(format!("unsupported worker URL {url}")));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.contains(']'));
    let addr = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:{}", if https { 443 } else { 80 })
    };
    let host = addr
        .rsplit_once(':')
        .map_or(addr.as_str(), |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let base = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    Ok(Target {
        https,
        addr,
        host,
        base,
    })
}

/// Percent-encodes one path segment (connector names may hold any character).
pub fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

async fn exchange_on<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    head: &str,
    body: Option<&[u8]>,
) -> std::io::Result<Vec<u8>> {
    stream.write_all(head.as_bytes()).await?;
    if let Some(b) = body {
        stream.write_all(b).await?;
    }
    stream.flush().await?;
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw).await {
        Ok(_) => Ok(raw),
        // A TLS peer that closes without close_notify after a complete response.
        Err(e) if !raw.is_empty() && e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(raw),
        Err(e) => Err(e),
    }
}

/// Sends `method` to `base_url` + `path` (relative, no leading `/`) with an optional JSON
/// body and extra headers, and reads the whole response.
pub async fn request(
    tls: Option<&ClientTls>,
    method: &str,
    base_url: &str,
    path: &str,
    body: Option<&[u8]>,
    headers: &[(&str, String)],
    timeout: Duration,
) -> ConnectResult<Response> {
    let target = split_url(base_url)?;
    let Target {
        addr, host, base, ..
    } = &target;
    let exchange = async {
        let tcp = TcpStream::connect(addr.as_str()).await?;
        let mut head = format!(
            "{method} {base}{path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nUser-Agent: kafka-connect\r\nConnection: close\r\n"
        );
        if let Some(b) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        if target.https {
            let tls = tls.ok_or_else(|| {
                std::io::Error::other(
                    "this worker has no TLS settings for https:// workers (set listeners.https.ssl.truststore.* or ssl.truststore.*)",
                )
            })?;
            let stream = tls.connect(host, tcp).await?;
            exchange_on(stream, &head, body).await
        } else {
            exchange_on(tcp, &head, body).await
        }
    };
    let raw = tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| ConnectError::other(format!("request to {base_url} timed out")))?
        .map_err(|e| ConnectError::other(format!("request to {base_url} failed: {e}")))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| ConnectError::other("malformed HTTP response"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| ConnectError::other("malformed HTTP status line"))?;
    let chunked = head
        .lines()
        .any(|l| l.to_ascii_lowercase().replace(' ', "") == "transfer-encoding:chunked");
    let rest = &raw[split + 4..];
    let body = if chunked {
        dechunk(rest).ok_or_else(|| ConnectError::other("malformed chunked body"))?
    } else {
        rest.to_vec()
    };
    Ok(Response { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_segments_and_chunks() {
        let t = split_url("http://10.0.0.1:8083/").unwrap();
        assert_eq!(
            (t.https, t.addr.as_str(), t.host.as_str(), t.base.as_str()),
            (false, "10.0.0.1:8083", "10.0.0.1", "/")
        );
        let t = split_url("http://w/ns").unwrap();
        assert_eq!((t.addr.as_str(), t.base.as_str()), ("w:80", "/ns/"));
        let t = split_url("https://[::1]:8443/").unwrap();
        assert_eq!(
            (t.https, t.addr.as_str(), t.host.as_str()),
            (true, "[::1]:8443", "::1")
        );
        assert_eq!(split_url("https://w").unwrap().addr, "w:443");
        assert!(split_url("ftp://w:1/").is_err());
        assert_eq!(encode_segment("my conn/1"), "my%20conn%2F1");
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde".to_vec()
        );
        assert_eq!(dechunk(b"zz\r\n"), None);
    }
}
