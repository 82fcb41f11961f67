//! One connection to a broker speaking the Kafka wire protocol: size-prefixed frames,
//! request headers with correlation ids, one request in flight at a time; over TLS and
//! authenticated with SASL when the worker's security settings say so.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, RequestHeader, ResponseHeader,
};
use kafka_protocol::messages::{
    SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, StrBytes};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::sasl::{Credentials, Exchange, Step};
use super::transport::{ConnectionSecurity, Stream};
use super::GroupError;

/// Largest response accepted (group responses are small; this bounds a corrupt length).
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// The versions kconnect uses of each group API, capped by what the broker supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Versions {
    pub find_coordinator: i16,
    pub join_group: i16,
    pub sync_group: i16,
    pub heartbeat: i16,
    pub leave_group: i16,
}

/// Highest versions kconnect speaks (FindCoordinator v4+ batches keys; not needed).
const CAPS: [(ApiKey, i16); 5] = [
    (ApiKey::FindCoordinator, 3),
    (ApiKey::JoinGroup, 7),
    (ApiKey::SyncGroup, 5),
    (ApiKey::Heartbeat, 4),
    (ApiKey::LeaveGroup, 4),
];

/// A broker connection.
pub(crate) struct Connection {
    stream: Box<dyn Stream>,
    addr: String,
    client_id: StrBytes,
    correlation: i32,
    timeout: Duration,
}

impl Connection {
    /// Connects to `addr` (`host:port`), over TLS and authenticated with SASL as `security`
    /// says.
    pub(crate) async fn connect(
        addr: &str,
        client_id: &str,
        timeout: Duration,
        security: &ConnectionSecurity,
    ) -> Result<Self, GroupError> {
        let stream = security.open(addr, timeout).await?;
        let mut conn = Self {
            stream,
            addr: addr.to_string(),
            client_id: StrBytes::from_string(client_id.to_string()),
            correlation: 0,
            timeout,
        };
        if let Some(credentials) = security.sasl() {
            conn.authenticate(credentials).await?;
        }
        Ok(conn)
    }

