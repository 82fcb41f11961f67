//! Signed internal requests between workers (kafka-connect-spec.md §1.6, KIP-507): the leader's session key
//! MACs the exact request body; the signature travels Base64-encoded in
//! `X-Connect-Authorization`, the algorithm name in `X-Connect-Request-Signature-Algorithm`.

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha384, Sha512};
use thiserror::Error;

/// Header carrying the Base64 MAC of the body.
pub const SIGNATURE_HEADER: &str = "X-Connect-Authorization";
/// Header naming the MAC algorithm.
pub const ALGORITHM_HEADER: &str = "X-Connect-Request-Signature-Algorithm";
/// Java's default `inter.worker.key.generation.algorithm` and signature algorithm.
pub const DEFAULT_ALGORITHM: &str = "HmacSHA256";

/// Why a request could not be signed or did not verify, with Java's HTTP status.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum SigningError {
    /// The algorithm is not one kconnect implements (400).
    #[error("Unknown MAC algorithm {0}")]
    UnknownAlgorithm(String),
    /// The signature header is not valid Base64 (400).
    #[error("Internal request signature is not valid Base64")]
    Malformed,
    /// The signature does not match the body (403).
    #[error("Internal request contained invalid signature.")]
    Mismatch,
    /// The operating system gave no random bytes for a new session key.
    #[error("no random bytes from the operating system for a session key: {0}")]
    Random(String),
}

impl SigningError {
    /// The HTTP status Java answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Mismatch => 403,
            _ => 400,
        }
    }
}

fn mac(key: &[u8], algorithm: &str, body: &[u8]) -> Result<Vec<u8>, SigningError> {
    fn run<M: Mac + KeyInit>(key: &[u8], body: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of any length, so this cannot fail.
        match <M as KeyInit>::new_from_slice(key) {
            Ok(mut m) => {
                m.update(body);
                m.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    }
    match algorithm {
        "HmacSHA256" => Ok(run::<Hmac<Sha256>>(key, body)),
        "HmacSHA384" => Ok(run::<Hmac<Sha384>>(key, body)),
        "HmacSHA512" => Ok(run::<Hmac<Sha512>>(key, body)),
        other => Err(SigningError::UnknownAlgorithm(other.to_string())),
    }
}

/// The `X-Connect-Authorization` value for `body` (standard, padded Base64 of the MAC).
pub fn sign(key: &[u8], algorithm: &str, body: &[u8]) -> Result<String, SigningError> {
    Ok(base64::engine::general_purpose::STANDARD.encode(mac(key, algorithm, body)?))
}

/// Checks a received signature over the raw body bytes, in constant time (the MAC crate's
/// own comparison).
pub fn verify(
    key: &[u8],
    algorithm: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), SigningError> {
    fn check<M: Mac + KeyInit>(key: &[u8], body: &[u8], given: &[u8]) -> Result<(), SigningError> {
        let mut m = <M as KeyInit>::new_from_slice(key).map_err(|_| SigningError::Mismatch)?;
        m.update(body);
        m.verify_slice(given).map_err(|_| SigningError::Mismatch)
    }
    let given = base64::engine::general_purpose::STANDARD
        .decode(signature.trim())
        .map_err(|_| SigningError::Malformed)?;
    match algorithm {
        "HmacSHA256" => check::<Hmac<Sha256>>(key, body, &given),
        "HmacSHA384" => check::<Hmac<Sha384>>(key, body, &given),
        "HmacSHA512" => check::<Hmac<Sha512>>(key, body, &given),
        other => Err(SigningError::UnknownAlgorithm(other.to_string())),
    }
}

/// A new random session key: `bits` long, or the JVM's default for the algorithm (the
/// digest's output size: 256 bits for HmacSHA256).
pub fn generate_key(algorithm: &str, bits: Option<u32>) -> Result<Vec<u8>, SigningError> {
    let default_bits = match algorithm {
        "HmacSHA256" => 256,
        "HmacSHA384" => 384,
        "HmacSHA512" => 512,
        other => return Err(SigningError::UnknownAlgorithm(other.to_string())),
    };
    let len = (bits.unwrap_or(default_bits) as usize).div_ceil(8).max(1);
    let mut key = vec![0u8; len];
    getrandom::fill(&mut key).map_err(|e| SigningError::Random(e.to_string()))?;
    Ok(key)
}

/// Whether the leader must write a new session key: none yet, it expired
/// (`creation + inter.worker.key.ttl.ms`), or its algorithm or size differs from the
/// configured ones.
pub fn key_is_due(
    current: Option<&crate::storage::config_records::SessionKey>,
    algorithm: &str,
    bits: Option<u32>,
    ttl_ms: u64,
    now_ms: i64,
) -> bool {
    let Some(key) = current else {
        return true;
    };
    let expired = key.creation_timestamp.saturating_add(ttl_ms as i64) <= now_ms;
    let other_size = bits.is_some_and(|b| (b as usize).div_ceil(8) != key.key.len());
    expired || key.algorithm != algorithm || other_size
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn matches_rfc_4231_test_case_2() {
        let sig = sign(b"Jefe", "HmacSHA256", b"what do ya want for nothing?").unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&sig)
            .unwrap();
        assert_eq!(
            hex(&raw),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let raw512 = mac(b"Jefe", "HmacSHA512", b"what do ya want for nothing?").unwrap();
        assert!(hex(&raw512).starts_with("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd6"));
    }

    #[test]
    fn keys_rotate_when_missing_expired_or_configured_differently() {
        let key = crate::storage::config_records::SessionKey {
            key: vec![0; 32],
            algorithm: "HmacSHA256".into(),
            creation_timestamp: 1_000,
        };
        assert!(key_is_due(None, "HmacSHA256", None, 3_600_000, 0));
        assert!(!key_is_due(
            Some(&key),
            "HmacSHA256",
            None,
            3_600_000,
            2_000
        ));
        assert!(key_is_due(
            Some(&key),
            "HmacSHA256",
            None,
            3_600_000,
            3_601_000
        ));
        assert!(key_is_due(Some(&key), "HmacSHA512", None, 3_600_000, 2_000));
        assert!(key_is_due(
            Some(&key),
            "HmacSHA256",
            Some(128),
            3_600_000,
            2_000
        ));
        assert!(!key_is_due(
            Some(&key),
            "HmacSHA256",
            Some(256),
            3_600_000,
            2_000
        ));
    }

    #[test]
    fn verifies_only_the_exact_body_and_key() {
        let key = generate_key(DEFAULT_ALGORITHM, None).unwrap();
        assert_eq!(key.len(), 32);
        let body = br#"[{"task.class":"x"}]"#;
        let sig = sign(&key, DEFAULT_ALGORITHM, body).unwrap();
        assert_eq!(verify(&key, DEFAULT_ALGORITHM, body, &sig), Ok(()));
        assert_eq!(
            verify(&key, DEFAULT_ALGORITHM, b"[]", &sig),
            Err(SigningError::Mismatch)
        );
        let other = generate_key(DEFAULT_ALGORITHM, Some(128)).unwrap();
        assert_eq!(other.len(), 16);
        assert_eq!(
            verify(&other, DEFAULT_ALGORITHM, body, &sig).map_err(|e| e.status()),
            Err(403)
        );
        assert_eq!(
            verify(&key, DEFAULT_ALGORITHM, body, "not base64!").map_err(|e| e.status()),
            Err(400)
        );
        assert!(matches!(
            sign(&key, "HmacMD5", body),
            Err(SigningError::UnknownAlgorithm(_))
        ));
    }
}
