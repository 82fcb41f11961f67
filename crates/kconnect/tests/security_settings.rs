//! No silent downgrade: security settings kconnect cannot honour (unimplemented, or unusable
//! as written) stop the worker with exit code 2, naming the key and what to do instead, in
//! standalone and distributed mode; and `connector.client.config.override.policy` behaves as Java's.

#![allow(clippy::unwrap_used)]

mod common;

use common::Kconnect;
use kconnect_testkit::{unique, Broker};
use serde_json::json;

/// Runs `kconnect <mode> worker.properties` with `extra` worker lines to its exit.
fn exit_with(broker: &Broker, mode: &str, extra: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let k = if mode == "distributed" {
        Kconnect::new_distributed(dir.path(), broker, &unique("refused"), extra)
    } else {
        Kconnect::new(dir.path(), broker, extra)
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kconnect"))
        .arg(mode)
        .arg(k.dir.join("worker.properties"))
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn unusable_security_settings_stop_the_worker_with_code_2() {
    let broker = Broker::shared();
    let cases: &[(&str, &str)] = &[
        // An https listener without a key store.
        ("listeners=https://127.0.0.1:0", "ssl.keystore.location"),
        // Basic authentication without a JAAS file.
        (
            "rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension",
            "java.security.auth.login.config",
        ),
        ("rest.extension.classes=com.example.AuditExtension", "com.example.AuditExtension"),
        ("config.providers=file", "config.providers.file.class"),
        ("admin.listeners=http://127.0.0.1:0,http://127.0.0.1:0", "must not be duplicated"),
        ("access.control.allow.origin=(", "access.control.allow.origin"),
        (
            "response.http.headers.config=put X-Frame-Options: DENY",
            "Invalid header config action",
        ),
        ("rest.advertised.listener=https", "rest.advertised.listener"),
        ("connector.client.config.override.policy=com.example.Mine", "connector.client.config.override.policy"),
        ("security.protocol=SASL_SSL", "sasl.mechanism"),
        ("producer.security.protocol=SSL\nproducer.ssl.cipher.suites=TLS_AES_128_GCM_SHA256", "ssl.cipher.suites"),
        (
            "security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\nsasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required;",
            "GSSAPI",
        ),
    ];
    for mode in ["standalone", "distributed"] {
        for (line, key) in cases {
            let (code, out) = exit_with(&broker, mode, line);
            assert_eq!(code, Some(2), "{mode} with {line}: {out}");
            assert!(
                out.contains(key),
                "{mode} with {line} does not name {key}: {out}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_principal_policy_allows_only_identity_overrides() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    std::fs::write(&input, "a\n").unwrap();
    let mut k = Kconnect::new(
        dir.path(),
        &broker,
        "connector.client.config.override.policy=Principal",
    );
    k.start(&[]);
    k.wait_rest().await;
    let topic = unique("policy");
    let name = unique("policy-src");
    let config = |extra: (&str, &str)| {
        let mut c = json!({"name": name, "connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": topic});
        c[extra.0] = json!(extra.1);
        c
    };
    let refused = config(("producer.override.linger.ms", "50"));
    let (code, body) = k
        .call(
            "PUT",
            "/connector-plugins/FileStreamSource/config/validate",
            Some(refused.clone()),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["error_count"], 1, "{body}");
    let entry = body["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"]["name"] == "producer.override.linger.ms")
        .unwrap_or_else(|| panic!("no entry for the override: {body}"));
    assert_eq!(
        entry["value"]["errors"],
        json!(["The 'Principal' policy does not allow 'linger.ms' to be overridden in the connector configuration."])
    );
    let (code, body) = k
        .call("PUT", &format!("/connectors/{name}/config"), Some(refused))
        .await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("'Principal' policy"),
        "{body}"
    );
    let allowed = config(("producer.override.security.protocol", "PLAINTEXT"));
    let (code, body) = k
        .call("PUT", &format!("/connectors/{name}/config"), Some(allowed))
        .await;
    assert_eq!(code, 201, "{body}");
    assert_eq!(k.stop(), Some(0), "{}", k.log());
}

#[test]
fn rest_authentication_needs_the_sessioned_protocol() {
    let broker = Broker::shared();
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("credentials.properties");
    std::fs::write(&credentials, "alice=wonderland\n").unwrap();
    let jaas = dir.path().join("jaas.conf");
    std::fs::write(
        &jaas,
        format!(
            "KafkaConnect {{ org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file=\"{}\"; }};",
            credentials.display()
        ),
    )
    .unwrap();
    let (code, out) = exit_with(
        &broker,
        "distributed",
        &format!(
            "connect.protocol=compatible\nrest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension\nkconnect.rest.jaas.config.file={}\n",
            jaas.display()
        ),
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("connect.protocol=compatible") && out.contains("sessioned"),
        "{out}"
    );
}
