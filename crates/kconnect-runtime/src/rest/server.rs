//! The REST server: every listener of `listeners` (http and https), the admin listeners of
//! `admin.listeners`, and the layers Java's worker puts in front of the resources — CORS,
//! extra response headers, Basic authentication — configured from the worker file and
//! checked at startup, so a setting that cannot be honoured stops the worker instead of
//! leaving the API less protected than the file says.

use std::sync::Arc;

use axum::Router;
use kconnect_api::{ConfigError, ConfigMap};
use openssl::ssl::SslAcceptor;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::basic_auth::BasicAuth;
use super::cors::Cors;
use super::response_headers::ResponseHeaders;
use super::tls::{ClientTls, TlsListener, TlsSettings};
use crate::config::Listener;

/// The worker key for the admin listeners.
pub const ADMIN_LISTENERS: &str = "admin.listeners";
/// The worker key choosing the advertised protocol.
pub const ADVERTISED_LISTENER: &str = "rest.advertised.listener";

/// Where `/admin` is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminListeners {
    /// On the REST listeners (Java's default: `admin.listeners` unset).
    Main,
    /// Nowhere (`admin.listeners` empty).
    Disabled,
    /// Only on these listeners.
    Separate(Vec<Listener>),
}

/// The REST server settings of a worker file.
#[derive(Clone)]
pub struct RestServerConfig {
    /// Where `/admin` is served.
    pub admin: AdminListeners,
    main_tls: Option<Arc<SslAcceptor>>,
    admin_tls: Option<Arc<SslAcceptor>>,
    /// TLS for requests to other workers' `https://` URLs (when any listener or the
    /// advertised protocol is https).
    pub client_tls: Option<ClientTls>,
    cors: Option<Arc<Cors>>,
    headers: Arc<ResponseHeaders>,
    auth: Option<Arc<BasicAuth>>,
    /// `http` or `https`: the protocol other workers reach this one with.
    pub advertised_scheme: String,
}

impl std::fmt::Debug for RestServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestServerConfig")
            .field("admin", &self.admin)
            .field("https", &self.main_tls.is_some())
            .field("cors", &self.cors)
            .field("headers", &self.headers)
            .field("auth", &self.auth)
            .field("advertised_scheme", &self.advertised_scheme)
            .finish()
    }
}

