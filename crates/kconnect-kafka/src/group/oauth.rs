//! OAuth client credentials for the group client's OAUTHBEARER connections (KIP-768): a token
//! is asked of the token endpoint with the client's id and secret (HTTP Basic, as Java sends
//! them), kept until shortly before it expires, and sent as the bearer token.

use std::time::{Duration, Instant};

use base64::Engine;
use tokio::sync::Mutex;

/// How long before its expiry a token is replaced (Java refreshes at 80% of its life; a
/// fixed margin suits the group client, which authenticates once per connection).
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// Largest wait for the token endpoint.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A token endpoint and the client's credentials.
pub(crate) struct TokenSource {
    endpoint: String,
    client_id: String,
    client_secret: String,
    scope: Option<String>,
    /// SASL extensions (`extension_<name>` JAAS options), sent with the token.
    extensions: Vec<(String, String)>,
    cached: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl PartialEq for TokenSource {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.endpoint,
            &self.client_id,
            &self.client_secret,
            &self.scope,
        ) == (
            &other.endpoint,
            &other.client_id,
            &other.client_secret,
            &other.scope,
        )
    }
}

impl Eq for TokenSource {}

/// `application/x-www-form-urlencoded` encoding of one value (Java's `URLEncoder`).
fn form(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl TokenSource {
    /// A source for `endpoint` with these credentials.
    pub(crate) fn new(
        endpoint: &str,
        client_id: &str,
        client_secret: &str,
        scope: Option<&str>,
    ) -> Self {
        Self {
            endpoint: endpoint.to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            scope: scope.map(str::to_string),
            extensions: Vec::new(),
            cached: Mutex::new(None),
        }
    }

    /// The same source, sending `extensions` (librdkafka's `sasl.oauthbearer.extensions`,
    /// `k=v,k=v`) with each token.
    pub(crate) fn with_extensions(mut self, extensions: Option<&str>) -> Self {
        self.extensions = extensions
            .unwrap_or_default()
            .split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        self
    }

    /// The SASL extensions to send with the token.
    pub(crate) fn extensions(&self) -> &[(String, String)] {
        &self.extensions
    }

    /// The client id (for messages).
    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    /// A token valid for at least a minute more, asked of the endpoint when needed.
    pub(crate) async fn token(&self) -> Result<String, String> {
        let mut cached = self.cached.lock().await;
        if let Some((token, until)) = cached.as_ref() {
            if Instant::now() + EXPIRY_MARGIN < *until {
                return Ok(token.clone());
            }
        }
        let (token, lifetime) = self.fetch().await?;
        *cached = Some((token.clone(), Instant::now() + lifetime));
        Ok(token)
    }

    async fn fetch(&self) -> Result<(String, Duration), String> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot create an HTTP client: {e}"))?;
        // Java sends the id and secret as they are (by default: without
        // sasl.oauthbearer.header.urlencode, which kconnect refuses), as librdkafka does.
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.client_id, self.client_secret));
        let mut body = "grant_type=client_credentials".to_string();
        if let Some(scope) = &self.scope {
            body.push_str(&format!("&scope={}", form(scope)));
        }
        let response = client
            .post(&self.endpoint)
            .header("Authorization", format!("Basic {basic}"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "the token endpoint {} cannot be reached: {e}",
                    self.endpoint
                )
            })?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| format!("reading the token endpoint's answer failed: {e}"))?;
        if !status.is_success() {
            return Err(format!(
                "the token endpoint {} refused client {} ({status})",
                self.endpoint, self.client_id
            ));
        }
        let json: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("the token endpoint's answer is not JSON: {e}"))?;
        let token = json
            .get("access_token")
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .ok_or("the token endpoint's answer has no access_token")?;
        let lifetime = json
            .get("expires_in")
            .and_then(serde_json::Value::as_u64)
            .map_or(Duration::from_secs(3600), Duration::from_secs);
        Ok((token.to_string(), lifetime))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_matches_javas_url_encoder() {
        assert_eq!(form("a b+c/d:e~"), "a+b%2Bc%2Fd%3Ae%7E");
        assert_eq!(form("plain-id_1.x*"), "plain-id_1.x*");
    }
}
