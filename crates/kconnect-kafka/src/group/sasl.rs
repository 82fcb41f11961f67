//! SASL authentication of the group client's connections (Kafka's SaslHandshake then
//! SaslAuthenticate exchanges): PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (RFC 5802, as Kafka's
//! ScramSaslServer expects it) and OAUTHBEARER (RFC 7628) with an unsecured token or one
//! from an OAuth token endpoint.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use openssl::hash::{hash, MessageDigest};
use openssl::memcmp;
use openssl::pkey::PKey;
use openssl::sign::Signer;

use super::oauth::TokenSource;

/// What to authenticate with, taken from the translated client properties.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Credentials {
    /// PLAIN or SCRAM-SHA-256/512 with a user name and password.
    Password {
        mechanism: String,
        username: String,
        password: String,
    },
    /// OAUTHBEARER with an unsecured token for `subject`.
    UnsecuredToken { subject: String },
    /// OAUTHBEARER with tokens from an OAuth token endpoint (client credentials); turned into
    /// [`Credentials::Bearer`] before each exchange.
    TokenEndpoint(std::sync::Arc<TokenSource>),
    /// OAUTHBEARER with this token and these SASL extensions.
    Bearer {
        token: String,
        extensions: Vec<(String, String)>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Password {
                mechanism,
                username,
                ..
            } => write!(f, "{mechanism} as {username}"),
            Self::UnsecuredToken { subject } => write!(f, "OAUTHBEARER (unsecured) as {subject}"),
            Self::TokenEndpoint(source) => {
                write!(
                    f,
                    "OAUTHBEARER (client credentials) as {}",
                    source.client_id()
                )
            }
            Self::Bearer { .. } => write!(f, "OAUTHBEARER (token)"),
        }
    }
}

impl Credentials {
    /// The mechanism name sent in SaslHandshake.
    pub(crate) fn mechanism(&self) -> &str {
        match self {
            Self::Password { mechanism, .. } => mechanism,
            Self::UnsecuredToken { .. } | Self::TokenEndpoint(_) | Self::Bearer { .. } => {
                "OAUTHBEARER"
            }
        }
    }

    /// The credentials one exchange uses: a token from the endpoint for client
    /// credentials, the credentials themselves otherwise.
    pub(crate) async fn for_exchange(&self) -> Result<Self, String> {
        match self {
            Self::TokenEndpoint(source) => Ok(Self::Bearer {
                token: source.token().await?,
                extensions: source.extensions().to_vec(),
            }),
            other => Ok(other.clone()),
        }
    }
}

/// One client step: what to send, or the end of the exchange.
pub(crate) enum Step {
    Send(Vec<u8>),
    Done,
}

/// A client's side of one SASL exchange.
pub(crate) struct Exchange {
    credentials: Credentials,
    state: State,
}

enum State {
    Start,
    /// SCRAM: the client-first-message-bare and the client nonce.
    ScramFirstSent {
        bare: String,
        nonce: String,
    },
    /// SCRAM: the server signature expected in the server's final message.
    ScramFinalSent {
        server_signature: Vec<u8>,
    },
    /// Single-message mechanisms: waiting for the server's (empty) answer.
    Sent,
    Done,
}

fn err(msg: impl Into<String>) -> String {
    msg.into()
}

fn digest(mechanism: &str) -> MessageDigest {
    if mechanism == "SCRAM-SHA-512" {
        MessageDigest::sha512()
    } else {
        MessageDigest::sha256()
    }
}

fn hmac(md: MessageDigest, key: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    let key = PKey::hmac(key).map_err(|e| e.to_string())?;
    let mut signer = Signer::new(md, &key).map_err(|e| e.to_string())?;
    signer.update(data).map_err(|e| e.to_string())?;
    signer.sign_to_vec().map_err(|e| e.to_string())
}