fn admin_listeners(props: &ConfigMap) -> Result<AdminListeners, ConfigError> {
    let Some(raw) = props.get(ADMIN_LISTENERS) else {
        return Ok(AdminListeners::Main);
    };
    if raw.trim().is_empty() {
        return Ok(AdminListeners::Disabled);
    }
    let entries: Vec<&str> = raw.split(',').map(str::trim).collect();
    if entries.iter().any(|e| e.is_empty()) {
        return Err(ConfigError::invalid(
            ADMIN_LISTENERS,
            raw,
            format!("Configuration '{ADMIN_LISTENERS}' values must not be empty."),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for e in entries {
        if !seen.insert(e) {
            return Err(ConfigError::invalid(
                ADMIN_LISTENERS,
                raw,
                format!("Configuration '{ADMIN_LISTENERS}' values must not be duplicated."),
            ));
        }
        out.push(Listener::parse(e).map_err(|_| {
            ConfigError::invalid(
                ADMIN_LISTENERS,
                raw,
                "Listener doesn't have the right format (protocol://hostname:port).",
            )
        })?);
    }
    Ok(AdminListeners::Separate(out))
}

impl RestServerConfig {
    /// Reads and checks the REST settings; `java_options` is `KAFKA_OPTS` (where Java users
    /// name the JAAS file of Basic authentication).
    pub fn from_worker(
        props: &ConfigMap,
        listeners: &[Listener],
        java_options: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let admin = admin_listeners(props)?;
        let https = |l: &[Listener]| l.iter().find(|l| l.scheme == "https").cloned();
        // One reading of the REST listeners' stores serves both sides: the https listeners
        // and the requests to other workers (which advertise https only when this worker
        // has an https listener, checked below).
        let (main_tls, client_tls) = match https(listeners) {
            Some(l) => {
                let settings = TlsSettings::from_worker(props, "listeners.https.")?;
                (
                    Some(Arc::new(
                        settings.acceptor(&format!("https://{}", l.bind_address()))?,
                    )),
                    Some(settings.connector()?),
                )
            }
            None => (None, None),
        };
        let admin_tls = match &admin {
            AdminListeners::Separate(l) => match https(l) {
                Some(l) => Some(Arc::new(
                    TlsSettings::from_worker(props, "admin.listeners.https.")?
                        .acceptor(&format!("https://{}", l.bind_address()))?,
                )),
                None => None,
            },
            _ => None,
        };
        let advertised_scheme = match props
            .get(ADVERTISED_LISTENER)
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
        {
            Some(s) if s == "http" || s == "https" => {
                if !listeners.iter().any(|l| l.scheme == s) {
                    return Err(ConfigError::invalid(
                        ADVERTISED_LISTENER,
                        &s,
                        format!("no {s}:// listener in listeners to advertise"),
                    ));
                }
                s
            }
            Some(other) => {
                return Err(ConfigError::invalid(
                    ADVERTISED_LISTENER,
                    &other,
                    "must be http or https",
                ))
            }
            None if listeners.iter().any(|l| l.scheme == "http") => "http".into(),
            None => "https".into(),
        };
        Ok(Self {
            admin,
            main_tls,
            admin_tls,
            client_tls,
            cors: Cors::from_worker(props)?.map(Arc::new),
            headers: Arc::new(ResponseHeaders::from_worker(props)?),
            auth: BasicAuth::from_worker(props, java_options)?.map(Arc::new),
            advertised_scheme,
        })
    }

    /// Whether the REST API asks for credentials (Basic authentication).
    pub fn authenticates(&self) -> bool {
        self.auth.is_some()
    }

    /// `router` with the layers in Java's order: the extra response headers outermost (on
    /// every response, preflight and authentication failures included), then CORS (a
    /// preflight is answered without credentials), then authentication. `cors` is false for
    /// the admin listeners, as in Java.
    fn layered(&self, mut router: Router, cors: bool) -> Router {
        if let Some(auth) = &self.auth {
            router = router.layer(axum::middleware::from_fn_with_state(
                auth.clone(),
                super::basic_auth::require,
            ));
        }
        if let (true, Some(c)) = (cors, &self.cors) {
            router = router.layer(axum::middleware::from_fn_with_state(
                c.clone(),
                super::cors::apply,
            ));
        }
        if !self.headers.is_empty() {
            router = router.layer(axum::middleware::from_fn_with_state(
                self.headers.clone(),
                super::response_headers::apply,
            ));
        }
        router
    }
}

/// One bound listener.
struct Bound {
    listener: Listener,
    tcp: TcpListener,
    port: u16,
}

/// The bound REST listeners, not serving yet.
pub struct BoundRest {
    main: Vec<Bound>,
    admin: Vec<Bound>,
    config: RestServerConfig,
}

async fn bind_all(listeners: &[Listener]) -> Result<Vec<Bound>, String> {
    let mut out = Vec::new();
    for l in listeners {
        let tcp = TcpListener::bind(l.bind_address()).await.map_err(|e| {
            format!(
                "cannot listen on {}://{}: {e} (set listeners=http://host:port)",
                l.scheme,
                l.bind_address()
            )
        })?;
        let port = tcp.local_addr().map(|a| a.port()).unwrap_or(l.port);
        out.push(Bound {
            listener: l.clone(),
            tcp,
            port,
        });
    }
    Ok(out)
}

impl BoundRest {
    /// Binds every REST and admin listener.
    pub async fn bind(listeners: &[Listener], config: &RestServerConfig) -> Result<Self, String> {
        let main = bind_all(listeners).await?;
        let admin = match &config.admin {
            AdminListeners::Separate(l) => bind_all(l).await?,
            _ => Vec::new(),
        };
        Ok(Self {
            main,
            admin,
            config: config.clone(),
        })
    }

    /// The port other workers reach this one on: `advertised_port` if set, else the bound
    /// port of the first listener of the advertised protocol.
    pub fn advertised_port(&self, advertised_port: Option<u16>) -> u16 {
        advertised_port.unwrap_or_else(|| {
            self.main
                .iter()
                .find(|b| b.listener.scheme == self.config.advertised_scheme)
                .or(self.main.first())
                .map_or(0, |b| b.port)
        })
    }

    /// What is being served, for the startup log line.
    pub fn describe(&self) -> String {
        let show = |b: &Bound| {
            let host = if b.listener.host.is_empty() {
                "0.0.0.0"
            } else {
                &b.listener.host
            };
            format!("{}://{host}:{}", b.listener.scheme, b.port)
        };
        let mut text = self.main.iter().map(show).collect::<Vec<_>>().join(", ");
        match &self.config.admin {
            AdminListeners::Main => {}
            AdminListeners::Disabled => text.push_str("; /admin disabled"),
            AdminListeners::Separate(_) => {
                text.push_str("; /admin on ");
                text.push_str(&self.admin.iter().map(show).collect::<Vec<_>>().join(", "));
            }
        }
        text
    }

    /// Serves `api` on the REST listeners and `admin` (if any) on the admin listeners,
    /// until the returned task is aborted.
    pub fn serve(self, api: Router, admin: Option<Router>) -> Result<JoinHandle<()>, String> {
        let api = self.config.layered(api, true);
        let admin = admin.map(|a| self.config.layered(a, false));
        let mut tasks = Vec::new();
        for (bound, router, tls) in self
            .main
            .into_iter()
            .map(|b| (b, api.clone(), self.config.main_tls.clone()))
            .chain(
                self.admin
                    .into_iter()
                    .filter_map(|b| Some((b, admin.clone()?, self.config.admin_tls.clone()))),
            )
        {
            let name = format!(
                "{}://{}",
                bound.listener.scheme,
                bound.listener.bind_address()
            );
            let task = if bound.listener.scheme == "https" {
                let acceptor = tls.ok_or_else(|| format!("{name}: no TLS settings"))?;
                let listener = TlsListener::new(bound.tcp, (*acceptor).clone())
                    .map_err(|e| format!("{name}: {e}"))?;
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, router).await {
                        tracing::error!("REST server on {name} failed: {e}");
                    }
                })
            } else {
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(bound.tcp, router).await {
                        tracing::error!("REST server on {name} failed: {e}");
                    }
                })
            };
            tasks.push(task);
        }
        let aborts = AbortAll(tasks.iter().map(JoinHandle::abort_handle).collect());
        Ok(tokio::spawn(async move {
            // Aborting this task drops the guard, which stops every listener.
            let _aborts = aborts;
            futures::future::join_all(tasks).await;
        }))
    }
}

