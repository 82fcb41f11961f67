//! Errors of herder operations, each mapped to the HTTP status Java's REST layer gives it
//! (kafka-connect-spec.md §1.2).

use kconnect_api::ConnectError;
use thiserror::Error;

/// Result of a herder operation.
pub type HerderResult<T> = Result<T, HerderError>;

/// Why a herder operation failed. The REST layer renders it as
/// `{"error_code": <status>, "message": <message>}`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HerderError {
    /// The request is malformed or names invalid values (Java `BadRequestException`): 400.
    #[error("{0}")]
    BadRequest(String),
    /// The operation is refused by configuration (e.g. topic tracking disabled): 403.
    #[error("{0}")]
    Forbidden(String),
    /// An unknown connector, task, plugin or logger (Java `NotFoundException`): 404.
    #[error("{0}")]
    NotFound(String),
    /// The connector already exists (Java `AlreadyExistsException`): 409.
    #[error("{0}")]
    AlreadyExists(String),
    /// The request conflicts with concurrent work, e.g. a rebalance (distributed mode): 409.
    #[error("{0}")]
    Conflict(String),
    /// The operation did not finish in time: 500 with Java's "Request timed out".
    #[error("{0}")]
    Timeout(String),
    /// Anything else (Java `ConnectException` and unexpected errors): 500.
    #[error("{0}")]
    Internal(String),
    /// The worker cannot serve the request yet, e.g. no session key to verify an internal
    /// request against (distributed mode): 503.
    #[error("{0}")]
    Unavailable(String),
    /// Another worker must serve the request (distributed mode; Java's
    /// `RequestTargetException`): the worker running the task, or the leader, which knows
    /// it. The REST layer forwards the request to `url` with the hop rules of kafka-connect-spec.md §1.3;
    /// without a URL (or out of hops) it answers 409.
    #[error("{message}")]
    Elsewhere {
        /// Why this worker does not serve it.
        message: String,
        /// The REST URL of the worker that should, if known.
        url: Option<String>,
    },
}

impl HerderError {
    /// The HTTP status (and `error_code`) Java gives this kind of failure.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::AlreadyExists(_) | Self::Conflict(_) | Self::Elsewhere { .. } => 409,
            Self::Timeout(_) | Self::Internal(_) => 500,
            Self::Unavailable(_) => 503,
        }
    }

    /// The message shown to the client.
    pub fn message(&self) -> &str {
        match self {
            Self::BadRequest(m)
            | Self::Forbidden(m)
            | Self::NotFound(m)
            | Self::AlreadyExists(m)
            | Self::Conflict(m)
            | Self::Timeout(m)
            | Self::Internal(m)
            | Self::Unavailable(m)
            | Self::Elsewhere { message: m, .. } => m,
        }
    }
}

impl From<ConnectError> for HerderError {
    fn from(e: ConnectError) -> Self {
        match e {
            ConnectError::NotFound(m) => Self::NotFound(m),
            ConnectError::Config(c) => Self::BadRequest(c.to_string()),
            ConnectError::IllegalArgument(m) => Self::BadRequest(m),
            other => Self::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_java_mapping() {
        assert_eq!(HerderError::BadRequest("x".into()).status(), 400);
        assert_eq!(HerderError::NotFound("x".into()).status(), 404);
        assert_eq!(HerderError::AlreadyExists("x".into()).status(), 409);
        assert_eq!(HerderError::Internal("x".into()).status(), 500);
        let elsewhere = HerderError::Elsewhere {
            message: "not here".into(),
            url: None,
        };
        assert_eq!((elsewhere.status(), elsewhere.message()), (409, "not here"));
        let e: HerderError = ConnectError::NotFound("Connector a not found".into()).into();
        assert_eq!(e, HerderError::NotFound("Connector a not found".into()));
        let e: HerderError = ConnectError::other("boom").into();
        assert_eq!(e.status(), 500);
        assert_eq!(e.message(), "boom");
    }
}
