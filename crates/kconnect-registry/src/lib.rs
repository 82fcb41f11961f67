//! A client of Confluent's Schema Registry API for kconnect's converters.
//!
//! It speaks the API Confluent's serializers use (`/subjects/{subject}/versions`,
//! `/subjects/{subject}`, `/schemas/ids/{id}`, `/config/{subject}`), which other registries
//! serve too (Apicurio under `/apis/ccompat/v7`). Answers are cached within bounds; the
//! URLs of `schema.registry.url` are tried in turn; `basic.auth.*` and `bearer.auth.*` are
//! Confluent's settings.
//!
//! Calls block: converters are synchronous and call the registry only on a cache miss.
//! Within a multi-threaded tokio runtime the call tells the runtime so
//! (`block_in_place`), and other tasks keep running.
//!
//! ureq is the HTTP client: small, synchronous (no runtime of its own to start from inside
//! the worker's), and it takes a native-tls connector, so TLS uses the same OpenSSL as the
//! Kafka clients.

pub mod client;
pub mod config;
mod lru;

pub use client::{RegisteredSchema, RegistryClient, RegistryError};
pub use config::{RegistryConfig, SubjectStrategy};