/// Aborts the listeners' tasks when dropped.
struct AbortAll(Vec<tokio::task::AbortHandle>);

impl Drop for AbortAll {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::config_map;

    fn listeners(raw: &str) -> Vec<Listener> {
        raw.split(',')
            .map(|l| Listener::parse(l).unwrap())
            .collect()
    }

    #[test]
    fn admin_listeners_follow_java() {
        let parse = |v: Option<&str>| {
            let props = match v {
                Some(v) => config_map(&[(ADMIN_LISTENERS, v)]),
                None => ConfigMap::new(),
            };
            admin_listeners(&props).map_err(|e| e.to_string())
        };
        assert_eq!(parse(None).unwrap(), AdminListeners::Main);
        assert_eq!(parse(Some("")).unwrap(), AdminListeners::Disabled);
        assert_eq!(
            parse(Some("http://127.0.0.1:0")).unwrap(),
            AdminListeners::Separate(listeners("http://127.0.0.1:0"))
        );
        assert!(parse(Some("http://a:1,http://a:1"))
            .unwrap_err()
            .contains("must not be duplicated"));
        assert!(parse(Some("http://a:1,"))
            .unwrap_err()
            .contains("must not be empty"));
        assert!(parse(Some("a:1")).unwrap_err().contains("right format"));
    }

    #[test]
    fn the_advertised_protocol_prefers_http_unless_told() {
        let config = |props: &[(&str, &str)], l: &str| {
            RestServerConfig::from_worker(&config_map(props), &listeners(l), None)
                .map(|c| c.advertised_scheme)
                .map_err(|e| e.to_string())
        };
        assert_eq!(config(&[], "http://:0").unwrap(), "http");
        let err = config(&[(ADVERTISED_LISTENER, "https")], "http://:0").unwrap_err();
        assert!(err.contains(ADVERTISED_LISTENER), "{err}");
        let err = config(&[(ADVERTISED_LISTENER, "ftp")], "http://:0").unwrap_err();
        assert!(err.contains("http or https"), "{err}");
        // An https listener without a key store is refused, naming the keys to set.
        let err = config(&[], "https://:0").unwrap_err();
        assert!(err.contains("ssl.keystore.location"), "{err}");
    }
}
