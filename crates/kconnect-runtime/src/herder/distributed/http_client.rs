//! A small HTTP/1.1 client for worker-to-worker requests (kafka-connect-spec.md §1.3, §1.6): one request per
//! connection, JSON bodies, plain `http://` URLs as workers advertise them.

use std::time::Duration;

use kconnect_api::{ConnectError, ConnectResult};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response: status code and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Body (de-chunked).
    pub body: Vec<u8>,
}

/// Splits `http://host:port/base/` into the address and the base path (ending in `/`).
fn split_url(url: &str) -> ConnectResult<(String, String)> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| ConnectError::other(format!("unsupported worker URL {url}")))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let base = if path.ends_with('/') {
        path.to_string()
    } else {
        format!("{path}/")
    };
    Ok((addr, base))
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

/// Sends `method` to `base_url` + `path` (relative, no leading `/`) with an optional JSON
/// body and extra headers, and reads the whole response.
pub async fn request(
    method: &str,
    base_url: &str,
    path: &str,
    body: Option<&[u8]>,
    headers: &[(&str, String)],
    timeout: Duration,
) -> ConnectResult<Response> {
    let (addr, base) = split_url(base_url)?;
    let exchange = async {
        let mut stream = TcpStream::connect(&addr).await?;
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
        stream.write_all(head.as_bytes()).await?;
        if let Some(b) = body {
            stream.write_all(b).await?;
        }
        stream.flush().await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
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
        assert_eq!(
            split_url("http://10.0.0.1:8083/").unwrap(),
            ("10.0.0.1:8083".to_string(), "/".to_string())
        );
        assert_eq!(
            split_url("http://w/ns").unwrap(),
            ("w:80".to_string(), "/ns/".to_string())
        );
        assert!(split_url("https://w:1/").is_err());
        assert_eq!(encode_segment("my conn/1"), "my%20conn%2F1");
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde".to_vec()
        );
        assert_eq!(dechunk(b"zz\r\n"), None);
    }
}