/// SCRAM's `saslname`: `=` and `,` escaped.
fn sasl_name(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

fn attribute(message: &str, name: char) -> Option<&str> {
    message.split(',').find_map(|part| {
        let mut chars = part.chars();
        (chars.next() == Some(name) && chars.next() == Some('=')).then(|| &part[2..])
    })
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl Exchange {
    /// Starts an exchange.
    pub(crate) fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            state: State::Start,
        }
    }

    /// The next message to send, given the server's last answer (empty at the start).
    pub(crate) fn step(&mut self, server: &[u8]) -> Result<Step, String> {
        let state = std::mem::replace(&mut self.state, State::Done);
        match (state, &self.credentials) {
            (
                State::Start,
                Credentials::Password {
                    mechanism,
                    username,
                    password,
                },
            ) if mechanism == "PLAIN" => {
                self.state = State::Sent;
                Ok(Step::Send(format!("\0{username}\0{password}").into_bytes()))
            }
            (State::Start, Credentials::Password { username, .. }) => {
                let mut raw = [0u8; 24];
                openssl::rand::rand_bytes(&mut raw).map_err(|e| e.to_string())?;
                let nonce = STANDARD.encode(raw);
                let bare = format!("n={},r={nonce}", sasl_name(username));
                let first = format!("n,,{bare}");
                self.state = State::ScramFirstSent { bare, nonce };
                Ok(Step::Send(first.into_bytes()))
            }
            (
                State::ScramFirstSent { bare, nonce },
                Credentials::Password {
                    mechanism,
                    password,
                    ..
                },
            ) => {
                let server_first = std::str::from_utf8(server)
                    .map_err(|_| err("the server's SCRAM message is not UTF-8"))?;
                if let Some(e) = attribute(server_first, 'e') {
                    return Err(format!("the broker refused the SCRAM exchange: {e}"));
                }
                let combined = attribute(server_first, 'r').ok_or("no nonce from the broker")?;
                if !combined.starts_with(&nonce) {
                    return Err(err("the broker's SCRAM nonce does not extend ours"));
                }
                let salt = STANDARD
                    .decode(attribute(server_first, 's').ok_or("no salt from the broker")?)
                    .map_err(|_| err("the broker's SCRAM salt is not base64"))?;
                let iterations: usize = attribute(server_first, 'i')
                    .and_then(|i| i.parse().ok())
                    .filter(|i| *i > 0)
                    .ok_or("no iteration count from the broker")?;
                let md = digest(mechanism);
                let mut salted = vec![0u8; md.size()];
                openssl::pkcs5::pbkdf2_hmac(
                    password.as_bytes(),
                    &salt,
                    iterations,
                    md,
                    &mut salted,
                )
                .map_err(|e| e.to_string())?;
                let client_key = hmac(md, &salted, b"Client Key")?;
                let stored_key = hash(md, &client_key).map_err(|e| e.to_string())?;
                let without_proof = format!("c=biws,r={combined}");
                let auth_message = format!("{bare},{server_first},{without_proof}");
                let signature = hmac(md, &stored_key, auth_message.as_bytes())?;
                let proof: Vec<u8> = client_key
                    .iter()
                    .zip(&signature)
                    .map(|(a, b)| a ^ b)
                    .collect();
                let server_key = hmac(md, &salted, b"Server Key")?;
                let server_signature = hmac(md, &server_key, auth_message.as_bytes())?;
                self.state = State::ScramFinalSent { server_signature };
                Ok(Step::Send(
                    format!("{without_proof},p={}", STANDARD.encode(proof)).into_bytes(),
                ))
            }
            (State::ScramFinalSent { server_signature }, _) => {
                let server_final = std::str::from_utf8(server)
                    .map_err(|_| err("the server's SCRAM message is not UTF-8"))?;
                if let Some(e) = attribute(server_final, 'e') {
                    return Err(format!("the broker refused the SCRAM proof: {e}"));
                }
                let verifier = STANDARD
                    .decode(attribute(server_final, 'v').ok_or("no server signature")?)
                    .map_err(|_| err("the server signature is not base64"))?;
                if verifier.len() != server_signature.len()
                    || !memcmp::eq(&verifier, &server_signature)
                {
                    return Err(err("the broker's SCRAM signature is wrong: it does not know this user's credentials"));
                }
                Ok(Step::Done)
            }
            (State::Start, Credentials::UnsecuredToken { subject }) => {
                let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
                let now = now_s();
                let claims = serde_free_json(subject, now, now + 3600);
                let token = format!("{header}.{}.", URL_SAFE_NO_PAD.encode(claims));
                self.state = State::Sent;
                Ok(Step::Send(
                    format!("n,,\u{1}auth=Bearer {token}\u{1}\u{1}").into_bytes(),
                ))
            }
            (State::Start, Credentials::Bearer { token, extensions }) => {
                self.state = State::Sent;
                // RFC 7628: key=value pairs after the token, each ended by ^A.
                let extra: String = extensions
                    .iter()
                    .map(|(k, v)| format!("{k}={v}\u{1}"))
                    .collect();
                Ok(Step::Send(
                    format!("n,,\u{1}auth=Bearer {token}\u{1}{extra}\u{1}").into_bytes(),
                ))
            }
            (State::Start, Credentials::TokenEndpoint(_)) => {
                Err(err("no token was fetched for this exchange"))
            }
            (State::Sent, _) => Ok(Step::Done),
            (State::Done, _) => Ok(Step::Done),
            (
                State::ScramFirstSent { .. },
                Credentials::UnsecuredToken { .. }
                | Credentials::TokenEndpoint(_)
                | Credentials::Bearer { .. },
            ) => Err(err("unexpected SASL state")),
        }
    }
}