    /// SaslHandshake, then SaslAuthenticate until the mechanism's exchange completes.
    async fn authenticate(&mut self, credentials: &Credentials) -> Result<(), GroupError> {
        let mechanism = credentials.mechanism().to_string();
        // ApiVersions is allowed before the handshake only.
        let version = self.negotiate_one(ApiKey::SaslAuthenticate, 2).await?;
        let handshake: SaslHandshakeResponse = self
            .call(
                ApiKey::SaslHandshake,
                1,
                &SaslHandshakeRequest::default()
                    .with_mechanism(StrBytes::from_string(mechanism.clone())),
                None,
            )
            .await?;
        if handshake.error_code != 0 {
            let offered: Vec<&str> = handshake.mechanisms.iter().map(|m| m.as_str()).collect();
            return Err(GroupError::Auth(format!(
                "the broker at {} does not accept SASL mechanism {mechanism} on this listener (it offers {offered:?})",
                self.addr
            )));
        }
        let credentials = credentials.for_exchange().await.map_err(|e| {
            GroupError::Auth(format!(
                "SASL {mechanism} authentication with {} failed: {e}",
                self.addr
            ))
        })?;
        let mut exchange = Exchange::new(credentials);
        let mut server: Vec<u8> = Vec::new();
        loop {
            let message = match exchange.step(&server) {
                Ok(Step::Send(m)) => m,
                Ok(Step::Done) => return Ok(()),
                Err(e) => {
                    return Err(GroupError::Auth(format!(
                        "SASL {mechanism} authentication with {} failed: {e}",
                        self.addr
                    )))
                }
            };
            let answer: SaslAuthenticateResponse = self
                .call(
                    ApiKey::SaslAuthenticate,
                    version,
                    &SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(message)),
                    None,
                )
                .await?;
            if answer.error_code != 0 {
                let detail = answer
                    .error_message
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default();
                return Err(GroupError::Auth(format!(
                    "SASL {mechanism} authentication with {} failed: {detail}",
                    self.addr
                )));
            }
            server = answer.auth_bytes.to_vec();
        }
    }

    /// The broker address.
    pub(crate) fn addr(&self) -> &str {
        &self.addr
    }

    /// Sends one request and waits (at most `timeout`, or the connection's default) for its
    /// response.
    pub(crate) async fn call<Req, Resp>(
        &mut self,
        key: ApiKey,
        version: i16,
        request: &Req,
        timeout: Option<Duration>,
    ) -> Result<Resp, GroupError>
    where
        Req: Encodable + HeaderVersion,
        Resp: Decodable + HeaderVersion,
    {
        self.correlation = self.correlation.wrapping_add(1);
        let correlation = self.correlation;
        let header = RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(correlation)
            .with_client_id(Some(self.client_id.clone()));
        let mut body = BytesMut::new();
        header
            .encode(&mut body, Req::header_version(version))
            .and_then(|_| request.encode(&mut body, version))
            .map_err(|e| GroupError::Protocol(format!("cannot encode {key:?}: {e}")))?;
        let exchange = async {
            let len = u32::try_from(body.len())
                .map_err(|_| GroupError::Protocol("request too large".into()))?;
            self.stream.write_all(&len.to_be_bytes()).await?;
            self.stream.write_all(&body).await?;
            self.stream.flush().await?;
            let len = self.stream.read_u32().await? as usize;
            if len > MAX_FRAME {
                return Err(GroupError::Protocol(format!("response of {len} bytes")));
            }
            let mut frame = vec![0u8; len];
            self.stream.read_exact(&mut frame).await?;
            Ok::<_, GroupError>(Bytes::from(frame))
        };
        let wait = timeout.unwrap_or(self.timeout);
        let mut frame = tokio::time::timeout(wait, exchange)
            .await
            .map_err(|_| GroupError::Io(format!("{key:?} to {} timed out", self.addr)))??;
        let response_header = ResponseHeader::decode(&mut frame, Resp::header_version(version))
            .map_err(|e| GroupError::Protocol(format!("bad {key:?} response header: {e}")))?;
        if response_header.correlation_id != correlation {
            return Err(GroupError::Protocol(format!(
                "{key:?} response has correlation id {} instead of {correlation}",
                response_header.correlation_id
            )));
        }
        Resp::decode(&mut frame, version)
            .map_err(|e| GroupError::Protocol(format!("bad {key:?} response: {e}")))
    }

    async fn api_versions(&mut self) -> Result<ApiVersionsResponse, GroupError> {
        let response: ApiVersionsResponse = self
            .call(ApiKey::ApiVersions, 0, &ApiVersionsRequest::default(), None)
            .await?;
        if response.error_code != 0 {
            return Err(GroupError::Kafka(response.error_code, "ApiVersions".into()));
        }
        Ok(response)
    }

    /// The version of one API to use: the highest both the broker and kconnect (`cap`) speak.
    pub(crate) async fn negotiate_one(&mut self, key: ApiKey, cap: i16) -> Result<i16, GroupError> {
        let response = self.api_versions().await?;
        pick_version(&response, key, cap)
    }

    /// Asks the broker which API versions it supports and picks the highest kconnect speaks.
    pub(crate) async fn negotiate(&mut self) -> Result<Versions, GroupError> {
        let response = self.api_versions().await?;
        let pick = |key: ApiKey, cap: i16| pick_version(&response, key, cap);
        let mut v = [0i16; 5];
        for (slot, (key, cap)) in v.iter_mut().zip(CAPS) {
            *slot = pick(key, cap)?;
        }
        Ok(Versions {
            find_coordinator: v[0],
            join_group: v[1],
            sync_group: v[2],
            heartbeat: v[3],
            leave_group: v[4],
        })
    }
}

fn pick_version(response: &ApiVersionsResponse, key: ApiKey, cap: i16) -> Result<i16, GroupError> {
    let api = response
        .api_keys
        .iter()
        .find(|a| a.api_key == key as i16)
        .ok_or_else(|| GroupError::Unsupported(format!("{key:?}")))?;
    let version = api.max_version.min(cap);
    if version < api.min_version {
        return Err(GroupError::Unsupported(format!(
            "{key:?} versions {}..{}",
            api.min_version, api.max_version
        )));
    }
    Ok(version)
}

impl From<std::io::Error> for GroupError {
    fn from(e: std::io::Error) -> Self {
        GroupError::Io(e.to_string())
    }
}
