//! End-to-end: the REST API over HTTPS with Java's settings — `listeners=https://...` with
//! `listeners.https.ssl.*` key and trust stores, Basic authentication through
//! `BasicAuthSecurityRestExtension` (a JAAS file named in `KAFKA_OPTS`, a
//! `PropertyFileLoginModule` credentials file), CORS, extra response headers, a separate
//! admin listener, client certificates (`ssl.client.auth=required`) and worker-to-worker
//! forwarding over HTTPS. Checked with curl and with kafka-connect-py, as users' tools would.
//! The Apache Kafka broker is shared by the test run, so groups are unique to each test.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::Kconnect;
use kconnect_testkit::{free_port, unique, Broker, TlsFiles};

const USER: &str = "alice";
const PASSWORD: &str = "rest-secret-7c41";

/// One HTTP exchange as curl saw it.
#[derive(Debug)]
struct Exchange {
    status: u16,
    /// Header lines, names lower-cased.
    headers: Vec<(String, String)>,
    body: String,
}

impl Exchange {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Runs curl with `args`; `Err` holds curl's exit code and message when no HTTP exchange
/// took place (e.g. a refused certificate).
fn curl(args: &[&str]) -> Result<Exchange, (Option<i32>, String)> {
    let out = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "20"])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    common::assert_no_secret("a REST answer", &text);
    if !out.status.success() {
        return Err((
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Exchange {
        status,
        headers,
        body: body.to_string(),
    })
}

/// The credentials file and the JAAS file naming it; returns the `KAFKA_OPTS` value Java
/// users set.
fn basic_auth_files(dir: &Path) -> String {
    let credentials = dir.join("rest-credentials.properties");
    std::fs::write(&credentials, format!("{USER}={PASSWORD}\nbob=other-pass\n")).unwrap();
    let jaas = dir.join("rest-jaas.conf");
    std::fs::write(
        &jaas,
        format!(
            "KafkaConnect {{\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\"{}\";\n}};\n",
            credentials.display()
        ),
    )
    .unwrap();
    format!("-Djava.security.auth.login.config={}", jaas.display())
}

/// Worker lines for an HTTPS listener on `port` with the test PKI's server key store and
/// CA, Basic authentication, and `extra`.
fn https_worker(tls: &TlsFiles, port: u16, extra: &str) -> String {
    format!(
        "listeners=https://127.0.0.1:{port}\nlisteners.https.ssl.keystore.type=PEM\nlisteners.https.ssl.keystore.location={}\nlisteners.https.ssl.truststore.type=PEM\nlisteners.https.ssl.truststore.location={}\nrest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension\n{extra}",
        tls.broker_keystore.display(),
        tls.ca_cert.display(),
    )
}

/// A CORS preflight from `origin` asking for `method`, trusting `ca`.
fn ask_preflight(ca: &str, origin: &str, method: &str, url: &str) -> Exchange {
    curl(&[
        "--cacert",
        ca,
        "-X",
        "OPTIONS",
        "-H",
        &format!("Origin: {origin}"),
        "-H",
        &format!("Access-Control-Request-Method: {method}"),
        url,
    ])
    .unwrap()
}

fn auth() -> String {
    format!("{USER}:{PASSWORD}")
}

/// Waits until `url` answers `GET /health` with 200 (curl `args` add certificates and
/// credentials).
fn wait_healthy(k: &Kconnect, url: &str, args: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut all = args.to_vec();
        let health = format!("{url}/health");
        all.push(&health);
        if curl(&all).is_ok_and(|e| e.status == 200) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not healthy at {url}:\n{}",
            k.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Statuses kafka-connect-py sees listing connectors with no credentials, wrong ones and
/// the right ones, trusting `ca`.
fn kafka_connect_py_statuses(url: &str, ca: &Path) -> Vec<u16> {
    let python = kconnect_testkit::kafka_dist::cache_dir().join("python/bin/python3");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup (it installs kafka-connect-py)",
        python.display()
    );
    let script = r#"
import sys, requests
from kafka_connect import KafkaConnect
url, ca, good = sys.argv[1], sys.argv[2], sys.argv[3]
for auth in [None, "alice:wrong-password", good]:
    client = KafkaConnect(url=url, auth=auth, ssl_verify=ca)
    try:
        client.list_connectors()
        print(200)
    except requests.HTTPError as e:
        print(e.response.status_code)
"#;
    let out = Command::new(python)
        .args(["-c", script, url, &ca.display().to_string(), &auth()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kafka-connect-py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect()
}

#[test]
fn https_with_basic_auth_cors_headers_and_an_admin_listener() {
    let broker = Broker::shared();
    let tls = broker.tls().clone();
    let dir = tempfile::tempdir().unwrap();
    let admin_port = free_port();
    let mut k = Kconnect::new(dir.path(), &broker, "");
    k.append_worker_lines(&https_worker(
        &tls,
        k.port,
        &format!(
            "access.control.allow.origin=https://ui\\\\.example\\\\.com\naccess.control.allow.methods=GET,POST,PUT,DELETE\nresponse.http.headers.config=set X-Frame-Options: DENY, add Cache-Control: no-store\nadmin.listeners=http://127.0.0.1:{admin_port}\n"
        ),
    ));
    k.env
        .push(("KAFKA_OPTS".into(), basic_auth_files(dir.path())));
    k.start(&[]);
    let url = format!("https://127.0.0.1:{}", k.port);
    let ca = tls.ca_cert.display().to_string();
    let good = auth();
    wait_healthy(&k, &url, &["--cacert", &ca, "-u", &good]);
    let connectors = format!("{url}/connectors");

    // No credentials, wrong ones, right ones.
    let none = curl(&["--cacert", &ca, &connectors]).unwrap();
    assert_eq!(none.status, 401, "{none:?}");
    assert_eq!(
        none.header("www-authenticate"),
        Some("Basic realm=\"KafkaConnect\"")
    );
    assert!(
        none.body.contains("User cannot access the resource."),
        "{none:?}"
    );
    assert_eq!(none.header("x-frame-options"), Some("DENY"), "{none:?}");
    let wrong = curl(&["--cacert", &ca, "-u", "alice:not-it", &connectors]).unwrap();
    assert_eq!(wrong.status, 401);
    let unknown = curl(&[
        "--cacert",
        &ca,
        "-u",
        &format!("mallory:{PASSWORD}"),
        &connectors,
    ])
    .unwrap();
    assert_eq!(unknown.status, 401);
    let ok = curl(&["--cacert", &ca, "-u", &good, &connectors]).unwrap();
    assert_eq!((ok.status, ok.body.trim()), (200, "[]"), "{ok:?}");
    assert_eq!(ok.header("x-frame-options"), Some("DENY"));
    assert_eq!(ok.header("cache-control"), Some("no-store"));

    // The certificate is checked: curl refuses it without the CA.
    let (code, message) = curl(&["-u", &good, &connectors]).unwrap_err();
    assert_eq!(code, Some(60), "{message}");

    // CORS: a preflight from an allowed origin is answered without credentials; a request
    // from another origin gets no permission.
    let preflight = ask_preflight(&ca, "https://ui.example.com", "PUT", &connectors);
    assert_eq!(preflight.status, 200, "{preflight:?}");
    assert_eq!(
        preflight.header("access-control-allow-origin"),
        Some("https://ui.example.com")
    );
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("GET,POST,PUT,DELETE")
    );
    assert_eq!(
        preflight.header("access-control-allow-credentials"),
        Some("true")
    );
    let cross = curl(&[
        "--cacert",
        &ca,
        "-u",
        &good,
        "-H",
        "Origin: https://ui.example.com",
        &connectors,
    ])
    .unwrap();
    assert_eq!(cross.status, 200);
    assert_eq!(
        cross.header("access-control-allow-origin"),
        Some("https://ui.example.com")
    );
    assert_eq!(cross.header("vary"), Some("Origin"));
    let evil = ask_preflight(&ca, "https://ui.example.com.evil.net", "PUT", &connectors);
    assert_eq!(evil.header("access-control-allow-origin"), None, "{evil:?}");
    // A method the policy does not allow gets no permission either; the extra headers are
    // on preflight answers too.
    let patch = ask_preflight(&ca, "https://ui.example.com", "PATCH", &connectors);
    assert_eq!(
        patch.header("access-control-allow-origin"),
        None,
        "{patch:?}"
    );
    assert_eq!(
        preflight.header("x-frame-options"),
        Some("DENY"),
        "{preflight:?}"
    );

    // /admin is served only on the admin listener, behind the same authentication.
    let main_admin = curl(&[
        "--cacert",
        &ca,
        "-u",
        &good,
        &format!("{url}/admin/loggers"),
    ])
    .unwrap();
    assert_eq!(main_admin.status, 404, "{main_admin:?}");
    let admin_url = format!("http://127.0.0.1:{admin_port}/admin/loggers");
    assert_eq!(curl(&[&admin_url]).unwrap().status, 401);
    let admin = curl(&["-u", &good, &admin_url]).unwrap();
    assert_eq!(admin.status, 200, "{admin:?}");
    assert!(admin.body.contains("\"level\""), "{admin:?}");
    assert_eq!(
        curl(&[
            "-u",
            &good,
            &format!("http://127.0.0.1:{admin_port}/connectors")
        ])
        .unwrap()
        .status,
        404
    );

    // kafka-connect-py, trusting the CA: 401 without and with wrong credentials, 200 with
    // the right ones.
    assert_eq!(
        kafka_connect_py_statuses(&url, &tls.ca_cert),
        vec![401, 401, 200]
    );

    assert_eq!(k.stop(), Some(0), "{}", k.log());
    assert!(!k.log().contains(PASSWORD), "{}", k.log());
}

/// Curl arguments of a client presenting the test PKI's client certificate.
fn client_cert_args(tls: &TlsFiles) -> Vec<String> {
    vec![
        "--cacert".into(),
        tls.ca_cert.display().to_string(),
        "--cert".into(),
        tls.client_cert.display().to_string(),
        "--key".into(),
        tls.client_key.display().to_string(),
        "-u".into(),
        auth(),
    ]
}

#[test]
fn a_distributed_cluster_forwards_to_the_leader_over_mutual_tls() {
    let broker = Broker::shared();
    let tls = broker.tls().clone();
    let root = tempfile::tempdir().unwrap();
    let group = unique("rest-https");
    let kafka_opts = basic_auth_files(root.path());
    let mut workers: Vec<Kconnect> = (0..2)
        .map(|n| {
            let k =
                Kconnect::new_distributed(&root.path().join(format!("w{n}")), &broker, &group, "");
            k.append_worker_lines(&https_worker(
                &tls,
                k.port,
                "listeners.https.ssl.client.auth=required\nrest.advertised.listener=https\n",
            ));
            k
        })
        .collect();
    for k in &mut workers {
        k.env.push(("KAFKA_OPTS".into(), kafka_opts.clone()));
        k.start_distributed();
    }
    let args = client_cert_args(&tls);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let urls: Vec<String> = workers
        .iter()
        .map(|k| format!("https://127.0.0.1:{}", k.port))
        .collect();
    for (k, url) in workers.iter().zip(&urls) {
        wait_healthy(k, url, &args);
    }

    // Without a client certificate the handshake fails.
    let ca = tls.ca_cert.display().to_string();
    let good = auth();
    let refused = curl(&[
        "--cacert",
        &ca,
        "-u",
        &good,
        &format!("{}/connectors", urls[0]),
    ]);
    // 35: TLS handshake failed; 55 or 56: the server ended the connection right after the
    // handshake (TLS 1.3 reports a missing client certificate after it).
    let (code, message) = refused.unwrap_err();
    assert!(
        matches!(code, Some(35) | Some(55) | Some(56)),
        "{code:?}: {message}"
    );

    // A connector created through each worker: one of them is a follower, which forwards
    // the request (with the caller's credentials) to the leader over HTTPS.
    let input: PathBuf = root.path().join("in.txt");
    std::fs::write(&input, "").unwrap();
    for (n, url) in urls.iter().enumerate() {
        let body = format!(
            r#"{{"name":"src-{n}","config":{{"connector.class":"FileStreamSource","file":"{}","topic":"{group}-{n}"}}}}"#,
            input.display()
        );
        let mut all = args.clone();
        let connectors = format!("{url}/connectors");
        all.extend([
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-d",
            &body,
            &connectors,
        ]);
        let created = curl(&all).unwrap();
        assert_eq!(created.status, 201, "{created:?}\n{}", workers[n].log());
    }
    // (Both were created: the follower's request reached the leader, or it would have
    // failed with "IO Error trying to forward REST request".)
    // Both connectors run, seen from either worker.
    let deadline = Instant::now() + Duration::from_secs(60);
    for n in 0..2 {
        loop {
            let mut all = args.clone();
            let status = format!("{}/connectors/src-{n}/status", urls[1 - n]);
            all.push(&status);
            let e = curl(&all).unwrap();
            if e.status == 200 && e.body.contains("\"RUNNING\"") && e.body.contains("\"tasks\":[{")
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "src-{n} not running: {e:?}\n{}\n{}",
                workers[0].log(),
                workers[1].log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    for k in &mut workers {
        assert_eq!(k.stop(), Some(0), "{}", k.log());
        assert!(!k.log().contains(PASSWORD), "{}", k.log());
    }
}