/// The claims of an unsecured token: subject, issued-at and expiry (seconds).
fn serde_free_json(subject: &str, iat: u64, exp: u64) -> String {
    let escaped: String = subject
        .chars()
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c => vec![c],
        })
        .collect();
    format!(r#"{{"sub":"{escaped}","iat":{iat},"exp":{exp}}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677's SCRAM-SHA-256 example, with its nonces.
    #[test]
    fn scram_sha_256_matches_rfc_7677() {
        let mut x = Exchange::new(Credentials::Password {
            mechanism: "SCRAM-SHA-256".into(),
            username: "user".into(),
            password: "pencil".into(),
        });
        x.state = State::ScramFirstSent {
            bare: "n=user,r=rOprNGfwEbeRWgbNEkqO".into(),
            nonce: "rOprNGfwEbeRWgbNEkqO".into(),
        };
        let server_first =
            b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let Step::Send(final_message) = x.step(server_first).unwrap() else {
            panic!("no final message");
        };
        assert_eq!(
            String::from_utf8(final_message).unwrap(),
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert!(matches!(
            x.step(b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
                .unwrap(),
            Step::Done
        ));
    }

    #[test]
    fn a_wrong_server_signature_is_refused() {
        let mut x = Exchange::new(Credentials::Password {
            mechanism: "SCRAM-SHA-256".into(),
            username: "user".into(),
            password: "pencil".into(),
        });
        x.state = State::ScramFinalSent {
            server_signature: vec![1, 2, 3],
        };
        assert!(x.step(b"v=AQID").is_ok());
        x.state = State::ScramFinalSent {
            server_signature: vec![1, 2, 3],
        };
        assert!(x.step(b"v=AQIE").is_err());
    }

    #[test]
    fn plain_and_names() {
        let mut x = Exchange::new(Credentials::Password {
            mechanism: "PLAIN".into(),
            username: "u".into(),
            password: "p".into(),
        });
        assert!(matches!(x.step(b"").unwrap(), Step::Send(m) if m == b"\0u\0p"));
        assert_eq!(sasl_name("a=b,c"), "a=3Db=2Cc");
    }
}
